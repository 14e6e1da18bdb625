//===- Server.cpp - an OpenAI-compatible HTTP server over a model ---------===//
//
// HTTP from cpp-httplib (Debian's libcpp-httplib-dev): a thread per
// connection from its pool, which is sized so that idle keep-alive
// connections and requests waiting for a session never starve the answer
// to /health or a 429. JSON through llvm::json.
//
//===----------------------------------------------------------------------===//

#include "serving/Server.h"

#include "serving/CompletionRequest.h"
#include "serving/Metrics.h"
#include "serving/StopSequences.h"
#include "ukernels/UKernels.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <httplib.h>

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <random>
#include <thread>

using namespace calm::runtime;
namespace json = llvm::json;

namespace {

using Clock = std::chrono::steady_clock;

std::string toString(const json::Value &value) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << value;
  return out;
}

/// JSON strings must be UTF-8; a model can emit any bytes (byte tokens).
std::string validUTF8(const std::string &text) {
  return json::isUTF8(text) ? text : json::fixUTF8(text);
}

/// The sessions: `parallel` of them, lent one per completion, and a
/// bounded queue of completions waiting for one.
class SessionPool {
public:
  enum class Outcome { Lent, QueueFull, Closed };

  SessionPool(const LanguageModel &model, int parallel, int maxQueue,
              Metrics &metrics)
      : maxQueue(maxQueue), metrics(metrics) {
    for (int i = 0; i < parallel; ++i) {
      sessions.push_back(model.newSession());
      free.push_back(i);
    }
  }

  Outcome acquire(int &index) {
    std::unique_lock<std::mutex> lock(mutex);
    if (closed)
      return Outcome::Closed;
    if (free.empty()) {
      if (waiting >= maxQueue)
        return Outcome::QueueFull;
      ++waiting;
      metrics.queued = waiting;
      ready.wait(lock, [&] { return closed || !free.empty(); });
      --waiting;
      metrics.queued = waiting;
      // A session freed at shutdown does not go to a queued request: it
      // gets 503, as the others do.
      if (closed || free.empty())
        return Outcome::Closed;
    }
    index = free.back();
    free.pop_back();
    calm::ukernels::setConcurrentCallers(static_cast<int>(++metrics.active));
    return Outcome::Lent;
  }

  void release(int index) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      free.push_back(index);
      calm::ukernels::setConcurrentCallers(static_cast<int>(--metrics.active));
    }
    ready.notify_all();
  }

  /// Waits until every lent session is back.
  void waitIdle() {
    std::unique_lock<std::mutex> lock(mutex);
    ready.wait(lock, [&] { return free.size() == sessions.size(); });
  }

  /// Queued requests get Closed; lent sessions stay lent.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      closed = true;
    }
    ready.notify_all();
  }

  LanguageModel::Session &get(int index) { return *sessions[index]; }

private:
  std::vector<std::unique_ptr<LanguageModel::Session>> sessions;
  std::vector<int> free;
  int waiting = 0, maxQueue;
  bool closed = false;
  std::mutex mutex;
  std::condition_variable ready;
  Metrics &metrics;
};

/// One completion's identity and outcome, as the response reports it.
struct Completion {
  CompletionRequest request;
  uint64_t seed = 0;
  std::string id;
  int64_t created = 0;
  int64_t promptTokens = 0, completionTokens = 0;
  std::string finishReason;
  Clock::time_point arrival;
};

} // namespace

struct Server::Impl {
  Impl(LanguageModel &model, ServerOptions options)
      : model(model), options(std::move(options)),
        pool(model, this->options.parallel, this->options.maxQueue, metrics) {
    metrics.parallel = this->options.parallel;
    limits.modelId = this->options.modelId;
    limits.isCALM = model.getKind() == ModelKind::CALM;
    limits.contextTokens = model.getContextTokens();
  }

