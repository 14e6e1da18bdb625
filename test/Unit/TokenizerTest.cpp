//===- TokenizerTest.cpp - byte-level BPE tokenizer -----------------------===//
//
// The shipped calm-tiny tokenizer against the fixtures of the independent
// Python implementation (tools/reference/tokenizer.py), decode(encode(x))
// on arbitrary bytes, and every load defect, from broken copies of the
// shipped tokenizer.json that the test writes itself.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"
#include "TempFiles.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <chrono>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <thread>

using namespace calm::runtime;
using calm_test::writeText;
namespace json = llvm::json;

namespace {

const std::string kSource = std::string(CALM_SOURCE_DIR) + "/";
const std::string kTinyPath = kSource + "models/calm-tiny/tokenizer.json";

Tokenizer loadTiny() {
  llvm::Expected<Tokenizer> t = Tokenizer::load(kTinyPath);
  if (!t) {
    ADD_FAILURE() << llvm::toString(t.takeError());
    std::abort();
  }
  return std::move(*t);
}

json::Value readJSON(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  EXPECT_TRUE(bool(buffer)) << path;
  llvm::Expected<json::Value> v = json::parse((*buffer)->getBuffer());
  EXPECT_TRUE(bool(v)) << path;
  return v ? std::move(*v) : json::Value(nullptr);
}

std::string toText(const json::Value &v) {
  std::string s;
  llvm::raw_string_ostream(s) << v;
  return s;
}

std::string decodeOrError(const Tokenizer &t, llvm::ArrayRef<int32_t> ids) {
  llvm::Expected<std::string> s = t.decode(ids);
  return s ? *s : "error: " + llvm::toString(s.takeError());
}

TEST(Tokenizer, MatchesTheReferenceFixtures) {
  Tokenizer t = loadTiny();
  EXPECT_EQ(t.vocabSize(), 4096);
  EXPECT_EQ(t.tokenId("<|endoftext|>"), 4094);
  EXPECT_EQ(t.tokenId("[PAD]"), 4095);
  EXPECT_EQ(t.tokenId("Ġthe"), 259); // a vocabulary token, as spelled
  EXPECT_EQ(t.tokenId("no such token"), std::nullopt);
  EXPECT_TRUE(t.isSpecial(4094));
  EXPECT_FALSE(t.isSpecial(100));

  json::Value manifest = readJSON(kSource + "test/fixtures/manifest.json");
  const json::Array *cases = manifest.getAsObject()->getArray("tokenizer");
  ASSERT_TRUE(cases);
  ASSERT_GE(cases->size(), 7u);
  for (const json::Value &c : *cases) {
    const json::Object &o = *c.getAsObject();
    std::string text = o.getString("text")->str();
    std::vector<int32_t> expected;
    for (const json::Value &id : *o.getArray("ids"))
      expected.push_back(int32_t(*id.getAsInteger()));
    EXPECT_EQ(t.encode(text), expected) << text;
    EXPECT_EQ(decodeOrError(t, expected), text);
  }
}

TEST(Tokenizer, SpecialTokens) {
  Tokenizer t = loadTiny();
  std::string text = "a<|endoftext|><|endoftext|>b[PAD]";
  std::vector<int32_t> ids = t.encode(text);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 4094), 2);
  EXPECT_EQ(ids.back(), 4095);
  EXPECT_EQ(decodeOrError(t, ids), text);
  // As text: no special id, and still the same bytes back.
  std::vector<int32_t> plain = t.encode(text, /*parseSpecialTokens=*/false);
  for (int32_t id : plain)
    EXPECT_LT(id, 4094);
  EXPECT_EQ(decodeOrError(t, plain), text);
  // Only a whole special token is one: a prefix of one is ordinary text.
  for (int32_t id : t.encode("<|endoftext <|endoftext|"))
    EXPECT_LT(id, 4094);
}

