/* A host program that knows only calm-c/calm.h and libcalm: what the C API
 * tests run.
 *   calm_c_client generate MODEL LIBRARY SEED MAX_TOKENS PROMPT
 *   calm_c_client eval MODEL LIBRARY SEED BLOCK_SIZE TEXT_FILE
 *   calm_c_client checks MODEL LIBRARY
 *   calm_c_client concurrent MODEL LIBRARY SEED MAX_TOKENS PROMPT TEXT_FILE
 *                 BLOCK_SIZE
 *   calm_c_client retry MODEL LIBRARY MAX_TOKENS PROMPT
 * LIBRARY "-" opens the model without one (compiled on demand, f32), and
 * "-:SEL" with numerics SEL. generate prints the text then a newline, as
 * calm-run generate does; eval
 * prints the Brier terms as calm-run eval --json does; checks exercises
 * bad arguments, tokenize/detokenize and model info, and reports whether
 * libLLVM or libMLIR is mapped into the process; concurrent runs sessions
 * SEED..SEED+2 of one model and an eval of TEXT_FILE (seed SEED) on four
 * threads at once and prints, in seed order, what generate and eval would;
 * retry generates on one session, then (whatever the first did) on a new
 * one, and prints how each ended: a failure must not outlive its call. */
#include "calm-c/calm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print(const char *bytes, size_t len, void *user) {
  (void)user;
  fwrite(bytes, 1, len, stdout);
  return 0;
}

static int stopAfterFirst(const char *bytes, size_t len, void *user) {
  (void)bytes;
  (void)len;
  ++*(int *)user;
  return 1;
}

/* The bytes of `path` (NUL-terminated, size in *size), or NULL. */
static char *readFile(const char *path, long *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  *size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc(*size + 1);
  if (fread(text, 1, *size, f) != (size_t)*size) {
    fclose(f);
    free(text);
    return NULL;
  }
  fclose(f);
  text[*size] = 0;
  return text;
}

/* One thread of `concurrent`: a session's generation or an eval, started
 * together at the barrier. */
typedef struct {
  calm_model *model;
  pthread_barrier_t *start;
  uint64_t seed;
  long long n;
  const char *prompt;
  const char *text; /* eval when set */
  long textSize;
  char out[4096];
  size_t used;
  double brier[5];
  int failed;
} Job;

static int collect(const char *bytes, size_t len, void *user) {
  Job *job = user;
  if (job->used + len < sizeof job->out) {
    memcpy(job->out + job->used, bytes, len);
    job->used += len;
  }
  return 0;
}

static void *runJob(void *arg) {
  Job *job = arg;
  calm_session *session =
      job->text ? NULL : calm_session_new(job->model, job->seed);
  pthread_barrier_wait(job->start);
  if (job->text)
    job->failed = calm_eval(job->model, job->text, job->textSize, job->n,
                            job->seed, job->brier) < 0;
  else
    job->failed = calm_generate(session, job->prompt, strlen(job->prompt),
                                job->n, 1.0, 0, collect, job) < 0;
  if (job->failed)
    fprintf(stderr, "calm_c_client: %s\n", calm_last_error());
  calm_session_free(session);
  return NULL;
}

static calm_model *open(const char *dir, const char *library);

static int concurrent(char **argv) {
  calm_model *model = open(argv[2], argv[3]);
  if (!model)
    return 1;
  long size = 0;
  char *text = readFile(argv[7], &size);
  if (!text)
    return 1;
  enum { kJobs = 4 };
  Job jobs[kJobs];
  pthread_t threads[kJobs];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, kJobs);
  for (int i = 0; i < kJobs; ++i) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].model = model;
    jobs[i].start = &start;
    jobs[i].seed = strtoull(argv[4], NULL, 10) + (i < 3 ? i : 0);
    jobs[i].n = i < 3 ? atoll(argv[5]) : atoll(argv[8]);
    jobs[i].prompt = argv[6];
    if (i == 3)
      jobs[i].text = text, jobs[i].textSize = size;
    pthread_create(&threads[i], NULL, runJob, &jobs[i]);
  }
  int failed = 0;
  for (int i = 0; i < kJobs; ++i) {
    pthread_join(threads[i], NULL);
    failed |= jobs[i].failed;
  }
  pthread_barrier_destroy(&start);
  for (int i = 0; i < 3; ++i)
    printf("%.*s\n", (int)jobs[i].used, jobs[i].out);
  double *out = jobs[3].brier;
  printf("{\"brier1\": %.6f, \"brier2\": %.6f, \"brier3\": %.6f, \"brier4\": "
         "%.6f, \"brierlm\": %.4f\n",
         out[0], out[1], out[2], out[3], out[4]);
  free(text);
  calm_model_close(model);
  return failed;
}

static calm_model *open(const char *dir, const char *library) {
  const char *numerics = NULL;
  if (library && library[0] == '-') {
    numerics = library[1] == ':' ? library + 2 : NULL;
    library = NULL;
  }
  calm_model *model = calm_model_open(dir, library, numerics, 0);
  if (!model)
    fprintf(stderr, "calm_c_client: %s\n", calm_last_error());
  return model;
}

static int expectError(const char *what, int failed) {
  const char *why = calm_last_error();
  if (!failed || !why[0] || strchr(why, '\n')) {
    printf("FAIL %s: no one-line error\n", what);
    return 1;
  }
  printf("error %s: %s\n", what, why);
  return 0;
}

