/*===- calm-c/calm.h - the calm-mlir runtime's C API ----------------------===*\
|*                                                                            *|
|* libcalm runs CALM models (and token-level Llamas) from a model library    *|
|* written by `calm-run compile -o`, without LLVM or MLIR in the process, or *|
|* compiles one on demand with libcalm-compiler.so, loaded only then.        *|
|* Every function that can fail returns NULL or -1 and sets a one-line       *|
|* message for the calling thread (calm_last_error); none aborts on bad      *|
|* arguments. Calls on one model may come from any thread at once; each     *|
|* session has its own KV cache. docs/C-API.md has an example.              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CALM_C_CALM_H
#define CALM_C_CALM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised when a function's meaning or signature changes. */
#define CALM_API_VERSION 1

/* The CALM_API_VERSION libcalm was built with. */
int calm_api_version(void);

/* This thread's last error, one line; "" if none. Valid until this thread's
 * next libcalm call. */
const char *calm_last_error(void);

typedef struct calm_model calm_model;
typedef struct calm_session calm_session;

/* Opens the model in `model_dir` (a CALM or a token-level Llama) with the
 * compiled code of `library` (from `calm-run compile -o`), refused with an
 * error naming the mismatch if it was built for another config, CPU or ABI.
 * A library from `calm-run compile --device cuda` runs the model on the
 * NVIDIA GPU (weights and KV caches in GPU memory; NULL with the driver's
 * one-line reason where there is none); compiling on demand is for the CPU.
 * `numerics` NULL: the library's; otherwise it must be the library's,
 * spelled as calm-run prints it.
 * `library` NULL: compile on demand with `numerics` (NULL: f32) and the
 * default context (512 chunks; 2048 tokens for a token model), or take the
 * library compiled before, from the cache $CALM_CACHE_DIR/libraries
 * (default $XDG_CACHE_HOME/calm or ~/.cache/calm). Compiling loads the
 * compiler, $CALM_COMPILER_LIBRARY or libcalm-compiler.so next to libcalm,
 * with libLLVM and libMLIR (an error names what is missing).
 * `threads` 0: every core. The context is the library's --max-chunks.
 * NULL on failure. */
calm_model *calm_model_open(const char *model_dir, const char *library,
                            const char *numerics, int threads);
void calm_model_close(calm_model *model);

/* A JSON object describing the model: kind ("calm" or "llama"), numerics,
 * cpu, device ("cpu" or "cuda"), vocab_size, chunk_tokens (K; 1 for a token
 * model), context_tokens, eos_token_id, library. Owned by the model. */
const char *calm_model_info(calm_model *model);

/* A session: generation state (its own KV cache) with its own seed.
 * Sessions of one model may generate at once on different threads; one
 * session is used by one thread at a time. */
calm_session *calm_session_new(calm_model *model, uint64_t seed);
void calm_session_free(calm_session *session);

/* Receives generated text in pieces that end on UTF-8 boundaries; return
 * nonzero to stop. */
typedef int (*calm_text_fn)(const char *bytes, size_t len, void *user);

/* Generates from `prompt` (arbitrary bytes) in a new context, as
 * `calm-run generate` does: at most `max_tokens`, stopping at end of text.
 * temperature in (0, 1]; samples 0: exact sampling, N > 0: the batch
 * approximation with N draws (a CALM only). The n-th call of a session
 * (from 0) uses seed + n, so its first call equals `calm-run generate
 * --seed SEED`. `on_text` may be NULL. Returns the tokens generated, or -1. */
int64_t calm_generate(calm_session *session, const char *prompt,
                      size_t prompt_len, int64_t max_tokens,
                      double temperature, int64_t samples,
                      calm_text_fn on_text, void *user);

/* BrierLM of `text` as one document, in blocks of `block_size` tokens (all
 * whole blocks), as `calm-run eval --seed SEED`: out[0..3] = Brier-1..4,
 * out[4] = BrierLM. Returns 0, or -1. */
int calm_eval(calm_model *model, const char *text, size_t len,
              int64_t block_size, uint64_t seed, double out[5]);

/* Token ids of `text` (no special tokens added): writes at most `capacity`
 * ids (ids may be NULL with capacity 0) and returns how many the text has,
 * or -1. */
int64_t calm_tokenize(calm_model *model, const char *text, size_t len,
                      int32_t *ids, int64_t capacity);

/* The bytes of `ids`: writes at most `capacity` bytes to `out` (no NUL
 * added; out may be NULL with capacity 0) and returns how many there are,
 * or -1 (an id outside the vocabulary). */
int64_t calm_detokenize(calm_model *model, const int32_t *ids, int64_t n,
                        char *out, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* CALM_C_CALM_H */