TEST(Tokenizer, DecodeOfEncodeIsTheIdentityOnArbitraryBytes) {
  Tokenizer t = loadTiny();
  // Invalid UTF-8: each bad byte is a pre-token of its own, i.e. its byte
  // token; the valid text around it is split as usual.
  const char *invalid[] = {"\xFF",
                           "\xC0\xAF",
                           "\xED\xA0\x80",
                           "\xF4\x90\x80\x80",
                           "\xE2\x82",
                           "caf\xC3",
                           "\x80\x80\x80",
                           "ab\xFE\xFF cd",
                           "\xF0\x9F\x90",
                           "x\xC3\xA9\xA9y",
                           "\xF8\x88\x80\x80\x80"};
  for (const char *s : invalid) {
    std::vector<int32_t> ids = t.encode(s);
    EXPECT_EQ(decodeOrError(t, ids), s);
  }
  EXPECT_EQ(t.encode("\xFF").size(), 1u);
  EXPECT_EQ(t.encode("\xE2\x82").size(), 2u);
  // Random strings over an alphabet rich in what goes wrong: ASCII, UTF-8
  // lead and continuation bytes, whitespace, digits, pieces of specials.
  std::mt19937 rng(6);
  const std::string pieces[] = {"a",
                                "Z",
                                " ",
                                "\n",
                                "\r\n",
                                "\t",
                                "0",
                                "123456",
                                "'s",
                                "'LL",
                                "\xC3",
                                "\xA9",
                                "\xE2",
                                "\x80",
                                "\xF0",
                                "\x9F",
                                "\xFF",
                                "\xC3\xA9",
                                "\xE6\x9D\xB1",
                                "<|",
                                "|>",
                                "<|endoftext|>",
                                "[PAD]",
                                "!?",
                                "   ",
                                std::string(1, '\0'),
                                "\x7F"};
  std::uniform_int_distribution<int> pick(0, int(std::size(pieces)) - 1);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 60);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    for (int n = length(rng); n > 0; --n)
      s += i % 2 ? pieces[pick(rng)] : std::string(1, char(byte(rng)));
    for (bool special : {true, false}) {
      std::vector<int32_t> ids = t.encode(s, special);
      ASSERT_EQ(decodeOrError(t, ids), s) << "case " << i;
    }
  }
}

TEST(Tokenizer, LongRunsStayCheap) {
  Tokenizer t = loadTiny();
  // Long pre-tokens, and many repeats of a short one: BPE and the pre-token
  // cache must not be quadratic (an exact-size reserve per cached piece once
  // made 200,000 digits take 8 s), and the regex must not run out of stack.
  // The bound is 60x the 0.08 s of the 2-core development machine.
  auto start = std::chrono::steady_clock::now();
  for (std::string s :
       {std::string(200000, ' '), std::string(200000, 'a'),
        std::string(200000, '7'), std::string(200000, '!'),
        std::string(100000, '\n') + "x" + std::string(100000, '\t')}) {
    std::vector<int32_t> ids = t.encode(s);
    EXPECT_EQ(decodeOrError(t, ids), s);
  }
  std::chrono::duration<double> seconds =
      std::chrono::steady_clock::now() - start;
  EXPECT_LT(seconds.count(), 5.0);
}

TEST(Tokenizer, EncodeIsThreadSafe) {
  Tokenizer t = loadTiny();
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "Call me Ishmael, " + std::to_string(i * 7919) + " times.\n";
  std::vector<int32_t> expected = t.encode(text);
  std::vector<std::vector<int32_t>> results(4);
  std::vector<std::thread> threads;
  for (auto &r : results)
    threads.emplace_back([&t, &text, &r] { r = t.encode(text); });
  for (std::thread &th : threads)
    th.join();
  for (const auto &r : results)
    EXPECT_EQ(r, expected);
}

TEST(Tokenizer, DecodeRejectsBadIds) {
  Tokenizer t = loadTiny();
  EXPECT_EQ(decodeOrError(t, {67, -1}),
            "error: " + kTinyPath + ": token id -1 is out of range [0, 4096)");
  EXPECT_EQ(decodeOrError(t, {4096}),
            "error: " + kTinyPath +
                ": token id 4096 is out of range [0, 4096)");
}

