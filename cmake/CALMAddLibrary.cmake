# calm_add_library(name sources... DEPENDS tablegen-targets... LINK_LIBS libs...)
#
# Our libraries are static archives of position-independent code that link the
# *shared* MLIR library (libMLIR.so), never MLIR's static archives: the plugin
# is loaded into Debian's mlir-opt-22, which links libMLIR.so, and two copies
# of MLIR in one process duplicate the dialect registry and TypeIDs.
function(calm_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS} MLIR LLVM)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  # The imported MLIR/LLVM targets carry no include directories: export them
  # so that consumers of find_package(CALMMLIR) compile out of the box.
  target_include_directories(${name} SYSTEM PUBLIC
    ${MLIR_INCLUDE_DIRS} ${LLVM_INCLUDE_DIRS})
  llvm_update_compile_flags(${name})
  install(TARGETS ${name} EXPORT CALMMLIRTargets
          ARCHIVE DESTINATION lib LIBRARY DESTINATION lib)
endfunction()
