/* Output helpers for tinydocker-image: docker's human sizes and durations, column tables. */
#include "cli/image_fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

char *fmt_size(double size)
{
  static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  size_t u = 0;
  while (size >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
    size /= 1000.0;
    u++;
  }
  return xasprintf("%.3g%s", size, units[u]);
}

char *fmt_ago(time_t then)
{
  double s = difftime(time(NULL), then);
  if (s < 0)
    s = 0;
  char *d;
  if (s < 1)
    d = xstrdup("Less than a second");
  else if (s < 60)
    d = xasprintf("%d seconds", (int)s);
  else if (s < 120)
    d = xstrdup("About a minute");
  else if (s < 3600)
    d = xasprintf("%d minutes", (int)(s / 60));
  else if (s < 7200)
    d = xstrdup("About an hour");
  else if (s < 48 * 3600)
    d = xasprintf("%d hours", (int)(s / 3600));
  else if (s < 14 * 86400)
    d = xasprintf("%d days", (int)(s / 86400));
  else if (s < 60 * 86400)
    d = xasprintf("%d weeks", (int)(s / (7 * 86400)));
  else if (s < 2 * 365 * 86400)
    d = xasprintf("%d months", (int)(s / (30 * 86400)));
  else
    d = xasprintf("%d years", (int)(s / (365 * 86400)));
  char *r = xasprintf("%s ago", d);
  free(d);
  return r;
}

time_t fmt_parse_time(const char *rfc3339)
{
  if (rfc3339 == NULL)
    return 0;
  struct tm tm = {0};
  const char *rest = strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == NULL)
    return 0;
  time_t t = timegm(&tm);
  while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
    rest++;
  if (*rest == '+' || *rest == '-') {
    int hh = 0, mm = 0;
    if (sscanf(rest + 1, "%d:%d", &hh, &mm) == 2)
      t += (*rest == '+' ? -1 : 1) * (hh * 3600 + mm * 60);
  }
  return t;
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

/* docker's tabwriter: columns padded to the widest cell plus 3 spaces, last column bare. */
void fmt_table_print(struct fmt_table *t, FILE *out)
{
  autofree size_t *w = xcalloc(t->ncol, sizeof(size_t));
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncol; c++) {
      size_t l = strlen(t->cells[r * t->ncol + c]);
      if (l > w[c])
        w[c] = l;
    }
  for (size_t r = 0; r < t->nrows; r++) {
    for (size_t c = 0; c < t->ncol; c++) {
      const char *s = t->cells[r * t->ncol + c];
      if (c + 1 == t->ncol)
        fprintf(out, "%s\n", s);
      else
        fprintf(out, "%-*s", (int)(w[c] + 3), s);
    }
  }
  for (size_t i = 0; i < t->nrows * t->ncol; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
}
