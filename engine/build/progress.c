/* Where the build's output goes (--progress, -q). The builder always writes the classic
 * builder's plain lines ("Step 2/5 : RUN ...", " ---> Using cache", the RUN's own output) to
 * b->out, and a RUN's stdout and stderr to b->out_fd:
 * - plain: our stdout (a RUN's stderr on our stderr);
 * - quiet (-q): a memory file, shown on stderr only when the build fails (as docker's CLI keeps
 *   the progress of a quiet build and prints it on an error);
 * - tty: a pipe to a renderer process that draws BuildKit's live display: one line per step with
 *   its state and time, the running step's last output lines under it, redrawn in place. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define TAIL 6  /* output lines shown under a running step */
#define TAGS 65 /* stages relayed from parallel children (tag 0..63), and the build's own */

struct pstep {
  char *label;
  int num;           /* its step number: the display's order */
  double start, end; /* end < 0: running */
  bool cached, failed;
  char *tail[TAIL]; /* its last output lines (while it runs) */
  size_t n_tail;
};

struct render {
  struct pstep *v;
  size_t n;
  int cur[TAGS]; /* per stage: the step its lines belong to, or -1 */
  char **after;  /* "Successfully built ..." and other lines after the steps */
  size_t n_after;
  double t0;
  int drawn; /* lines of the last frame */
  int width;
  int total; /* the steps the build has ("Step N/M") */
};

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tail_push(struct pstep *s, const char *line)
{
  if (s->n_tail == TAIL) {
    free(s->tail[0]);
    memmove(s->tail, s->tail + 1, (TAIL - 1) * sizeof(char *));
    s->n_tail--;
  }
  s->tail[s->n_tail++] = xstrdup(line);
}

static void tail_clear(struct pstep *s)
{
  for (size_t i = 0; i < s->n_tail; i++)
    free(s->tail[i]);
  s->n_tail = 0;
}

static struct pstep *cur(struct render *r, int tag)
{
  return r->cur[tag] >= 0 ? &r->v[r->cur[tag]] : NULL;
}

static void step_done(struct render *r, int tag)
{
  struct pstep *s = cur(r, tag);
  if (s && s->end < 0)
    s->end = now();
  if (s)
    tail_clear(s);
}

static void feed(struct render *r, const char *line)
{
  int tag = TAGS - 1; /* the build's own lines */
  unsigned t;
  int toff = 0;
  if (line[0] == '\x1e' && sscanf(line + 1, "%u%n", &t, &toff) == 1 && line[1 + toff] == '\x1f') {
    tag = t < TAGS - 1 ? (int)t : TAGS - 2;
    line += 2 + toff;
  }
  int a, c;
  int off = 0;
  struct pstep *s = cur(r, tag);
  if (sscanf(line, "Step %d/%d : %n", &a, &c, &off) == 2 && off > 0) {
    step_done(r, tag);
    r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
    s = &r->v[r->n];
    memset(s, 0, sizeof(*s));
    s->label = xasprintf("[%d/%d] %s", a, c, line + off);
    s->num = a;
    s->start = now();
    s->end = -1;
    r->cur[tag] = (int)r->n++;
    r->total = c;
    return;
  }
  if (strcmp(line, " ---> Using cache") == 0) {
    if (s)
      s->cached = true;
    return;
  }
  if (strncmp(line, " ---> Running in ", 17) == 0 ||
      strncmp(line, "Removing intermediate container ", 32) == 0)
    return;
  if (strncmp(line, " ---> ", 6) == 0) {
    step_done(r, tag);
    return;
  }
  if (strncmp(line, "Successfully ", 13) == 0 || strncmp(line, "[Warning]", 9) == 0 || s == NULL) {
    r->after = xrealloc(r->after, (r->n_after + 1) * sizeof(char *));
    r->after[r->n_after++] = xstrdup(line);
    return;
  }
  tail_push(s, line);
}

/* one line of the frame, cut to the terminal's width so that the cursor arithmetic holds */
static void put(struct render *r, FILE *o, const char *text, const char *right)
{
  int w = r->width > 20 ? r->width - 1 : 79;
  int rl = right ? (int)strlen(right) : 0;
  int room = w - rl - (right ? 1 : 0);
  int tl = (int)strlen(text);
  if (tl > room)
    tl = room;
  fprintf(o, "%.*s", tl, text);
  if (right)
    fprintf(o, "%*s", room - tl + 1 + rl, right);
  fputs("\033[K\n", o);
}

