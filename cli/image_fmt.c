/* Output helpers for tinydocker-image: docker's human sizes and durations, column tables. */
#include "cli/image_fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/timefmt.h"
#include "util/human.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

char *fmt_ago(const char *rfc3339)
{
  int64_t then = time_parse_rfc3339(rfc3339) / 1000000000LL;
  int64_t now = (int64_t)time(NULL);
  autofree char *d = human_duration(now > then ? now - then : 0);
  return xasprintf("%s ago", d);
}

struct fmt_table {
  size_t ncol;
  char **cells; /* rows * ncol */
  size_t nrows;
};

struct fmt_table *fmt_table_new(size_t ncol)
{
  struct fmt_table *t = xcalloc(1, sizeof(*t));
  t->ncol = ncol;
  return t;
}

void fmt_table_row(struct fmt_table *t, char *const *cols)
{
  t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncol * sizeof(char *));
  for (size_t i = 0; i < t->ncol; i++)
    t->cells[t->nrows * t->ncol + i] = xstrdup(cols[i] ? cols[i] : "");
  t->nrows++;
}

/* docker's tabwriter (minwidth 10, padding 3): columns padded to the widest cell plus 3 spaces
 * and at least 10 wide, last column bare. */
void fmt_table_print(struct fmt_table *t, FILE *out)
{
  autofree size_t *w = xcalloc(t->ncol, sizeof(size_t));
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncol; c++) {
      size_t l = strlen(t->cells[r * t->ncol + c]);
      if (l + 3 > w[c])
        w[c] = l + 3;
    }
  for (size_t c = 0; c < t->ncol; c++)
    if (w[c] < 10)
      w[c] = 10;
  for (size_t r = 0; r < t->nrows; r++) {
    for (size_t c = 0; c < t->ncol; c++) {
      const char *s = t->cells[r * t->ncol + c];
      if (c + 1 == t->ncol)
        fprintf(out, "%s\n", s);
      else
        fprintf(out, "%-*s", (int)w[c], s);
    }
  }
  for (size_t i = 0; i < t->nrows * t->ncol; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
}
