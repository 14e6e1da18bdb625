//===- Compiler.cpp - built model module to native code, with a cache -----===//

#include "engine/Compiler.h"

#include "calm/Dialect/CALM/IR/WeightsAtRest.h"
#include "calm/InitAllCALM.h"
#include "calm/Pipelines/Pipelines.h"
#include "calm/Transforms/Passes.h"
#include "ukernels/UKernels.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/Timer.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>

using namespace calm::runtime;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string calm::runtime::getDefaultCacheDir() {
  if (std::optional<std::string> dir =
          llvm::sys::Process::GetEnv("CALM_CACHE_DIR"))
    return *dir;
  llvm::SmallString<256> path;
  if (std::optional<std::string> xdg =
          llvm::sys::Process::GetEnv("XDG_CACHE_HOME")) {
    path = *xdg;
  } else if (!llvm::sys::path::home_directory(path)) {
    return "";
  } else {
    llvm::sys::path::append(path, ".cache");
  }
  llvm::sys::path::append(path, "calm-mlir");
  return std::string(path);
}

/// Collects diagnostics so that a failed pass becomes one error line.
namespace {
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(mlir::MLIRContext *ctx)
      : handler(ctx, [this](mlir::Diagnostic &d) {
          if (d.getSeverity() == mlir::DiagnosticSeverity::Error &&
              message.empty()) {
            llvm::raw_string_ostream os(message);
            os << d.getLocation() << ": " << d.str();
          }
          return mlir::success();
        }) {}
  std::string message;

private:
  mlir::ScopedDiagnosticHandler handler;
};
} // namespace

llvm::Error calm::runtime::lowerToLLVMDialect(mlir::ModuleOp module,
                                              const CompileOptions &options) {
  mlir::MLIRContext *ctx = module.getContext();
  // The passes need the dialects' external models (bufferization,
  // conversion to LLVM), which the builder's context does not load.
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::calm::registerAllDialects(registry);
  // gpu-module-to-binary translates the kernels to LLVM IR mid-pipeline.
  mlir::registerAllToLLVMIRTranslations(registry);
  ctx->appendDialectRegistry(registry);
  DiagnosticCollector diagnostics(ctx);
  mlir::PassManager pm(ctx);
  if (options.device == "cuda") {
    // calm-gpu-pipeline as calm-opt runs it; the microkernels are CPU
    // code, so every contraction is a kernel and the weights stay f32.
    mlir::calm::GPUPipelineOptions gpu;
    gpu.numerics = options.numerics.str();
    gpu.chip = options.gpuChips;
    mlir::calm::buildGPUPipeline(pm, gpu);
  } else {
    // calm-cpu-pipeline as calm-opt runs it (`calm-run compile --emit=mlir`
    // prints the options); the selection was parsed already and its
    // canonical spelling re-parses.
    mlir::calm::CPUPipelineOptions cpu;
    cpu.numerics = options.numerics.str();
    cpu.vectorWidth = options.vectorWidth;
    cpu.ukernels = options.ukernels;
    cpu.polynomialExp = options.polynomialExp;
    mlir::calm::buildCPUPipeline(pm, cpu);
  }
  if (mlir::failed(pm.run(module)))
    return makeError("lowering the model failed: " +
                     (diagnostics.message.empty() ? std::string("unknown error")
                                                  : diagnostics.message));
  return llvm::Error::success();
}

static void initializeNativeTarget() {
  static bool done = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)done;
}

static llvm::Expected<std::unique_ptr<llvm::Module>>
translate(mlir::ModuleOp module, llvm::LLVMContext &llvmContext) {
  mlir::DialectRegistry registry;
  mlir::registerAllToLLVMIRTranslations(registry);
  module.getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext, "calm-model");
  if (!llvmModule)
    return makeError("translating the model to LLVM IR failed");
  return std::move(llvmModule);
}

