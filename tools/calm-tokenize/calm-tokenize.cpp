//===- calm-tokenize.cpp - encode and decode with a tokenizer.json --------===//
//
//   calm-tokenize --tokenizer FILE encode [INPUT]   bytes -> token ids
//   calm-tokenize --tokenizer FILE decode [INPUT]   token ids -> bytes
//
// INPUT is a file or `-` (standard input, the default). Every error is one
// line on stderr and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <set>

using namespace llvm;

static cl::OptionCategory category("calm-tokenize options");

static cl::opt<std::string>
    tokenizerPath("tokenizer",
                  cl::desc("The Hugging Face tokenizer.json to use"),
                  cl::value_desc("FILE"), cl::cat(category));
static cl::opt<std::string> command(cl::Positional, cl::desc("<encode|decode>"),
                                    cl::cat(category));
static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("[INPUT (default: stdin)]"),
                                      cl::init("-"), cl::cat(category));
static cl::opt<bool>
    noSpecial("no-special",
              cl::desc("encode: special tokens in the text are ordinary text"),
              cl::cat(category));
static cl::opt<bool> onePerLine(
    "one-per-line",
    cl::desc("encode: one id per line (default: one line, space-separated)"),
    cl::cat(category));
static cl::opt<bool>
    timing("timing",
           cl::desc("encode: print the token count and the time to stderr"),
           cl::cat(category));

static int fail(const Twine &message) {
  errs() << "calm-tokenize: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  // The parser's own errors, e.g. an unknown option, as one line too.
  std::string parseErrors;
  raw_string_ostream parseErrorStream(parseErrors);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "calm-tokenize: byte-level BPE (Hugging Face tokenizer.json)\n\n"
          "  encode: reads bytes, writes token ids\n"
          "  decode: reads token ids (separated by spaces, newlines, commas "
          "or\n"
          "          brackets), writes the bytes they stand for\n",
          &parseErrorStream)) {
    errs() << StringRef(parseErrors).trim().split('\n').first << "\n";
    return 1;
  }
  if (command != "encode" && command != "decode")
    return fail(command.empty()
                    ? "expected a command: encode or decode"
                    : "unknown command '" + command + "' (encode or decode)");
  if (tokenizerPath.empty())
    return fail("--tokenizer FILE is required");

  Expected<calm::runtime::Tokenizer> tokenizer =
      calm::runtime::Tokenizer::load(tokenizerPath);
  if (!tokenizer)
    return fail(toString(tokenizer.takeError()));
  ErrorOr<std::unique_ptr<MemoryBuffer>> input =
      MemoryBuffer::getFileOrSTDIN(inputPath, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!input)
    return fail(inputPath + ": cannot open: " + input.getError().message());
  StringRef text = (*input)->getBuffer();

  if (command == "encode") {
    auto start = std::chrono::steady_clock::now();
    std::vector<int32_t> ids = tokenizer->encode(text, !noSpecial);
    std::chrono::duration<double> seconds =
        std::chrono::steady_clock::now() - start;
    std::string out;
    out.reserve(ids.size() * 7);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i)
        out += onePerLine ? '\n' : ' ';
      out += std::to_string(ids[i]);
    }
    if (!ids.empty())
      out += '\n';
    outs() << out;
    if (timing)
      errs() << formatv("calm-tokenize: {0} tokens from {1} bytes in {2:f3} s "
                        "({3} distinct ids)\n",
                        ids.size(), text.size(), seconds.count(),
                        std::set<int32_t>(ids.begin(), ids.end()).size());
    return 0;
  }

  std::vector<int32_t> ids;
  SmallVector<StringRef> words;
  SplitString(text, words, " \t\r\n\v\f,[]");
  for (StringRef word : words) {
    int64_t id;
    if (word.getAsInteger(10, id) || id < INT32_MIN || id > INT32_MAX) {
      std::string shown;
      raw_string_ostream os(shown);
      printEscapedString(word.take_front(40), os);
      return fail(inputPath + ": '" + shown + "' is not a token id");
    }
    ids.push_back(int32_t(id));
  }
  Expected<std::string> bytes = tokenizer->decode(ids);
  if (!bytes)
    return fail(toString(bytes.takeError()));
  outs() << *bytes;
  return 0;
}
