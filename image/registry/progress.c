/* Progress display for registry transfers. */
#include "image/registry/progress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/human.h"
#include "util/xalloc.h"

struct row {
  char label[16];
  char status[32];
  uint64_t total, done;
};

struct reg_progress {
  FILE *out;
  bool tty, quiet, drawn;
  size_t n;
  struct row *rows;
  struct timespec last;
  pthread_mutex_t lock;
};

struct reg_progress *reg_progress_new(FILE *out, size_t n, bool quiet)
{
  struct reg_progress *p = xmalloc(sizeof(*p));
  p->out = out;
  p->tty = isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
  p->quiet = quiet;
  p->n = n;
  p->rows = xcalloc(n ? n : 1, sizeof(struct row));
  pthread_mutex_init(&p->lock, NULL);
  return p;
}

static void human(uint64_t v, char *buf, size_t len)
{
  autofree char *h = human_size((double)v, 4); /* docker's progress: units.HumanSize */
  snprintf(buf, len, "%s", h);
}

static void draw_row(struct reg_progress *p, const struct row *r)
{
  fprintf(p->out, "\r\033[K%s: %s", r->label, r->status);
  if (r->total && strcmp(r->status, "Downloading") == 0) {
    char a[16], b[16], bar[52];
    int w = (int)(50 * (r->done > r->total ? r->total : r->done) / r->total);
    memset(bar, '=', (size_t)w);
    bar[w] = w < 50 ? '>' : '=';
    memset(bar + w + 1, ' ', (size_t)(50 - w > 0 ? 50 - w - 1 : 0));
    bar[50] = '\0';
    human(r->done, a, sizeof(a));
    human(r->total, b, sizeof(b));
    fprintf(p->out, " [%s] %s/%s", bar, a, b);
  }
  fputc('\n', p->out);
}

/* TTY: redraw every row in place; rate-limited unless forced. */
static void redraw(struct reg_progress *p, bool force)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
  if (!force && p->drawn && ms < 100)
    return;
  p->last = now;
  if (p->drawn)
    fprintf(p->out, "\033[%zuA", p->n);
  for (size_t i = 0; i < p->n; i++)
    draw_row(p, &p->rows[i]);
  p->drawn = true;
  fflush(p->out);
}

void reg_progress_row(struct reg_progress *p, size_t i, const char *label, uint64_t total)
{
  pthread_mutex_lock(&p->lock);
  snprintf(p->rows[i].label, sizeof(p->rows[i].label), "%s", label);
  p->rows[i].total = total;
  pthread_mutex_unlock(&p->lock);
}

void reg_progress_status(struct reg_progress *p, size_t i, const char *status)
{
  pthread_mutex_lock(&p->lock);
  snprintf(p->rows[i].status, sizeof(p->rows[i].status), "%s", status);
  if (!p->quiet) {
    if (p->tty) {
      redraw(p, true);
    } else {
      fprintf(p->out, "%s: %s\n", p->rows[i].label, status);
      fflush(p->out);
    }
  }
  pthread_mutex_unlock(&p->lock);
}

void reg_progress_add(struct reg_progress *p, size_t i, uint64_t n)
{
  pthread_mutex_lock(&p->lock);
  p->rows[i].done += n;
  if (!p->quiet && p->tty)
    redraw(p, false);
  pthread_mutex_unlock(&p->lock);
}

void reg_progress_free(struct reg_progress *p)
{
  if (p == NULL)
    return;
  if (!p->quiet && p->tty && p->n)
    redraw(p, true);
  pthread_mutex_destroy(&p->lock);
  free(p->rows);
  free(p);
}
