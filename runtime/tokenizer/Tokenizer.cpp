//===- Tokenizer.cpp - Hugging Face byte-level BPE tokenizer --------------===//

#include "tokenizer/Tokenizer.h"

#include "io/SafeTensors.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <bitset>
#include <tuple>

using namespace calm::runtime;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

namespace {

/// Ids above this are refused: the id -> token table is dense.
constexpr int64_t kMaxTokenId = (1 << 24) - 1;

/// GPT-2's pre-tokenization pattern, used by a ByteLevel pre-tokenizer with
/// use_regex = true.
constexpr const char *kGPT2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+)"
    R"(| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

/// GPT-2's byte-level alphabet: printable bytes stand for themselves, the
/// others for U+0100 upwards in byte order, so that every token is text.
struct ByteLevelAlphabet {
  uint32_t charOf[256];
  llvm::DenseMap<uint32_t, uint8_t> byteOf;
  ByteLevelAlphabet() {
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      charOf[b] = printable ? b : next++;
      byteOf[charOf[b]] = uint8_t(b);
    }
  }
};

const ByteLevelAlphabet &alphabet() {
  static const ByteLevelAlphabet a;
  return a;
}

/// The length of the well-formed UTF-8 sequence (RFC 3629) that starts `s`,
/// and its code point in `cp`; 0 if `s` does not start with one. As strict
/// as PCRE2's own check, which encode() skips for the runs it validated.
size_t decodeUTF8(StringRef s, uint32_t &cp) {
  if (s.empty())
    return 0;
  auto byte = [&](size_t i) { return uint8_t(s[i]); };
  uint8_t b0 = byte(0);
  size_t len;
  uint32_t min;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < len)
    return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/// A byte-level token's bytes, or nullopt if it has a character outside the
/// alphabet.
std::optional<std::string> byteLevelBytes(StringRef token) {
  const ByteLevelAlphabet &a = alphabet();
  std::string bytes;
  while (!token.empty()) {
    uint32_t cp;
    size_t len = decodeUTF8(token, cp);
    auto it = a.byteOf.find(cp);
    if (!len || it == a.byteOf.end())
      return std::nullopt;
    bytes.push_back(char(it->second));
    token = token.drop_front(len);
  }
  return bytes;
}

/// `s` in single quotes with control bytes, quotes and backslashes escaped,
/// so that an error stays on one line; UTF-8 text is kept as it is.
std::string quote(StringRef s) {
  std::string out = "'";
  for (char c : s) {
    uint8_t b = uint8_t(c);
    if (b < 0x20 || b == 0x7F)
      out += llvm::formatv("\\x{0:X-2}", b).str();
    else if (c == '\'' || c == '\\')
      out += {'\\', c};
    else
      out += c;
  }
  return out + "'";
}

std::string typeOf(const json::Object &o) {
  std::optional<StringRef> t = o.getString("type");
  return t ? t->str() : std::string("(none)");
}

uint64_t mergeKey(int32_t left, int32_t right) {
  return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
}

} // namespace

struct Tokenizer::Impl {
  enum Kind : uint8_t { None, Vocab, Added, Special };
  struct Merge {
    int32_t rank, result;
  };

  std::string path;
  std::vector<std::string> bytesOf; // id -> bytes
  std::vector<uint8_t> kindOf;      // id -> Kind
  llvm::StringMap<int32_t> spelled; // vocabulary token as in the file -> id
  llvm::StringMap<int32_t> byBytes; // byte-level vocabulary token's bytes
  llvm::DenseMap<uint64_t, Merge> merges; // (left id, right id)
  int32_t byteToken[256];
  bool ignoreMerges = false;
  // Added tokens by content; their lengths, longest first; first bytes.
  llvm::StringMap<int32_t> added;
  std::vector<size_t> addedLengths;
  std::bitset<256> addedFirstByte;
  pcre2_code *regex = nullptr;
  bool jit = false;
  // Ids at or above this are refused (see load()).
  int64_t idLimit = kMaxTokenId + 1;