TEST(Tokenizer, OtherSpellingsOfTheSameModel) {
  Tokenizer tiny = loadTiny();
  std::string text = "Hello world! It's 2024; we'll see 12345 whales.\n\n";
  json::Value base = readJSON(kTinyPath);

  // Merges as [A, B] pairs (newer tokenizers) instead of "A B".
  json::Value pairs = base;
  for (json::Value &m :
       *pairs.getAsObject()->getObject("model")->getArray("merges")) {
    auto [a, b] = m.getAsString()->split(' ');
    m = json::Array{a.str(), b.str()};
  }
  llvm::Expected<Tokenizer> p =
      Tokenizer::load(writeText("tokenizer.json", toText(pairs)));
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  EXPECT_EQ(p->encode(text), tiny.encode(text));

  // GPT-2's form: one ByteLevel pre-tokenizer with its own regex. Same ids
  // here, where both patterns split alike.
  json::Value gpt2 = base;
  (*gpt2.getAsObject())["pre_tokenizer"] = json::Object{
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  llvm::Expected<Tokenizer> g =
      Tokenizer::load(writeText("tokenizer.json", toText(gpt2)));
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  EXPECT_EQ(g->encode("Call me Ishmael."), tiny.encode("Call me Ishmael."));

  // ignore_merges: a pre-token that is itself in the vocabulary is one
  // token, even where no chain of merges builds it.
  json::Value direct = base;
  json::Object &model = *direct.getAsObject()->getObject("model");
  (*model.getObject("vocab"))["qqqq"] = 5000;
  model["ignore_merges"] = true;
  llvm::Expected<Tokenizer> d =
      Tokenizer::load(writeText("tokenizer.json", toText(direct)));
  ASSERT_TRUE(bool(d)) << llvm::toString(d.takeError());
  EXPECT_EQ(d->encode("qqqq"), std::vector<int32_t>{5000});
  EXPECT_NE(tiny.encode("qqqq"), std::vector<int32_t>{5000});
  EXPECT_EQ(d->vocabSize(), 5001);
  EXPECT_EQ(d->tokenId("qqqq"), 5000);
  EXPECT_EQ(decodeOrError(*d, {4500}),
            "error: " + d->getPath().str() +
                ": token id 4500 names no token (a gap in the vocabulary)");
}

TEST(Tokenizer, AddedTokensThatAreNotSpecial) {
  json::Value v = readJSON(kTinyPath);
  json::Array &list = *v.getAsObject()->getArray("added_tokens");
  // A new non-special token, and one that repeats a vocabulary token under
  // its own id (as GPT-2's <|endoftext|> does).
  list.push_back(json::Object{{"id", 4096}, {"content", "<sep>"}});
  list.push_back(json::Object{{"id", 33}, {"content", "!"}});
  llvm::Expected<Tokenizer> t =
      Tokenizer::load(writeText("tokenizer.json", toText(v)));
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  // Split out even when special tokens are not.
  std::vector<int32_t> ids = t->encode("a<sep>b<|endoftext|>", false);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 4096), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 4094), 0);
  EXPECT_FALSE(t->isSpecial(4096));
  EXPECT_EQ(decodeOrError(*t, ids), "a<sep>b<|endoftext|>");
  EXPECT_EQ(t->encode("!"), std::vector<int32_t>{33});
}