  LanguageModel &model;
  ServerOptions options;
  CompletionLimits limits;
  Metrics metrics;
  SessionPool pool;
  httplib::Server http;
  std::atomic<bool> stopping{false};
  /// Between run()'s check of `stopping` and its return (under runMutex).
  bool running = false;
  std::mutex runMutex;
  std::atomic<uint64_t> nextId{0};
  std::mt19937_64 seeds{std::random_device{}()};
  std::mutex seedsMutex;

  void routes();
  void completions(const httplib::Request &req, httplib::Response &res);
  /// Generates `c`, passing each piece of text (after stop sequences) to
  /// `emit`, which returns false to end early (a client gone). The
  /// session's error, if any, is returned.
  llvm::Error generate(Completion &c, int session,
                       const std::function<bool(const std::string &)> &emit,
                       bool &ended);
  json::Value choice(const std::string &text, const Completion &c,
                     bool final) const;
  json::Object envelope(const Completion &c) const;
  json::Value usage(const Completion &c) const;
};

static void sendError(httplib::Response &res, const APIError &e) {
  res.status = e.status;
  res.set_content(e.toJSON(), "application/json");
}

static APIError makeAPIError(int status, llvm::StringRef type,
                             const llvm::Twine &message) {
  APIError e;
  e.status = status;
  e.type = type.str();
  e.message = message.str();
  return e;
}

json::Object Server::Impl::envelope(const Completion &c) const {
  return json::Object{{"id", c.id},
                      {"object", "text_completion"},
                      {"created", c.created},
                      {"model", options.modelId},
                      {"seed", static_cast<int64_t>(c.seed)}};
}

json::Value Server::Impl::choice(const std::string &text, const Completion &c,
                                 bool final) const {
  return json::Object{
      {"text", validUTF8(text)},
      {"index", 0},
      {"logprobs", nullptr},
      {"finish_reason", final ? json::Value(c.finishReason) : nullptr}};
}

json::Value Server::Impl::usage(const Completion &c) const {
  return json::Object{{"prompt_tokens", c.promptTokens},
                      {"completion_tokens", c.completionTokens},
                      {"total_tokens", c.promptTokens + c.completionTokens}};
}

llvm::Error
Server::Impl::generate(Completion &c, int session,
                       const std::function<bool(const std::string &)> &emit,
                       bool &ended) {
  GenerateOptions g;
  g.maxTokens = c.request.maxTokens;
  g.sampling.temperature = c.request.temperature;
  g.sampling.samples = c.request.samples;
  g.sampling.maxRounds = options.maxRounds;
  g.seed = c.seed;
  g.ignoreEOS = c.request.ignoreEOS;
  StopSequences stops(c.request.stop);
  Clock::time_point last = c.arrival;
  bool first = true;
  ended = false;
  auto show = [&](const std::string &text) {
    if (text.empty() || ended)
      return;
    Clock::time_point now = Clock::now();
    double dt = std::chrono::duration<double>(now - last).count();
    (first ? metrics.firstChunk : metrics.betweenChunks).observe(dt);
    first = false;
    last = now;
    if (!emit(text))
      ended = true;
  };
  auto sink = [&](llvm::StringRef piece) {
    show(stops.push(piece));
    return ended || stops.matched();
  };
  auto stats = model.generate(pool.get(session), c.request.prompt, g, sink);
  if (!stats)
    return stats.takeError();
  show(stops.finish());
  c.completionTokens = stats->tokens;
  c.finishReason = !stops.matched() && stats->tokens >= c.request.maxTokens
                       ? "length"
                       : "stop";
  metrics.completionTokens += static_cast<uint64_t>(stats->tokens);
  return llvm::Error::success();
}