  ~Impl() { pcre2_code_free(regex); }
  Error load(const json::Object &root);
  Error loadModel(const json::Object &root);
  Error loadAddedTokens(const json::Object &root);
  Error loadPreTokenizer(const json::Object &root);
  Error compile(StringRef pattern, bool literal, StringRef key);
  void addToken(int32_t id, std::string bytes, Kind kind);
  void bytePairEncode(StringRef word, std::vector<int32_t> &out) const;
  Error error(const Twine &what) const { return fileError(path, what); }
  std::string sparseId(const Twine &what, int64_t id) const {
    return llvm::formatv("{0} is {1}, but ids must stay below {2} (4 times "
                         "the tokens in the file, as the id table is dense)",
                         what.str(), id, idLimit)
        .str();
  }
};

void Tokenizer::Impl::addToken(int32_t id, std::string bytes, Kind kind) {
  if (size_t(id) >= bytesOf.size()) {
    bytesOf.resize(id + 1);
    kindOf.resize(id + 1, None);
  }
  bytesOf[id] = std::move(bytes);
  kindOf[id] = kind;
}

Error Tokenizer::Impl::loadModel(const json::Object &root) {
  const json::Value *modelValue = root.get("model");
  if (!modelValue)
    return error("missing key 'model'");
  const json::Object *model = modelValue->getAsObject();
  if (!model)
    return error("'model' must be an object");
  std::optional<StringRef> type = model->getString("type");
  if (!type)
    return error("missing string 'model.type'");
  if (*type != "BPE")
    return error("model.type " + quote(*type) +
                 " is not supported (only \"BPE\")");
  if (const json::Value *d = model->get("dropout"))
    if (d->kind() != json::Value::Null && d->getAsNumber().value_or(1) != 0)
      return error("model.dropout: BPE dropout is not supported");
  for (StringRef key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (const json::Value *v = model->get(key))
      if (v->kind() != json::Value::Null && v->getAsString() != StringRef())
        return error("model." + key +
                     " is not supported (byte-level BPE "
                     "has none)");
  if (const json::Value *v = model->get("ignore_merges")) {
    if (v->kind() != json::Value::Null && !v->getAsBoolean())
      return error("'model.ignore_merges' must be a boolean");
    ignoreMerges = v->getAsBoolean().value_or(false);
  }

  const json::Value *vocabValue = model->get("vocab");
  if (!vocabValue)
    return error("missing key 'model.vocab'");
  const json::Object *vocab = vocabValue->getAsObject();
  if (!vocab)
    return error("'model.vocab' must be an object (token -> id)");
  for (const auto &[key, value] : *vocab) {
    StringRef token = key;
    std::optional<int64_t> id = value.getAsInteger();
    if (!id || *id < 0 || *id > kMaxTokenId)
      return error(llvm::formatv("model.vocab: the id of {0} must be an "
                                 "integer in [0, {1}]",
                                 quote(token), kMaxTokenId));
    if (*id >= idLimit)
      return error(sparseId("model.vocab: the id of " + quote(token), *id));
    if (size_t(*id) < kindOf.size() && kindOf[*id] != None)
      return error(
          llvm::formatv("model.vocab: id {0} is given to two tokens", *id));
    spelled[token] = int32_t(*id);
    // A token outside the byte-level alphabet cannot come out of encode();
    // it decodes to its own UTF-8 text, as in Hugging Face's decoder.
    std::optional<std::string> bytes = byteLevelBytes(token);
    if (bytes)
      byBytes[*bytes] = int32_t(*id);
    addToken(int32_t(*id), bytes ? *bytes : token.str(), Vocab);
  }
  for (unsigned b = 0; b < 256; ++b) {
    auto it = byBytes.find(StringRef(std::string(1, char(b))));
    if (it == byBytes.end()) {
      std::string spelling;
      llvm::raw_string_ostream(spelling)
          << llvm::formatv("\\u{0:X-4}", alphabet().charOf[b]);
      return error(llvm::formatv(
          "model.vocab: no token for byte 0x{0:X-2} ({1}); a byte-level BPE "
          "needs all 256",
          b, spelling));
    }
    byteToken[b] = it->second;
  }

  const json::Value *mergesValue = model->get("merges");
  if (!mergesValue)
    return error("missing key 'model.merges'");
  const json::Array *mergeList = mergesValue->getAsArray();
  if (!mergeList)
    return error("'model.merges' must be an array");
  merges.reserve(mergeList->size());
  for (size_t i = 0; i < mergeList->size(); ++i) {
    const json::Value &m = (*mergeList)[i];
    auto where = [&] { return llvm::formatv("model.merges[{0}]", i).str(); };
    std::optional<StringRef> left, right;
    if (std::optional<StringRef> s = m.getAsString()) {
      // The legacy spelling: two tokens and one space (tokens have none).
      auto [a, b] = s->split(' ');
      if (s->count(' ') == 1 && !a.empty() && !b.empty())
        left = a, right = b;
    } else if (const json::Array *pair = m.getAsArray()) {
      if (pair->size() == 2) {
        left = (*pair)[0].getAsString();
        right = (*pair)[1].getAsString();
      }
    }
    if (!left || !right)
      return error(where() + " must be \"A B\" or [\"A\", \"B\"]");
    auto l = spelled.find(*left), r = spelled.find(*right);
    if (l == spelled.end() || r == spelled.end())
      return error(where() + ": unknown token " +
                   quote(l == spelled.end() ? *left : *right));
    auto result = spelled.find((*left + *right).str());
    if (result == spelled.end())
      return error(where() + ": " + quote(*left) + " + " + quote(*right) +
                   " is not in model.vocab");
    // A repeated merge takes its last rank, as in the maps of Hugging Face
    // tokenizers and transformers.js.
    merges[mergeKey(l->second, r->second)] = Merge{int32_t(i), result->second};
  }
  return Error::success();
}

Error Tokenizer::Impl::loadAddedTokens(const json::Object &root) {
  const json::Value *value = root.get("added_tokens");
  if (!value || value->kind() == json::Value::Null)
    return Error::success();
  const json::Array *list = value->getAsArray();
  if (!list)
    return error("'added_tokens' must be an array");
  std::vector<bool> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    auto where = [&] { return llvm::formatv("added_tokens[{0}]", i).str(); };
    const json::Object *t = (*list)[i].getAsObject();
    if (!t)
      return error(where() + " must be an object");
    std::optional<int64_t> id = t->getInteger("id");
    if (!id || *id < 0 || *id > kMaxTokenId)
      return error(where() + llvm::formatv(".id must be an integer in [0, {0}]",
                                           kMaxTokenId)
                                 .str());
    if (*id >= idLimit)
      return error(sparseId(where() + ".id", *id));
    std::optional<StringRef> content = t->getString("content");
    if (!content || content->empty())
      return error(where() + ".content must be a non-empty string");
    // These change what a match consumes or where it may occur; no
    // byte-level model we read sets them.
    for (StringRef flag : {"lstrip", "rstrip", "single_word"})
      if (t->getBoolean(flag).value_or(false))
        return error(where() + "." + flag + " = true is not supported");
    if (size_t(*id) < seen.size() && seen[*id])
      return error(
          where() +
          llvm::formatv(": id {0} is given to two added tokens", *id).str());
    if (size_t(*id) >= seen.size())
      seen.resize(*id + 1);
    seen[*id] = true;
    // An added token may repeat a vocabulary token (GPT-2's <|endoftext|>),
    // not replace it: ids and bytes must stay one-to-one for decode.
    if (size_t(*id) < kindOf.size() && kindOf[*id] == Vocab &&
        bytesOf[*id] != *content)
      return error(where() + llvm::formatv(": id {0} is the vocabulary "
                                           "token {1}, not {2}",
                                           *id, quote(bytesOf[*id]),
                                           quote(*content))
                                 .str());
    bool special = t->getBoolean("special").value_or(false);
    addToken(int32_t(*id), content->str(), special ? Special : Added);
    added[*content] = int32_t(*id);
    addedFirstByte.set(uint8_t((*content)[0]));
    if (!llvm::is_contained(addedLengths, content->size()))
      addedLengths.push_back(content->size());
  }
  // Longest first: the leftmost match is the longest one there.
  std::sort(addedLengths.rbegin(), addedLengths.rend());
  return Error::success();
}

