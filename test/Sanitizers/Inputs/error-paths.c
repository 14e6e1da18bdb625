#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
/* One deliberate defect per argument, each on an error path that exits 1 as
   a CLI's error handling does: a sanitizer report there must never pass for
   the expected error (test/Sanitizers/report-is-fatal.test). */
int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  fprintf(stderr, "prog: error: bad input\n");
  if (!strcmp(what, "overflow")) {
    char *p = malloc(8);
    p[8] = 1;                      /* heap-buffer-overflow */
    free(p);
  } else if (!strcmp(what, "leak")) {
    volatile char *p = malloc(64); /* never freed */
    p[0] = 1;
    p = 0;
  } else if (!strcmp(what, "ub")) {
    volatile int i = INT_MAX;
    i = i + argc;                  /* signed overflow */
  }
  return 1;
}