void Server::Impl::completions(const httplib::Request &req,
                               httplib::Response &res) {
  Completion c;
  c.arrival = Clock::now();
  auto parsed = parseCompletionRequest(req.body, limits);
  if (auto *e = std::get_if<APIError>(&parsed))
    return sendError(res, *e);
  c.request = std::move(std::get<CompletionRequest>(parsed));

  // The prompt's fit, in the request's terms, before a session is taken.
  const Tokenizer &tokenizer = model.getTokenizer();
  auto contextError = [](const llvm::Twine &message) {
    APIError e = makeAPIError(400, "invalid_request_error", message);
    e.code = "context_length_exceeded";
    e.param = "prompt";
    return e;
  };
  // At least N / maxTokenBytes() tokens: refused before it is encoded.
  if (c.request.prompt.size() / tokenizer.maxTokenBytes() >
      static_cast<size_t>(limits.contextTokens))
    return sendError(res, contextError(llvm::formatv(
                              "the prompt ({0} bytes) cannot fit the context "
                              "of {1} tokens",
                              c.request.prompt.size(), limits.contextTokens)));
  std::vector<int32_t> ids = tokenizer.encode(c.request.prompt);
  for (int32_t id : ids)
    if (id >= model.getVocabSize())
      return sendError(
          res, makeAPIError(400, "invalid_request_error",
                            llvm::formatv("the prompt encodes to token {0}, "
                                          "outside the model's vocabulary of "
                                          "{1}",
                                          id, model.getVocabSize())));
  c.promptTokens = static_cast<int64_t>(ids.size());
  int64_t needed =
      model.contextTokensNeeded(c.promptTokens, c.request.maxTokens);
  if (needed > limits.contextTokens)
    return sendError(
        res, contextError(llvm::formatv(
                 "the prompt ({0} tokens) plus max_tokens {1} needs {2} "
                 "tokens of context; the model holds {3}",
                 c.promptTokens, c.request.maxTokens, needed,
                 limits.contextTokens)));

  if (c.request.seed) {
    c.seed = *c.request.seed;
  } else {
    // Below 2^53, so that a JavaScript client can read it back exactly.
    std::lock_guard<std::mutex> lock(seedsMutex);
    c.seed = seeds() >> 11;
  }
  c.id = llvm::formatv("cmpl-{0:x-16}{1:x-8}", c.seed, nextId++).str();
  c.created = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();

  int session = -1;
  switch (pool.acquire(session)) {
  case SessionPool::Outcome::QueueFull:
    res.set_header("Retry-After", "1");
    return sendError(
        res, makeAPIError(429, "server_busy",
                          llvm::formatv("the server is busy: {0} completions "
                                        "running and {1} waiting; retry later",
                                        options.parallel, options.maxQueue)));
  case SessionPool::Outcome::Closed:
    return sendError(res, makeAPIError(503, "server_shutting_down",
                                       "the server is shutting down"));
  case SessionPool::Outcome::Lent:
    break;
  }
  metrics.promptTokens += static_cast<uint64_t>(c.promptTokens);

  if (!c.request.stream) {
    std::string text;
    bool ended = false;
    llvm::Error e = generate(
        c, session,
        [&](const std::string &piece) {
          text += piece;
          return true;
        },
        ended);
    pool.release(session);
    if (e)
      return sendError(
          res, makeAPIError(500, "server_error", llvm::toString(std::move(e))));
    json::Object body = envelope(c);
    body["choices"] = json::Array{choice(text, c, /*final=*/true)};
    res.status = 200;
    body["usage"] = usage(c);
    res.set_content(toString(json::Value(std::move(body))), "application/json");
    return;
  }

  // A stream: headers go out now; the provider runs the whole completion
  // on its first call, one event per piece of text. The releaser returns
  // the session whether or not the provider ever ran.
  auto state = std::make_shared<Completion>(std::move(c));
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, state, session](size_t, httplib::DataSink &sink) {
        auto event = [&](const json::Value &v) {
          std::string data = "data: " + toString(v) + "\n\n";
          return sink.write(data.data(), data.size());
        };
        bool ended = false;
        llvm::Error e = generate(
            *state, session,
            [&](const std::string &piece) {
              json::Object chunk = envelope(*state);
              chunk["choices"] =
                  json::Array{choice(piece, *state, /*final=*/false)};
              return event(json::Value(std::move(chunk)));
            },
            ended);
        if (ended) {
          // The client went away; the session is free again.
          ++metrics.disconnects;
          llvm::consumeError(std::move(e));
          return false;
        }
        if (e) {
          APIError error =
              makeAPIError(500, "server_error", llvm::toString(std::move(e)));
          std::string data = "data: " + error.toJSON() + "\n\n";
          sink.write(data.data(), data.size());
          sink.done();
          return true;
        }
        json::Object last = envelope(*state);
        last["choices"] = json::Array{choice("", *state, /*final=*/true)};
        if (!event(json::Value(std::move(last)))) {
          ++metrics.disconnects;
          return false;
        }
        if (state->request.includeUsage) {
          json::Object u = envelope(*state);
          u["choices"] = json::Array{};
          u["usage"] = usage(*state);
          if (!event(json::Value(std::move(u)))) {
            ++metrics.disconnects;
            return false;
          }
        }
        const char done[] = "data: [DONE]\n\n";
        sink.write(done, sizeof(done) - 1);
        sink.done();
        return true;
      },
      [this, session](bool) { pool.release(session); });
}