Error Tokenizer::Impl::compile(StringRef pattern, bool literal, StringRef key) {
  int code;
  PCRE2_SIZE offset;
  uint32_t options = PCRE2_UTF | PCRE2_UCP | (literal ? PCRE2_LITERAL : 0);
  regex = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                        pattern.size(), options, &code, &offset,
                        /*ccontext=*/nullptr);
  if (!regex) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code, message, sizeof(message));
    return error(llvm::formatv("{0}: invalid regex at offset {1}: {2}", key,
                               offset, reinterpret_cast<char *>(message)));
  }
  // JIT is an optimization; the interpreter gives the same matches.
  jit = pcre2_jit_compile(regex, PCRE2_JIT_COMPLETE) == 0;
  return Error::success();
}

Error Tokenizer::Impl::loadPreTokenizer(const json::Object &root) {
  const json::Value *value = root.get("pre_tokenizer");
  if (!value || value->kind() == json::Value::Null)
    return error("missing key 'pre_tokenizer' (a byte-level BPE needs "
                 "ByteLevel)");
  const json::Object *pre = value->getAsObject();
  if (!pre)
    return error("'pre_tokenizer' must be an object");

  // Supported: ByteLevel(use_regex) alone, or a Sequence of an optional
  // Split(Isolated) then ByteLevel(use_regex = false): one regex in all.
  std::vector<std::pair<const json::Object *, std::string>> steps;
  if (typeOf(*pre) == "Sequence") {
    const json::Array *list = pre->getArray("pretokenizers");
    if (!list)
      return error("missing array 'pre_tokenizer.pretokenizers'");
    for (size_t i = 0; i < list->size(); ++i) {
      const json::Object *step = (*list)[i].getAsObject();
      std::string key = llvm::formatv("pre_tokenizer.pretokenizers[{0}]", i);
      if (!step)
        return error(key + " must be an object");
      steps.emplace_back(step, key);
    }
  } else {
    steps.emplace_back(pre, "pre_tokenizer");
  }

  std::optional<std::tuple<std::string, bool, std::string>> regexSource;
  bool byteLevel = false;
  for (auto &[step, key] : steps) {
    std::string type = typeOf(*step);
    if (byteLevel)
      return error(key + ": type '" + type +
                   "' after ByteLevel is not supported");
    if (type == "Split") {
      if (regexSource)
        return error(key + ": a second regex split is not supported");
      std::optional<StringRef> behavior = step->getString("behavior");
      if (behavior != StringRef("Isolated"))
        return error(key + ".behavior must be \"Isolated\"" +
                     (behavior ? ", got " + quote(*behavior) : ""));
      if (step->getBoolean("invert").value_or(false))
        return error(key + ".invert = true is not supported");
      const json::Object *pattern = step->getObject("pattern");
      std::optional<StringRef> regexText =
          pattern ? pattern->getString("Regex") : std::nullopt;
      std::optional<StringRef> stringText =
          pattern ? pattern->getString("String") : std::nullopt;
      if (regexText)
        regexSource.emplace(regexText->str(), false, key + ".pattern.Regex");
      else if (stringText && !stringText->empty())
        regexSource.emplace(stringText->str(), true, key + ".pattern.String");
      else
        return error(key + ".pattern must be {\"Regex\": ...} or "
                           "{\"String\": ...}");
    } else if (type == "ByteLevel") {
      // Hugging Face's default is add_prefix_space = true.
      if (step->getBoolean("add_prefix_space").value_or(true))
        return error(key + ".add_prefix_space = true is not supported");
      if (step->getBoolean("use_regex").value_or(true)) {
        if (regexSource)
          return error(key + ".use_regex = true after a Split is not "
                             "supported");
        regexSource.emplace(kGPT2Pattern, false, key + ".use_regex");
      }
      byteLevel = true;
    } else {
      return error(key + ": type '" + type +
                   "' is not supported (Split, ByteLevel, Sequence)");
    }
  }
  if (!byteLevel)
    return error("pre_tokenizer: no ByteLevel step (the model is byte-level)");
  if (!regexSource)
    return error("pre_tokenizer: no regex (a Split or ByteLevel with "
                 "use_regex)");
  auto &[pattern, literal, key] = *regexSource;
  return compile(pattern, literal, key);
}