static int checks(const char *dir, const char *library) {
  int fails = 0;
  fails += expectError("open NULL dir",
                       calm_model_open(NULL, library, NULL, 0) == NULL);
  fails += expectError("open without library",
                       calm_model_open(dir, NULL, NULL, 0) == NULL);
  fails += expectError("open missing library",
                       calm_model_open(dir, "/nonexistent/model.so", NULL, 0) ==
                           NULL);
  fails += expectError("open wrong numerics",
                       calm_model_open(dir, library, "lmul:3", 0) == NULL);
  fails += expectError("open bad threads",
                       calm_model_open(dir, library, NULL, -1) == NULL);
  calm_model *model = open(dir, library);
  if (!model)
    return 1;
  printf("info %s\n", calm_model_info(model));
  fails += expectError("generate NULL session",
                       calm_generate(NULL, "x", 1, 4, 1.0, 0, NULL, NULL) < 0);
  calm_session *session = calm_session_new(model, 1);
  fails +=
      expectError("generate temperature 2",
                  calm_generate(session, "x", 1, 4, 2.0, 0, NULL, NULL) < 0);
  fails +=
      expectError("generate max_tokens 0",
                  calm_generate(session, "x", 1, 0, 1.0, 0, NULL, NULL) < 0);
  int pieces = 0;
  int64_t n =
      calm_generate(session, "Call me", 7, 64, 1.0, 0, stopAfterFirst, &pieces);
  printf("stopped after %d piece(s), %lld tokens\n", pieces, (long long)n);
  double out[5];
  fails +=
      expectError("eval block 3", calm_eval(model, "text", 4, 3, 1, out) < 0);
  fails += expectError("eval short text",
                       calm_eval(model, "text", 4, 512, 1, out) < 0);
  const char *text = "Call me Ishmael.";
  int64_t count = calm_tokenize(model, text, strlen(text), NULL, 0);
  int32_t ids[64];
  if (count < 1 || count > 64 ||
      calm_tokenize(model, text, strlen(text), ids, 64) != count) {
    printf("FAIL tokenize\n");
    ++fails;
  } else {
    char back[256];
    int64_t bytes = calm_detokenize(model, ids, count, back, sizeof back);
    printf("tokenize: %lld ids, round trip %s\n", (long long)count,
           bytes == (int64_t)strlen(text) && !memcmp(back, text, bytes)
               ? "exact"
               : "DIFFERS");
  }
  int32_t bad = 1 << 30;
  fails += expectError("detokenize bad id",
                       calm_detokenize(model, &bad, 1, NULL, 0) < 0);
  calm_session_free(session);
  calm_model_close(model);

  /* What a deployment must not need. */
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[4096];
  int heavy = 0;
  while (maps && fgets(line, sizeof line, maps))
    if (strstr(line, "libLLVM") || strstr(line, "libMLIR")) {
      printf("FAIL mapped: %s", line);
      heavy = 1;
    }
  if (maps)
    fclose(maps);
  if (!heavy)
    printf("maps: no libLLVM or libMLIR in the process\n");
  printf("checks: %d failed\n", fails + heavy);
  return fails + heavy != 0;
}

static int retry(char **argv) {
  calm_model *model = open(argv[2], argv[3]);
  if (!model)
    return 1;
  int ok = 0;
  for (int i = 0; i < 2; ++i) {
    calm_session *session = calm_session_new(model, 1);
    int used = 0;
    if (!session)
      printf("call %d: no session: %s\n", i + 1, calm_last_error());
    else if (calm_generate(session, argv[5], strlen(argv[5]), atoll(argv[4]),
                           1.0, 0, stopAfterFirst, &used) < 0)
      printf("call %d: failed: %s\n", i + 1, calm_last_error());
    else
      printf("call %d: ok\n", i + 1), ok += i == 1;
    calm_session_free(session);
  }
  calm_model_close(model);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "checks"))
    return checks(argv[2], argv[3]);
  if (argc == 9 && !strcmp(argv[1], "concurrent"))
    return concurrent(argv);
  if (argc == 6 && !strcmp(argv[1], "retry"))
    return retry(argv);
  if (argc == 4 && !strcmp(argv[1], "info")) {
    calm_model *model = open(argv[2], argv[3]);
    if (!model)
      return 1;
    printf("%s\n", calm_model_info(model));
    calm_model_close(model);
    return 0;
  }
  if (argc != 7) {
    fprintf(stderr,
            "usage: calm_c_client generate|eval MODEL LIBRARY SEED N TEXT\n"
            "       calm_c_client info MODEL LIBRARY\n");
    return 2;
  }
  calm_model *model = open(argv[2], argv[3]);
  if (!model)
    return 1;
  uint64_t seed = strtoull(argv[4], NULL, 10);
  long long n = atoll(argv[5]);
  if (!strcmp(argv[1], "generate")) {
    calm_session *session = calm_session_new(model, seed);
    if (calm_generate(session, argv[6], strlen(argv[6]), n, 1.0, 0, print,
                      NULL) < 0) {
      fprintf(stderr, "calm_c_client: %s\n", calm_last_error());
      return 1;
    }
    printf("\n");
    calm_session_free(session);
  } else {
    long size = 0;
    char *text = readFile(argv[6], &size);
    if (!text)
      return 1;
    double out[5];
    if (calm_eval(model, text, size, n, seed, out) < 0) {
      fprintf(stderr, "calm_c_client: %s\n", calm_last_error());
      return 1;
    }
    printf("{\"brier1\": %.6f, \"brier2\": %.6f, \"brier3\": %.6f, \"brier4\": "
           "%.6f, "
           "\"brierlm\": %.4f\n",
           out[0], out[1], out[2], out[3], out[4]);
    free(text);
  }
  calm_model_close(model);
  return 0;
}
