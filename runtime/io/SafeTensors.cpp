//===- SafeTensors.cpp - memory-mapped safetensors reader -----------------===//

#include "io/SafeTensors.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <optional>

using namespace calm::runtime;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;

static const struct {
  DType dtype;
  const char *name;
  unsigned size;
} kDTypes[] = {{DType::F64, "F64", 8},        {DType::F32, "F32", 4},
               {DType::F16, "F16", 2},        {DType::BF16, "BF16", 2},
               {DType::I64, "I64", 8},        {DType::I32, "I32", 4},
               {DType::I16, "I16", 2},        {DType::I8, "I8", 1},
               {DType::U8, "U8", 1},          {DType::Bool, "BOOL", 1},
               {DType::F8E4M3, "F8_E4M3", 1}, {DType::F8E5M2, "F8_E5M2", 1}};

StringRef calm::runtime::getDTypeName(DType dtype) {
  for (const auto &d : kDTypes)
    if (d.dtype == dtype)
      return d.name;
  return "?";
}

unsigned calm::runtime::getDTypeSize(DType dtype) {
  for (const auto &d : kDTypes)
    if (d.dtype == dtype)
      return d.size;
  return 0;
}

int64_t TensorView::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

const TensorView *SafeTensorsFile::find(StringRef name) const {
  auto it = std::lower_bound(
      tensors.begin(), tensors.end(), name,
      [](const TensorView &t, StringRef n) { return StringRef(t.name) < n; });
  return it != tensors.end() && it->name == name ? &*it : nullptr;
}

Error calm::runtime::fileError(StringRef path, const llvm::Twine &what) {
  // Names and strings echoed from a file (a tensor name, a model_type) may
  // hold control characters: escape them so that the error stays one line.
  std::string message;
  for (char c : (path + ": " + what).str()) {
    uint8_t b = uint8_t(c);
    if (b < 0x20 || b == 0x7F)
      message += llvm::formatv("\\x{0:X-2}", b).str();
    else
      message += c;
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

Expected<llvm::json::Value> calm::runtime::parseJSON(StringRef text) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJSONDepth)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("nested deeper than {0} levels", kMaxJSONDepth));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return llvm::json::parse(text);
}

Expected<std::unique_ptr<SafeTensorsFile>>
SafeTensorsFile::open(StringRef path, uint64_t maxHeaderBytes) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return parse(std::move(*buffer), path, maxHeaderBytes);
}

Expected<std::unique_ptr<SafeTensorsFile>>
SafeTensorsFile::parse(std::unique_ptr<llvm::MemoryBuffer> buffer,
                       StringRef path, uint64_t maxHeaderBytes) {
  std::unique_ptr<SafeTensorsFile> file(new SafeTensorsFile());
  file->path = path.str();
  file->buffer = std::move(buffer);
  const uint8_t *base =
      reinterpret_cast<const uint8_t *>(file->buffer->getBufferStart());
  uint64_t size = file->buffer->getBufferSize();

  if (size < 8)
    return fileError(path,
                     llvm::formatv("truncated: {0} bytes, shorter than the "
                                   "8-byte header length",
                                   size));
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | base[i];
  if (headerLen > maxHeaderBytes)
    return fileError(path,
                     llvm::formatv("header length {0} exceeds the limit of "
                                   "{1} bytes",
                                   headerLen, maxHeaderBytes));
  if (headerLen > size - 8)
    return fileError(path,
                     llvm::formatv("header length {0} runs past the end of "
                                   "the file ({1} bytes)",
                                   headerLen, size));
  StringRef headerText(reinterpret_cast<const char *>(base + 8), headerLen);
  Expected<llvm::json::Value> header = parseJSON(headerText);
  if (!header)
    return fileError(path, "malformed JSON header: " +
                               llvm::toString(header.takeError()));
  const llvm::json::Object *entries = header->getAsObject();
  if (!entries)
    return fileError(path, "the JSON header is not an object");

  const uint8_t *data = base + 8 + headerLen;
  uint64_t dataSize = size - 8 - headerLen;
  for (const auto &[key, value] : *entries) {
    StringRef name = key;
    if (name == "__metadata__") {
      const llvm::json::Object *meta = value.getAsObject();
      if (!meta)
        return fileError(path, "__metadata__ is not an object");
      for (const auto &[mk, mv] : *meta) {
        std::optional<StringRef> s = mv.getAsString();
        if (!s)
          return fileError(path, "__metadata__." + StringRef(mk) +
                                     " is not a string");
        file->metadata.emplace_back(StringRef(mk).str(), s->str());
      }
      continue;
    }
    auto bad = [&](const llvm::Twine &what) {
      return fileError(path, "tensor '" + name + "': " + what);
    };
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return bad("entry is not an object");
    std::optional<StringRef> dtypeName = entry->getString("dtype");
    const llvm::json::Array *shape = entry->getArray("shape");
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    if (!dtypeName || !shape || !offsets)
      return bad("needs dtype (string), shape and data_offsets (arrays)");
    TensorView view;
    view.name = name.str();
    bool known = false;
    for (const auto &d : kDTypes)
      if (*dtypeName == d.name) {
        view.dtype = d.dtype;
        known = true;
      }
    if (!known)
      return bad("unsupported dtype '" + *dtypeName + "'");
    uint64_t elements = 1;
    for (const llvm::json::Value &dim : *shape) {
      std::optional<int64_t> d = dim.getAsInteger();
      if (!d || *d < 0)
        return bad("shape entries must be non-negative integers");
      if (*d != 0 && elements > UINT64_MAX / uint64_t(*d))
        return bad("shape overflows");
      elements *= uint64_t(*d);
      view.shape.push_back(*d);
    }
    std::optional<int64_t> begin, end;
    if (offsets->size() == 2) {
      begin = (*offsets)[0].getAsInteger();
      end = (*offsets)[1].getAsInteger();
    }
    if (!begin || !end || *begin < 0 || *end < *begin)
      return bad("data_offsets must be two integers [begin, end] with "
                 "0 <= begin <= end");
    if (uint64_t(*end) > dataSize)
      return bad(llvm::formatv("data_offsets [{0}, {1}] run past the {2} "
                               "bytes of data (truncated file?)",
                               *begin, *end, dataSize));
    uint64_t unit = getDTypeSize(view.dtype);
    if (elements > UINT64_MAX / unit ||
        elements * unit != uint64_t(*end - *begin))
      return bad(llvm::formatv("{0} bytes of data, but shape and dtype {1} "
                               "need {2}",
                               *end - *begin, *dtypeName, elements * unit));
    view.data = data + *begin;
    view.bytes = uint64_t(*end - *begin);
    file->tensors.push_back(std::move(view));
  }
  // No two tensors may share bytes.
  std::vector<const TensorView *> byOffset;
  for (const TensorView &t : file->tensors)
    byOffset.push_back(&t);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorView *a, const TensorView *b) {
              return a->data < b->data;
            });
  // Compare each tensor with the furthest-reaching one before it, not just
  // its neighbour: an empty tensor between two overlapping ones would hide
  // the overlap from a neighbour-only check.
  const TensorView *reach = nullptr;
  for (const TensorView *t : byOffset) {
    if (!t->bytes)
      continue;
    if (reach && reach->data + reach->bytes > t->data)
      return fileError(path, "tensors '" + reach->name + "' and '" + t->name +
                                 "' overlap");
    if (!reach || t->data + t->bytes > reach->data + reach->bytes)
      reach = t;
  }
  std::sort(
      file->tensors.begin(), file->tensors.end(),
      [](const TensorView &a, const TensorView &b) { return a.name < b.name; });
  return file;
}