Error Tokenizer::Impl::load(const json::Object &root) {
  // The id -> token table is dense: a few hundred bytes of JSON naming id
  // 16777215 would allocate 16M entries. Ids must stay within a small
  // multiple of the number of tokens, so that the table is bounded by the
  // file's size (real files are dense: GPT-2, Llama 3).
  size_t tokens = 0;
  if (const json::Object *model = root.getObject("model"))
    if (const json::Object *vocab = model->getObject("vocab"))
      tokens += vocab->size();
  if (const json::Array *list = root.getArray("added_tokens"))
    tokens += list->size();
  idLimit = std::min<int64_t>(kMaxTokenId + 1, 4 * int64_t(tokens) + 256);
  if (const json::Value *n = root.get("normalizer"))
    if (const json::Object *o = n->getAsObject())
      return error("normalizer: type '" + typeOf(*o) +
                   "' is not supported (byte-level BPE uses none)");
  const json::Value *decoder = root.get("decoder");
  const json::Object *decoderObject =
      decoder ? decoder->getAsObject() : nullptr;
  if (!decoderObject)
    return error("missing key 'decoder' (a byte-level BPE needs ByteLevel)");
  if (typeOf(*decoderObject) != "ByteLevel")
    return error("decoder: type '" + typeOf(*decoderObject) +
                 "' is not supported (only ByteLevel)");
  if (Error e = loadModel(root))
    return e;
  if (Error e = loadAddedTokens(root))
    return e;
  return loadPreTokenizer(root);
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

namespace {

/// The state of one encode() call, so that encode() is const and
/// thread-safe: PCRE2 match data, a JIT stack, and a cache of the ids of
/// every distinct pre-token seen (kept as a range of `out`).
class Encoder {
public:
  using BPE = llvm::function_ref<void(StringRef, std::vector<int32_t> &)>;
  Encoder(const pcre2_code *regex, bool jit, BPE bpe) : regex(regex), bpe(bpe) {
    matchData = pcre2_match_data_create_from_pattern(regex, nullptr);
    context = pcre2_match_context_create(nullptr);
    if (jit && context) {
      stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
      if (stack)
        pcre2_jit_stack_assign(context, nullptr, stack);
    }
  }
  ~Encoder() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(matchData);
  }

  /// Text without added tokens: valid UTF-8 runs through the regex, every
  /// invalid byte a pre-token of its own.
  void segment(StringRef s) {
    size_t runStart = 0;
    for (size_t i = 0; i < s.size();) {
      if (uint8_t(s[i]) < 0x80) {
        ++i;
        continue;
      }
      uint32_t cp;
      if (size_t len = decodeUTF8(s.substr(i), cp)) {
        i += len;
        continue;
      }
      run(s.slice(runStart, i));
      piece(s.substr(i, 1));
      runStart = ++i;
    }
    run(s.substr(runStart));
  }

  std::vector<int32_t> out;

private:
  /// Valid UTF-8: split the way Split(behavior = Isolated) does, matches and
  /// the gaps between them each a pre-token; an empty match splits nothing.
  void run(StringRef s) {
    if (s.empty())
      return;
    auto subject = reinterpret_cast<PCRE2_SPTR>(s.data());
    size_t gapStart = 0, offset = 0;
    while (matchData && offset < s.size()) {
      int rc = pcre2_match(regex, subject, s.size(), offset, PCRE2_NO_UTF_CHECK,
                           matchData, context);
      // The interpreter keeps its backtracking state on the heap.
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(regex, subject, s.size(), offset,
                         PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, matchData, context);
      // No match, or a resource limit: the rest is one pre-token (still
      // lossless, though it may tokenize differently from the reference).
      if (rc < 0)
        break;
      PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(matchData);
      size_t begin = ovector[0], end = ovector[1];
      if (begin < offset || end < begin || end > s.size())
        break;
      if (end == begin) {
        uint32_t cp;
        offset = begin + std::max<size_t>(1, decodeUTF8(s.substr(begin), cp));
        continue;
      }
      if (begin > gapStart)
        piece(s.slice(gapStart, begin));
      piece(s.slice(begin, end));
      gapStart = offset = end;
    }
    if (gapStart < s.size())
      piece(s.substr(gapStart));
  }

  void piece(StringRef s) {
    auto [it, inserted] =
        cache.try_emplace(s, std::make_pair(uint32_t(out.size()), 0u));
    if (!inserted) {
      auto [start, count] = it->second;
      for (uint32_t i = 0; i < count; ++i)
        out.push_back(out[start + i]);
      return;
    }
    size_t start = out.size();
    bpe(s, out);
    it->second.second = uint32_t(out.size() - start);
  }

  const pcre2_code *regex;
  BPE bpe;
  pcre2_match_data *matchData = nullptr;
  pcre2_match_context *context = nullptr;
  pcre2_jit_stack *stack = nullptr;
  llvm::DenseMap<StringRef, std::pair<uint32_t, uint32_t>> cache;
};

} // namespace

