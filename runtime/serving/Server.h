//===- Server.h - an OpenAI-compatible HTTP server over a model -*- C++ -*-===//
//
// `calm-run serve`: POST /v1/completions (JSON, or server-sent events with
// `stream`), GET /v1/models, /health and /metrics, over one opened
// LanguageModel. Up to `parallel` completions generate at once, each in a
// session of its own (its own KV cache); up to `maxQueue` more wait for
// one, and beyond that a request is answered 429 at once. stop() (from a
// signal) ends accepting, answers queued requests 503 and lets in-flight
// completions finish; run() then returns. docs/SERVING.md has the protocol.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_SERVING_SERVER_H
#define CALM_RUNTIME_SERVING_SERVER_H

#include "models/LanguageModel.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace calm::runtime {

struct ServerOptions {
  std::string host = "127.0.0.1";
  /// 0: any free port (bind() says which).
  int port = 8080;
  /// Completions generating at once, one session (KV cache) each.
  int parallel = 4;
  /// Completions waiting for a session before new ones get 429.
  int maxQueue = 16;
  /// Larger request bodies get 413.
  size_t maxBodyBytes = 1 << 20;
  /// The id clients name in `model` (GET /v1/models).
  std::string modelId;
  /// What GET /v1/models reports of the compiled code.
  std::string numerics;
  /// Exact sampling's rounds before a chunk falls back to the batch
  /// approximation (calm-run generate --max-rounds).
  int64_t maxRounds = 200;
  /// One line per request on stderr.
  bool log = true;
};

class Server {
public:
  Server(LanguageModel &model, ServerOptions options);
  ~Server();
  /// Binds the listening socket; returns the port bound, or a one-line
  /// error.
  llvm::Expected<int> bind();
  /// Serves until stop() (at once if stop() came first); false if the
  /// accept loop failed.
  bool run();
  /// From any thread, even before run(): refuses queued and new
  /// completions (503), waits for those holding a session to finish, then
  /// ends run().
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_SERVING_SERVER_H