void Server::Impl::routes() {
  // The API has no byte ranges, but httplib slices any body (a completion,
  // a stream, an error) by a Range header the client sends. The request is
  // httplib's own mutable object, handed to this hook as const.
  http.set_pre_routing_handler(
      [](const httplib::Request &req, httplib::Response &) {
        const_cast<httplib::Request &>(req).ranges.clear();
        return httplib::Server::HandlerResponse::Unhandled;
      });
  http.Post("/v1/completions",
            [this](const httplib::Request &req, httplib::Response &res) {
              completions(req, res);
            });
  http.Get("/v1/completions",
           [](const httplib::Request &, httplib::Response &res) {
             res.set_header("Allow", "POST");
             sendError(res, makeAPIError(405, "invalid_request_error",
                                         "/v1/completions takes POST"));
           });
  auto modelObject = [this] {
    return json::Object{
        {"id", options.modelId},
        {"object", "model"},
        {"created", 0},
        {"owned_by", "calm-mlir"},
        {"kind", model.getKind() == ModelKind::CALM ? "calm" : "llama"},
        {"numerics", options.numerics},
        {"context_tokens", limits.contextTokens},
        {"chunk_tokens", model.getStepTokens()}};
  };
  http.Get("/v1/models", [modelObject](const httplib::Request &,
                                       httplib::Response &res) {
    json::Object list{{"object", "list"}, {"data", json::Array{modelObject()}}};
    res.set_content(toString(json::Value(std::move(list))), "application/json");
  });
  http.Get(R"(/v1/models/(.+))", [this,
                                  modelObject](const httplib::Request &req,
                                               httplib::Response &res) {
    if (req.matches[1] != options.modelId) {
      APIError e =
          makeAPIError(404, "invalid_request_error",
                       validUTF8(llvm::formatv("the model '{0}' does not exist",
                                               req.matches[1].str())
                                     .str()));
      e.code = "model_not_found";
      return sendError(res, e);
    }
    res.set_content(toString(json::Value(modelObject())), "application/json");
  });
  http.Get("/health", [this](const httplib::Request &, httplib::Response &res) {
    bool up = !stopping;
    res.status = up ? 200 : 503;
    res.set_content(up ? R"({"status":"ok"})" : R"({"status":"stopping"})",
                    "application/json");
  });
  http.Get("/metrics",
           [this](const httplib::Request &, httplib::Response &res) {
             res.set_content(metrics.render(), "text/plain; version=0.0.4");
           });
  // Statuses httplib sets itself (no route, a body too large, a request it
  // cannot parse) get an OpenAI-style body too; handlers' own errors
  // already have one.
  http.set_error_handler([this](const httplib::Request &req,
                                httplib::Response &res) {
    if (!res.body.empty())
      return;
    std::string message;
    std::string type = "invalid_request_error";
    switch (res.status) {
    case 404:
      message = validUTF8("no such endpoint: " + req.method + " " + req.path);
      type = "not_found_error";
      break;
    case 413:
      message = llvm::formatv("the request body exceeds {0} bytes",
                              options.maxBodyBytes);
      break;
    default:
      message = llvm::formatv("the request could not be served (HTTP {0})",
                              res.status);
      if (res.status >= 500)
        type = "server_error";
    }
    res.set_content(makeAPIError(res.status, type, message).toJSON(),
                    "application/json");
  });
  http.set_logger(
      [this](const httplib::Request &req, const httplib::Response &res) {
        // Paths are the client's: the metrics count only the known ones (a
        // label per arbitrary path would grow without bound), and the log
        // shows them without control characters.
        static const llvm::StringSet<> known = {"/v1/completions", "/v1/models",
                                                "/health", "/metrics"};
        llvm::StringRef path = req.path;
        if (path.starts_with("/v1/models/"))
          path = "/v1/models/{id}";
        metrics.countRequest(known.contains(path) || path == "/v1/models/{id}"
                                 ? path.str()
                                 : std::string("other"),
                             res.status);
        if (!options.log)
          return;
        std::string shown = req.path.substr(0, 200);
        for (char &ch : shown)
          if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
            ch = '?';
        llvm::errs() << llvm::formatv("calm-run: {0} {1} {2}\n", req.method,
                                      shown, res.status);
      });
}