llvm::Expected<std::string>
calm::runtime::translateToLLVMIR(mlir::ModuleOp module) {
  llvm::LLVMContext llvmContext;
  auto llvmModule = translate(module, llvmContext);
  if (!llvmModule)
    return llvmModule.takeError();
  std::string text;
  llvm::raw_string_ostream os(text);
  (*llvmModule)->print(os, nullptr);
  return text;
}

/// Target machine of the host code: this machine's CPU name and features,
/// or (`generic`, for CUDA libraries, whose host code only launches
/// kernels) the baseline CPU of this machine's architecture.
static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
hostMachine(bool generic) {
  initializeNativeTarget();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  if (generic) {
    llvm::Triple triple = builder->getTargetTriple();
    builder->setCPU(triple.isX86() ? "x86-64" : "generic");
    builder->getFeatures() = llvm::SubtargetFeatures();
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  builder->setRelocationModel(llvm::Reloc::PIC_);
  return builder->createTargetMachine();
}

static void optimize(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(module, mam);
}

static llvm::Expected<llvm::SmallVector<char, 0>>
emitObject(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile))
    return makeError("the host target cannot emit object files");
  pm.run(module);
  return std::move(object);
}

/// What makes generated code differ besides the module: the numerics, this
/// compiler build, LLVM, and the host CPU.
static std::string cacheKey(mlir::ModuleOp module, const CompileOptions &o,
                            llvm::TargetMachine &tm) {
  llvm::SHA256 hash;
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, mlir::OpPrintingFlags().printGenericOpForm());
  hash.update(text);
  hash.update(o.numerics.str());
  hash.update(std::to_string(o.vectorWidth));
  hash.update(o.ukernels ? "ukernels" : "codegen");
  hash.update(o.polynomialExp ? "polynomial-exp" : "libm-exp");
  hash.update(o.manifest.toJSON());
  hash.update(o.device);
  if (o.device == "cuda")
    hash.update(o.gpuChips);
  hash.update(LLVM_VERSION_STRING);
  hash.update(tm.getTargetCPU());
  hash.update(tm.getTargetFeatureString());
  // A rebuilt calm-run (new passes) must not reuse old objects.
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(exe, status)) {
    hash.update(exe);
    hash.update(std::to_string(status.getSize()));
    hash.update(std::to_string(
        status.getLastModificationTime().time_since_epoch().count()));
  }
  return llvm::toHex(hash.final(), /*LowerCase=*/true).substr(0, 32);
}

CompiledModule::CompiledModule() : ModelCode(Kind::JIT) {}
CompiledModule::~CompiledModule() = default;

llvm::Expected<ModelCode *> CompiledModule::library() const {
  std::lock_guard<std::mutex> guard(libraryLock);
  if (linked)
    return linked.get();
  // Linked into a temporary shared object and loaded with dlopen, so that
  // its constructors (which load the kernel modules) run as in a model
  // library; the mapping outlives the file.
  llvm::SmallString<128> path;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("calm-model", "so", path))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover remove(path);
  if (llvm::Error e = writeSharedLibrary(path))
    return std::move(e);
  auto loaded = loadModelLibrary(path);
  if (!loaded)
    return loaded.takeError();
  linked = std::move(*loaded);
  return linked.get();
}

llvm::Expected<void *> CompiledModule::lookup(llvm::StringRef function) const {
  if (!jit) {
    auto code = library();
    if (!code)
      return code.takeError();
    return (*code)->lookup(function);
  }
  auto symbol = jit->lookup(("_mlir_ciface_" + function).str());
  if (!symbol)
    return symbol.takeError();
  return symbol->toPtr<void *>();
}

std::string CompiledModule::weightManifest() const {
  if (!jit) {
    auto code = library();
    if (!code) {
      llvm::consumeError(code.takeError());
      return "";
    }
    return (*code)->weightManifest();
  }
  auto symbol = jit->lookup(mlir::calm::kWeightManifestSymbol);
  if (!symbol) {
    llvm::consumeError(symbol.takeError());
    return "";
  }
  return std::string(symbol->toPtr<const char *>());
}