static void draw(struct render *r, FILE *o, bool final, bool ok)
{
  if (r->drawn > 0)
    fprintf(o, "\033[%dA\r", r->drawn);
  int lines = 0;
  double t = now();
  size_t done = 0;
  for (size_t i = 0; i < r->n; i++)
    done += r->v[i].end >= 0;
  char head[128];
  snprintf(head, sizeof(head), "[+] Building %.1fs (%zu/%d)%s", t - r->t0, done,
           r->total > (int)r->n ? r->total : (int)r->n, final ? (ok ? " FINISHED" : " ERROR") : "");
  put(r, o, head, NULL);
  lines++;
  /* the steps in their Dockerfile order (stages beside each other interleave in time) */
  autofree size_t *ord = xcalloc(r->n + 1, sizeof(size_t));
  for (size_t i = 0; i < r->n; i++) {
    size_t j = i;
    while (j > 0 && r->v[ord[j - 1]].num > r->v[i].num) {
      ord[j] = ord[j - 1];
      j--;
    }
    ord[j] = i;
  }
  for (size_t k = 0; k < r->n; k++) {
    struct pstep *s = &r->v[ord[k]];
    bool running = s->end < 0;
    if (final && running && !ok)
      s->failed = true;
    autofree char *txt =
        xasprintf(" => %s%s%s", s->failed ? "ERROR " : "", s->cached ? "CACHED " : "", s->label);
    char tm[32];
    snprintf(tm, sizeof(tm), "%.1fs", (running ? t : s->end) - s->start);
    put(r, o, txt, tm);
    lines++;
    if (running || s->failed)
      for (size_t m = 0; m < s->n_tail; m++) {
        autofree char *l = xasprintf(" => => # %s", s->tail[m]);
        put(r, o, l, NULL);
        lines++;
      }
  }
  fputs("\033[J", o);
  fflush(o);
  r->drawn = lines;
}

static void render_loop(int in, int outfd)
{
  prctl(PR_SET_NAME, "td-build-tty");
  signal(SIGINT, SIG_IGN);
  FILE *o = fdopen(outfd, "w");
  if (o == NULL)
    _exit(1);
  struct render r = {.t0 = now(), .width = 80};
  for (int i = 0; i < TAGS; i++)
    r.cur[i] = -1;
  struct winsize ws;
  if (ioctl(outfd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    r.width = ws.ws_col;
  char buf[8192];
  size_t have = 0;
  bool ok = false;
  for (;;) {
    struct pollfd p = {.fd = in, .events = POLLIN};
    int pr = poll(&p, 1, 100);
    if (pr < 0 && errno == EINTR)
      continue;
    if (pr > 0) {
      ssize_t n = read(in, buf + have, sizeof(buf) - 1 - have);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      have += (size_t)n;
      buf[have] = '\0';
      char *start = buf, *nl;
      while ((nl = strchr(start, '\n')) != NULL) {
        *nl = '\0';
        if (nl > start && nl[-1] == '\r')
          nl[-1] = '\0';
        feed(&r, start);
        start = nl + 1;
      }
      have = (size_t)(buf + have - start);
      memmove(buf, start, have);
      if (have == sizeof(buf) - 1) { /* a line longer than the buffer: show what came */
        buf[have] = '\0';
        feed(&r, buf);
        have = 0;
      }
    }
    draw(&r, o, false, false);
  }
  for (size_t i = 0; i < r.n_after; i++)
    if (strncmp(r.after[i], "Successfully built ", 19) == 0)
      ok = true;
  if (ok)
    for (size_t i = 0; i < r.n; i++)
      if (r.v[i].end < 0)
        r.v[i].end = now();
  draw(&r, o, true, ok);
  for (size_t i = 0; i < r.n_after; i++)
    fprintf(o, "%s\n", r.after[i]);
  fflush(o);
  _exit(0);
}

static bool want_tty(const char *mode)
{
  if (mode && strcmp(mode, "tty") == 0)
    return true;
  if (mode && strcmp(mode, "plain") == 0)
    return false;
  return isatty(1);
}

int progress_begin(struct builder *b, struct td_err **err)
{
  b->out_fd = -1;
  if (b->req->quiet) {
    int fd = memfd_create("td-build-quiet", MFD_CLOEXEC);
    if (fd < 0)
      return err_set(err, errno, "memfd_create");
    b->quiet_fd = fd;
    b->out_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    b->out = fdopen(b->out_fd, "w");
    return b->out ? 0 : err_set(err, errno, "fdopen");
  }
  if (!want_tty(b->req->progress)) {
    b->out = stdout;
    return 0;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return err_set(err, errno, "fork the progress display");
  }
  if (pid == 0) {
    close(p[1]);
    render_loop(p[0], 1);
  }
  close(p[0]);
  b->render_pid = pid;
  b->out_fd = p[1];
  b->out = fdopen(p[1], "w");
  if (b->out == NULL)
    return err_set(err, errno, "fdopen");
  setvbuf(b->out, NULL, _IOLBF, 0);
  return 0;
}

void progress_end(struct builder *b, bool ok)
{
  if (b->out && b->out != stdout) {
    fclose(b->out); /* closes out_fd */
  } else if (b->out) {
    fflush(b->out);
  }
  b->out = NULL;
  b->out_fd = -1;
  if (b->render_pid > 0) {
    while (waitpid(b->render_pid, NULL, 0) < 0 && errno == EINTR)
      ;
    b->render_pid = 0;
  }
  if (b->quiet_fd >= 0) {
    if (!ok) { /* docker's CLI: a quiet build that fails shows what it printed */
      char buf[8192];
      ssize_t n;
      off_t off = 0;
      while ((n = pread(b->quiet_fd, buf, sizeof(buf), off)) > 0) {
        if (write(2, buf, (size_t)n) < 0)
          break;
        off += n;
      }
    }
    close(b->quiet_fd);
    b->quiet_fd = -1;
  }
}