Server::Server(LanguageModel &model, ServerOptions options)
    : impl(std::make_unique<Impl>(model, std::move(options))) {
  Impl &s = *impl;
  // Connections are served by a thread each: enough for every session,
  // every queued request and idle keep-alive connections, with room left
  // for /health and for answering 429.
  size_t threads =
      2 * static_cast<size_t>(s.options.parallel + s.options.maxQueue) + 16;
  s.http.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  s.http.set_payload_max_length(s.options.maxBodyBytes);
  s.http.set_keep_alive_timeout(2);
  s.http.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, with which a second server
  // on a busy port would bind and silently share it; a busy port must be
  // an error.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s.routes();
}

Server::~Server() = default;

llvm::Expected<int> Server::bind() {
  Impl &s = *impl;
  int port = s.options.port;
  bool bound = port == 0 ? (port = s.http.bind_to_any_port(s.options.host)) > 0
                         : s.http.bind_to_port(s.options.host, port);
  if (!bound)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("cannot listen on {0}:{1} (in use, or not an address "
                      "of this machine)",
                      s.options.host, s.options.port));
  return port;
}

bool Server::run() {
  Impl &s = *impl;
  {
    std::lock_guard<std::mutex> lock(s.runMutex);
    if (s.stopping)
      return true;
    s.running = true;
  }
  bool ok = s.http.listen_after_bind();
  std::lock_guard<std::mutex> lock(s.runMutex);
  s.running = false;
  return ok;
}

void Server::stop() {
  Impl &s = *impl;
  {
    std::lock_guard<std::mutex> lock(s.runMutex);
    s.stopping = true;
  }
  // Queued requests get 503 now; every completion holding a session
  // finishes (a stream through its [DONE]) before the listening socket
  // closes, since httplib ends chunked responses in progress when it does.
  s.pool.close();
  s.pool.waitIdle();
  // httplib's stop() does nothing before its accept loop runs: wait for it
  // if run() is on its way there.
  while (true) {
    {
      std::lock_guard<std::mutex> lock(s.runMutex);
      if (!s.running)
        return;
    }
    if (s.http.is_running()) {
      s.http.stop();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}