std::string CompiledModule::origin() const {
  return fromCache ? std::string("cached")
                   : llvm::formatv("{0:f2} s", seconds).str();
}

llvm::Error CompiledModule::writeSharedLibrary(llvm::StringRef path) const {
  std::optional<std::string> linker;
  for (const char *name : {"ld.lld-22", "ld.lld"})
    if (auto found = llvm::sys::findProgramByName(name)) {
      linker = *found;
      break;
    }
  if (!linker)
    if (auto found =
            llvm::sys::findProgramByName("ld.lld", {"/usr/lib/llvm-22/bin"}))
      linker = *found;
  if (!linker)
    return makeError("writing a model library needs ld.lld (Debian: lld-22), "
                     "which is not on PATH");
  llvm::SmallString<128> objectPath, logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("calm-model", "o", objectPath))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("calm-link", "log", logPath))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(logPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(objectPath, ec);
    if (ec)
      return makeError(objectPath + ": " + ec.message());
    out << object;
    out.close();
    if (out.has_error())
      return makeError(objectPath + ": write failed");
  }
  // Written next to the target and renamed, so that an interrupted link
  // never leaves half a library under the name asked for (the pid: two
  // processes may compile the same cached library at once).
  std::string temp =
      (path + ".tmp" + llvm::Twine(llvm::sys::Process::getProcessId())).str();
  llvm::FileRemover removeTemp(temp);
  // Undefined symbols (the microkernels, libc, libm, memrefCopy) resolve
  // against the loading process.
  llvm::SmallVector<llvm::StringRef> args = {
      *linker,         "-shared", "--build-id", "-soname",
      "calm-model.so", "-o",      temp,         objectPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*linker, args, std::nullopt, redirects, 0,
                                     0, &error);
  if (rc != 0) {
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
      log = (*buffer)->getBuffer().split('\n').first.str();
    return makeError(llvm::formatv("linking {0} failed: {1}", path,
                                   log.empty() ? error : log));
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path))
    return makeError(path + ": " + ec.message());
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<CompiledModule>>
calm::runtime::compileModule(mlir::ModuleOp module,
                             const CompileOptions &options) {
  bool cuda = options.device == "cuda";
  auto tm = hostMachine(/*generic=*/cuda);
  if (!tm)
    return tm.takeError();
  std::unique_ptr<CompiledModule> compiled(new CompiledModule());
  CompileOptions withTarget = options;
  withTarget.manifest.cpu = (*tm)->getTargetCPU().str();
  withTarget.manifest.features = (*tm)->getTargetFeatureString().str();
  withTarget.manifest.device = options.device;
  withTarget.manifest.gpu = cuda ? options.gpuChips : "";
  compiled->manifest = withTarget.manifest;
  compiled->key = cacheKey(module, withTarget, **tm);

  std::string cachePath;
  std::unique_ptr<llvm::MemoryBuffer> object;
  if (!options.cacheDir.empty()) {
    llvm::SmallString<256> path(options.cacheDir);
    llvm::sys::path::append(path, compiled->key + ".o");
    cachePath = std::string(path);
    if (auto buffer = llvm::MemoryBuffer::getFile(cachePath)) {
      object = std::move(*buffer);
      compiled->fromCache = true;
    }
  }

  if (!object) {
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error e = lowerToLLVMDialect(module, options))
      return std::move(e);
    llvm::LLVMContext llvmContext;
    auto llvmModule = translate(module, llvmContext);
    if (!llvmModule)
      return llvmModule.takeError();
    (*llvmModule)->setDataLayout((*tm)->createDataLayout());
    (*llvmModule)->setTargetTriple((*tm)->getTargetTriple());
    // The manifest travels in the object (and in libraries linked from it).
    llvm::Constant *manifestText = llvm::ConstantDataArray::getString(
        llvmContext, compiled->manifest.toJSON(), /*AddNull=*/true);
    new llvm::GlobalVariable(**llvmModule, manifestText->getType(),
                             /*isConstant=*/true,
                             llvm::GlobalValue::ExternalLinkage, manifestText,
                             kModelManifestSymbol);
    optimize(**llvmModule, **tm);
    auto bytes = emitObject(**llvmModule, **tm);
    if (!bytes)
      return bytes.takeError();
    compiled->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (!cachePath.empty()) {
      // Written to a temporary name and renamed, so that a concurrent or
      // interrupted run never sees half an object.
      std::error_code ec = llvm::sys::fs::create_directories(options.cacheDir);
      llvm::SmallString<256> temp;
      int fd;
      if (!ec)
        ec = llvm::sys::fs::createUniqueFile(cachePath + ".%%%%%%.tmp", fd,
                                             temp);
      if (!ec) {
        llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
        out.write(bytes->data(), bytes->size());
        out.close();
        if (!out.has_error())
          ec = llvm::sys::fs::rename(temp, cachePath);
        if (ec || out.has_error())
          llvm::sys::fs::remove(temp);
      }
      // A cache that cannot be written only costs a recompile next time.
    }
    object = llvm::MemoryBuffer::getMemBufferCopy(
        llvm::StringRef(bytes->data(), bytes->size()), "calm-model.o");
  }
  compiled->object = object->getBuffer().str();
  // CUDA code is linked and loaded on first use (CompiledModule::library):
  // `compile -o` only writes it, on machines without a GPU too.
  if (cuda)
    return std::move(compiled);

  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return jit.takeError();
  llvm::orc::JITDylib &main = (*jit)->getMainJITDylib();
  auto generator =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          (*jit)->getDataLayout().getGlobalPrefix());
  if (!generator)
    return generator.takeError();
  main.addGenerator(std::move(*generator));
  // memrefCopy (MLIR's C runner utils) copies strided memrefs.
  llvm::orc::SymbolMap extra;
  extra[(*jit)->mangleAndIntern("memrefCopy")] = {
      llvm::orc::ExecutorAddr::fromPtr(&memrefCopy),
      llvm::JITSymbolFlags::Exported};
  // The microkernels are linked into this process (runtime/ukernels).
  extra[(*jit)->mangleAndIntern(
      ("_mlir_ciface_" + mlir::calm::kUKernelLinearName).str())] = {
      llvm::orc::ExecutorAddr::fromPtr(&_mlir_ciface_calm_uk_linear),
      llvm::JITSymbolFlags::Exported};
  if (llvm::Error e = main.define(llvm::orc::absoluteSymbols(std::move(extra))))
    return std::move(e);
  if (llvm::Error e = (*jit)->addObjectFile(std::move(object)))
    return std::move(e);
  compiled->jit = std::move(*jit);
  return std::move(compiled);
}

llvm::Expected<std::unique_ptr<ModelCode>> calm::runtime::openOrCompile(
    const CompileOptions &options, const ModelManifest &wanted,
    llvm::function_ref<mlir::OwningOpRef<mlir::ModuleOp>()> build) {
  if (!options.library.empty()) {
    auto compiled = loadModelLibrary(options.library);
    if (!compiled)
      return compiled.takeError();
    ModelManifest want = wanted;
    want.device = options.deviceGiven ? options.device
                                      : (*compiled)->getManifest().device;
    if (llvm::Error e =
            checkModelManifest((*compiled)->getManifest(), want,
                               options.numericsGiven, options.library))
      return std::move(e);
    return compiled;
  }
  CompileOptions withManifest = options;
  withManifest.manifest = wanted;
  mlir::OwningOpRef<mlir::ModuleOp> module = build();
  auto compiled = compileModule(*module, withManifest);
  if (!compiled)
    return compiled.takeError();
  return std::unique_ptr<ModelCode>(std::move(*compiled));
}