Expected<Tokenizer> Tokenizer::load(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return parse((*buffer)->getBuffer(), path);
}

Expected<Tokenizer> Tokenizer::parse(StringRef text, StringRef path) {
  Expected<json::Value> root = parseJSON(text);
  if (!root)
    return fileError(path,
                     "malformed JSON: " + llvm::toString(root.takeError()));
  const json::Object *object = root->getAsObject();
  if (!object)
    return fileError(path, "not a JSON object");
  auto impl = std::make_unique<Impl>();
  impl->path = path.str();
  if (Error e = impl->load(*object))
    return std::move(e);
  return Tokenizer(std::move(impl));
}

/// BPE on one pre-token's bytes: the lowest-ranked adjacent pair merges
/// first, the leftmost among equal ranks; a heap of candidate pairs makes it
/// O(n log n), so that a long run of spaces or digits stays cheap.
void Tokenizer::Impl::bytePairEncode(StringRef word,
                                     std::vector<int32_t> &out) const {
  const Impl &t = *this;
  size_t n = word.size();
  if (n == 1) {
    out.push_back(t.byteToken[uint8_t(word[0])]);
    return;
  }
  if (t.ignoreMerges) {
    auto it = t.byBytes.find(word);
    if (it != t.byBytes.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // A doubly linked list of symbols; a merged-away symbol gets id -1.
  struct Symbol {
    int32_t id, prev, next;
  };
  struct Candidate {
    int32_t rank, left, right, leftId, rightId, result;
    bool operator>(const Candidate &o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::vector<Symbol> symbols(n);
  for (size_t i = 0; i < n; ++i)
    symbols[i] = {t.byteToken[uint8_t(word[i])], int32_t(i) - 1,
                  i + 1 < n ? int32_t(i + 1) : -1};
  std::vector<Candidate> heap;
  auto consider = [&](int32_t left) {
    int32_t right = symbols[left].next;
    if (right < 0)
      return;
    auto it = t.merges.find(mergeKey(symbols[left].id, symbols[right].id));
    if (it == t.merges.end())
      return;
    heap.push_back({it->second.rank, left, right, symbols[left].id,
                    symbols[right].id, it->second.result});
    std::push_heap(heap.begin(), heap.end(), std::greater<Candidate>());
  };
  for (size_t i = 0; i + 1 < n; ++i)
    consider(int32_t(i));
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<Candidate>());
    Candidate c = heap.back();
    heap.pop_back();
    // Stale if either side has merged since: a symbol's id changes (or
    // becomes -1) whenever it does.
    Symbol &left = symbols[c.left], &right = symbols[c.right];
    if (left.id != c.leftId || left.next != c.right || right.id != c.rightId)
      continue;
    left.id = c.result;
    left.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = c.left;
    right.id = -1;
    if (left.prev >= 0)
      consider(left.prev);
    consider(c.left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next)
    out.push_back(symbols[i].id);
}

std::vector<int32_t> Tokenizer::encode(StringRef text,
                                       bool parseSpecialTokens) const {
  const Impl &t = *impl;
  auto bpe = [&t](StringRef word, std::vector<int32_t> &out) {
    t.bytePairEncode(word, out);
  };
  Encoder encoder(t.regex, t.jit, bpe);
  // Added tokens first, leftmost-longest, as Hugging Face does.
  size_t segmentStart = 0;
  for (size_t i = 0; i < text.size();) {
    if (!t.addedFirstByte[uint8_t(text[i])]) {
      ++i;
      continue;
    }
    std::optional<int32_t> match;
    size_t matchLength = 0;
    for (size_t length : t.addedLengths) {
      if (length > text.size() - i)
        continue;
      auto it = t.added.find(text.substr(i, length));
      if (it == t.added.end() ||
          (!parseSpecialTokens && t.kindOf[it->second] == Impl::Special))
        continue;
      match = it->second;
      matchLength = length;
      break;
    }
    if (!match) {
      ++i;
      continue;
    }
    encoder.segment(text.slice(segmentStart, i));
    encoder.out.push_back(*match);
    i += matchLength;
    segmentStart = i;
  }
  encoder.segment(text.substr(segmentStart));
  return std::move(encoder.out);
}

Expected<std::string> Tokenizer::decode(llvm::ArrayRef<int32_t> ids) const {
  const Impl &t = *impl;
  std::string text;
  for (int32_t id : ids) {
    if (id < 0 || size_t(id) >= t.bytesOf.size())
      return fileError(t.path,
                       llvm::formatv("token id {0} is out of range [0, {1})",
                                     id, t.bytesOf.size()));
    if (t.kindOf[id] == Impl::None)
      return fileError(t.path, llvm::formatv("token id {0} names no token "
                                             "(a gap in the vocabulary)",
                                             id));
    text += t.bytesOf[id];
  }
  return text;
}

int32_t Tokenizer::vocabSize() const { return int32_t(impl->bytesOf.size()); }

size_t Tokenizer::maxTokenBytes() const {
  size_t most = 1;
  for (const std::string &bytes : impl->bytesOf)
    most = std::max(most, bytes.size());
  return most;
}

std::optional<int32_t> Tokenizer::tokenId(StringRef token) const {
  auto it = impl->added.find(token);
  if (it != impl->added.end())
    return it->second;
  auto v = impl->spelled.find(token);
  if (v != impl->spelled.end())
    return v->second;
  return std::nullopt;
}

bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && size_t(id) < impl->kindOf.size() &&
         impl->kindOf[id] == Impl::Special;
}

StringRef Tokenizer::getPath() const { return impl->path; }

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer &&) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&) noexcept = default;
Tokenizer::~Tokenizer() = default;