TEST(Tokenizer, LoadDefectsGiveOneLineErrors) {
  json::Value base = readJSON(kTinyPath);
  auto model = [](json::Value &v) -> json::Object & {
    return *v.getAsObject()->getObject("model");
  };
  auto split = [](json::Value &v) -> json::Object & {
    return *(*v.getAsObject()
                  ->getObject("pre_tokenizer")
                  ->getArray("pretokenizers"))[0]
                .getAsObject();
  };
  auto added = [](json::Value &v) -> json::Object & {
    return *(*v.getAsObject()->getArray("added_tokens"))[0].getAsObject();
  };
  std::string text = toText(base);
  struct Case {
    const char *name;
    std::function<void(json::Value &)> edit; // or null: `raw` is the file
    std::string raw;
    std::string expect;
  } cases[] = {
      {"truncated", nullptr, text.substr(0, text.size() / 2),
       "malformed JSON: "},
      {"array", nullptr, "[1, 2]", "not a JSON object"},
      {"no model", [](json::Value &v) { v.getAsObject()->erase("model"); }, "",
       "missing key 'model'"},
      {"model type", [&](json::Value &v) { model(v)["type"] = "WordPiece"; },
       "", "model.type 'WordPiece' is not supported (only \"BPE\")"},
      {"no vocab", [&](json::Value &v) { model(v).erase("vocab"); }, "",
       "missing key 'model.vocab'"},
      {"vocab array",
       [&](json::Value &v) { model(v)["vocab"] = json::Array{}; }, "",
       "'model.vocab' must be an object (token -> id)"},
      {"negative id",
       [&](json::Value &v) { (*model(v).getObject("vocab"))["!"] = -3; }, "",
       "model.vocab: the id of '!' must be an integer in [0, 16777215]"},
      {"two ids",
       [&](json::Value &v) { (*model(v).getObject("vocab"))["!"] = 5; }, "",
       "model.vocab: id 5 is given to two tokens"},
      {"missing byte",
       [&](json::Value &v) { model(v).getObject("vocab")->erase("Ā"); }, "",
       "model.vocab: no token for byte 0x00 (\\u0100); a byte-level BPE needs "
       "all 256"},
      {"no merges", [&](json::Value &v) { model(v).erase("merges"); }, "",
       "missing key 'model.merges'"},
      {"merge unknown",
       [&](json::Value &v) { (*model(v).getArray("merges"))[3] = "Ġ zzz"; }, "",
       "model.merges[3]: unknown token 'zzz'"},
      {"merge spelling",
       [&](json::Value &v) { (*model(v).getArray("merges"))[0] = "a b c"; }, "",
       "model.merges[0] must be \"A B\" or [\"A\", \"B\"]"},
      {"merge result",
       [&](json::Value &v) {
         (*model(v).getArray("merges"))[1] = json::Array{"Ā", "Ā"};
       },
       "", "model.merges[1]: 'Ā' + 'Ā' is not in model.vocab"},
      {"dropout", [&](json::Value &v) { model(v)["dropout"] = 0.1; }, "",
       "model.dropout: BPE dropout is not supported"},
      {"no pre-tokenizer",
       [](json::Value &v) { v.getAsObject()->erase("pre_tokenizer"); }, "",
       "missing key 'pre_tokenizer' (a byte-level BPE needs ByteLevel)"},
      {"pre-tokenizer type",
       [](json::Value &v) {
         (*v.getAsObject())["pre_tokenizer"] =
             json::Object{{"type", "Whitespace"}};
       },
       "",
       "pre_tokenizer: type 'Whitespace' is not supported (Split, ByteLevel, "
       "Sequence)"},
      {"bad regex",
       [&](json::Value &v) {
         split(v)["pattern"] = json::Object{{"Regex", "(\\p{L}+"}};
       },
       "",
       "pre_tokenizer.pretokenizers[0].pattern.Regex: invalid regex at offset "
       "7: missing closing parenthesis"},
      {"split behavior",
       [&](json::Value &v) { split(v)["behavior"] = "Removed"; }, "",
       "pre_tokenizer.pretokenizers[0].behavior must be \"Isolated\", got "
       "'Removed'"},
      {"no byte level",
       [&](json::Value &v) {
         v.getAsObject()
             ->getObject("pre_tokenizer")
             ->getArray("pretokenizers")
             ->pop_back();
       },
       "", "pre_tokenizer: no ByteLevel step (the model is byte-level)"},
      {"normalizer",
       [](json::Value &v) {
         (*v.getAsObject())["normalizer"] = json::Object{{"type", "NFC"}};
       },
       "",
       "normalizer: type 'NFC' is not supported (byte-level BPE uses none)"},
      {"decoder",
       [](json::Value &v) {
         (*v.getAsObject())["decoder"] = json::Object{{"type", "WordPiece"}};
       },
       "", "decoder: type 'WordPiece' is not supported (only ByteLevel)"},
      {"added content", [&](json::Value &v) { added(v)["content"] = ""; }, "",
       "added_tokens[0].content must be a non-empty string"},
      {"added lstrip", [&](json::Value &v) { added(v)["lstrip"] = true; }, "",
       "added_tokens[0].lstrip = true is not supported"},
      {"added id", [&](json::Value &v) { added(v)["id"] = "x"; }, "",
       "added_tokens[0].id must be an integer in [0, 16777215]"},
      {"added clash", [&](json::Value &v) { added(v)["id"] = 33; }, "",
       "added_tokens[0]: id 33 is the vocabulary token '!', not "
       "'<|endoftext|>'"},
  };
  for (Case &c : cases) {
    std::string contents = c.raw;
    if (c.edit) {
      json::Value v = base;
      c.edit(v);
      contents = toText(v);
    }
    std::string path = writeText("tokenizer.json", contents);
    llvm::Expected<Tokenizer> t = Tokenizer::load(path);
    ASSERT_FALSE(bool(t)) << c.name;
    std::string error = llvm::toString(t.takeError());
    EXPECT_EQ(error.rfind(path + ": " + c.expect, 0), 0u)
        << c.name << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << c.name;
  }
  // A missing file.
  llvm::Expected<Tokenizer> missing =
      Tokenizer::load(kSource + "no/such/tokenizer.json");
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(llvm::toString(missing.takeError()),
            kSource + "no/such/tokenizer.json: cannot open: No such file or "
                      "directory");
}

} // namespace
