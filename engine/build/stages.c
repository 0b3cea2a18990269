/* `tinydocker build`'s stages run: one stage's instructions (its FROM, the base image's ONBUILD
 * triggers, then its own), and the stages that do not read each other at once, each in a child
 * process (docs/build.md). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/build/steps.h"
#include "image/build.h"
#include "image/image.h"
#include "image/registry/registry.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int build_stage(struct builder *b, size_t si, struct td_err **err)
{
  struct stage *sg = &b->stages[si];
  struct df_instr *from = &b->df.v[sg->first];
  b->step = sg->step0 + 1;
  fprintf(b->out, "Step %d/%d : %s\n", b->step, b->n_steps, from->original);
  static const char *const from_flags[] = {"platform", NULL};
  if (df_check_flags(from, from_flags, err) < 0)
    return -1;
  const char *plat = df_flag(from, "platform");
  if (plat && *plat) {
    autofree char *want = xasprintf("linux/%s", image_host_arch());
    if (strcmp(plat, want) != 0 && strcmp(plat, "linux") != 0)
      return err_set_exit(err, 1, 0, "--platform %s is not this machine's (%s)", plat, want);
  }
  autofree char *ref = NULL;
  if (build_from_ref(b, from, &ref, err) < 0)
    return -1;
  sg->args = json_object();
  int other = step_find_stage(b, ref, si);
  if (other >= 0 && b->stages[other].name && strcasecmp(b->stages[other].name, ref) == 0) {
    bstate_copy(&b->stages[other].st, &sg->st);
  } else if (strcmp(ref, "scratch") == 0) {
    bstate_scratch(&sg->st);
  } else {
    /* as docker: an image that is not in the store is pulled (--pull: always) */
    struct registry_opts ro = {.quiet = false};
    if (b->req->pull && registry_pull(b->req->root, ref, &ro, b->out, err) < 0) {
      (*err)->exit_code = 1; /* docker's CLI exits 1 for any build error */
      return -1;
    }
    if (bstate_from_image(b, ref, &sg->st, err) < 0) {
      if (!image_err_is_not_found(*err) || b->req->pull)
        return -1;
      err_free(err);
      if (registry_pull(b->req->root, ref, &ro, b->out, err) < 0) {
        (*err)->exit_code = 1;
        return -1;
      }
      if (bstate_from_image(b, ref, &sg->st, err) < 0)
        return -1;
    }
  }
  step_print_id(b, sg->st.id);
  /* the base image's ONBUILD triggers run first, then are gone from the new image */
  json_t *ob = json_object_get(step_cfg(sg), "OnBuild");
  if (json_is_array(ob) && json_array_size(ob)) {
    autostrv char **trig = jsonv_to_strv(ob);
    json_object_del(step_cfg(sg), "OnBuild");
    fprintf(b->out, " # Executing %zu build trigger%s\n", strv_len(trig),
            strv_len(trig) == 1 ? "" : "s");
    for (char **t = trig; *t; t++) {
      struct df_instr ti;
      if (df_parse_line(*t, b->df.escape, from->line, &ti, err) < 0)
        return err_prefix(err, "ONBUILD trigger");
      int rc = instr_dispatch(b, sg, &ti, err);
      df_instr_clear(&ti);
      if (rc < 0)
        return -1;
    }
    step_print_id(b, sg->st.id);
  }
  for (size_t i = sg->first + 1; i < sg->end; i++) {
    struct df_instr *in = &b->df.v[i];
    b->step++;
    fprintf(b->out, "Step %d/%d : %s\n", b->step, b->n_steps, in->original);
    fflush(b->out);
    if (instr_dispatch(b, sg, in, err) < 0)
      return -1;
    step_print_id(b, sg->st.id);
  }
  sg->done = true;
  return 0;
}

/* ---- stages in parallel ----
 * Stages that do not read each other run at once, each in a child process with a mount
 * namespace of its own (its mounts go with it), its output kept in a memory file and shown
 * whole when it ends (one stage's lines together). The child hands back the stage's state (its
 * image ID and manifest) and the build args it consumed; the parent reads the state from the
 * blobs. A failing stage stops the others: they are killed, their RUN containers removed
 * (their ctr-<id> markers), and the failing stage's output and error shown. */
struct job {
  pid_t pid;
  int res;   /* the result pipe's read end */
  int out;   /* the memory file of its output */
  off_t off; /* --progress tty: what was relayed of it so far */
  size_t si;
};

static void child_stage(struct builder *b, size_t si, int res, int out, pid_t parent)
{
  /* a killed build takes its stages with it (the watchdog then removes their containers) */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(1);
  b->out = fdopen(out, "w");
  if (b->out == NULL)
    _exit(125);
  setvbuf(b->out, NULL, _IOLBF, 0);
  b->out_fd = out;
  b->quiet_fd = -1;
  b->render_pid = 0;
  b->n_mounts = (int)(si + 1) * 100000;
  autoerr struct td_err *err = NULL;
  int rc = 0;
  if (b->private_ns && unshare(CLONE_NEWNS) < 0)
    rc = err_set(&err, errno, "private mount namespace");
  if (rc == 0)
    rc = build_stage(b, si, &err);
  fflush(b->out);
  FILE *r = fdopen(res, "w");
  if (r == NULL)
    _exit(125);
  if (rc == 0) {
    struct stage *sg = &b->stages[si];
    fprintf(r, "ok\n%s\n%s\n", sg->st.id ? sg->st.id : "", sg->st.man ? sg->st.man : "");
    const char *k;
    json_t *v;
    json_object_foreach (b->consumed, k, v)
      fprintf(r, "%s\n", k);
  } else {
    fprintf(r, "%d\n%s", err_exit_code(err->exit_code), err_text(err));
  }
  fclose(r);
  _exit(rc == 0 ? 0 : 1);
}

static int job_start(struct builder *b, size_t si, struct job *j, struct td_err **err)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  int out = memfd_create("td-build-stage", MFD_CLOEXEC);
  if (out < 0) {
    close(p[0]);
    close(p[1]);
    return err_set(err, errno, "memfd_create");
  }
  fflush(NULL);
  pid_t self = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    close(out);
    return err_set(err, errno, "fork a build stage");
  }
  if (pid == 0) {
    close(p[0]);
    child_stage(b, si, p[1], fcntl(out, F_DUPFD_CLOEXEC, 0), self);
  }
  close(p[1]);
  *j = (struct job){.pid = pid, .res = p[0], .out = out, .si = si};
  return 0;
}

/* the job's output, into the build's: whole when it ends; with the tty display, live, each
 * complete line tagged with its stage ("\x1e<stage>\x1f", progress.c) */
static void job_show(struct builder *b, struct job *j, bool end)
{
  char buf[8192];
  ssize_t n;
  bool tag = b->render_pid > 0;
  while ((n = pread(j->out, buf, sizeof(buf), j->off)) > 0) {
    size_t len = (size_t)n;
    if (tag) {
      char *last = memrchr(buf, '\n', len);
      if (last == NULL && !end && len < sizeof(buf))
        break; /* an incomplete line: later */
      if (last && (!end || (size_t)(last - buf) + 1 == len))
        len = (size_t)(last - buf) + 1;
      for (size_t i = 0; i < len;) {
        char *nl = memchr(buf + i, '\n', len - i);
        size_t l = nl ? (size_t)(nl - (buf + i)) : len - i;
        fprintf(b->out, "\x1e%zu\x1f%.*s\n", j->si, (int)l, buf + i);
        i += l + 1;
      }
    } else {
      fwrite(buf, 1, len, b->out);
    }
    j->off += (off_t)len;
  }
  fflush(b->out);
}

static void job_reap(struct job *j)
{
  while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  close(j->res);
  close(j->out);
}

/* the job ended (its result pipe closed): its state, or its error */
static int job_finish(struct builder *b, struct job *j, struct td_err **err)
{
  autofree char *res = xcalloc(1, 65536);
  size_t len = 0;
  ssize_t n;
  while (len < 65535 &&
         ((n = read(j->res, res + len, 65535 - len)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0)
      len += (size_t)n;
  if (len == 0)
    return err_set_exit(err, 1, 0, "build stage %zu ended without a result", j->si);
  struct stage *sg = &b->stages[j->si];
  if (strncmp(res, "ok\n", 3) != 0) {
    char *nl = strchr(res, '\n');
    return err_set_exit(err, atoi(res), 0, "%s", nl ? nl + 1 : "build stage failed");
  }
  char *save = NULL;
  char *id = strtok_r(res + 3, "\n", &save);
  char *man = id ? strtok_r(NULL, "\n", &save) : NULL;
  if (id == NULL || man == NULL || bstate_from_blobs(b, id, man, &sg->st, err) < 0)
    return err_set_exit(err, 1, 0, "build stage %zu: no state came back", j->si);
  for (char *k = strtok_r(NULL, "\n", &save); k; k = strtok_r(NULL, "\n", &save))
    json_object_set_new(b->consumed, k, json_true());
  if (sg->args == NULL)
    sg->args = json_object();
  sg->done = true;
  return 0;
}

static bool stage_ready(struct builder *b, size_t si, const bool *running)
{
  struct stage *sg = &b->stages[si];
  if (!sg->needed || sg->done || running[si])
    return false;
  autofree size_t *deps = xcalloc(b->n_stages + 1, sizeof(size_t));
  size_t n = build_stage_deps(b, si, deps);
  for (size_t k = 0; k < n; k++)
    if (!b->stages[deps[k]].done)
      return false;
  return true;
}

int build_stages(struct builder *b, size_t target, struct td_err **err)
{
  autofree struct job *jobs = xcalloc(b->n_stages + 1, sizeof(struct job));
  autofree bool *running = xcalloc(b->n_stages + 1, sizeof(bool));
  size_t n_jobs = 0;
  int rc = 0;
  for (;;) {
    size_t ready[64], n_ready = 0;
    for (size_t i = 0; i <= target && n_ready < 64; i++)
      if (stage_ready(b, i, running))
        ready[n_ready++] = i;
    if (n_ready == 0 && n_jobs == 0)
      break;
    if (n_ready == 1 && n_jobs == 0) { /* nothing beside it: in this process, live */
      if (build_stage(b, ready[0], err) < 0)
        return -1;
      continue;
    }
    /* the RUN containers of every stage are the watchdog's (one for the whole build) */
    if (n_ready && b->watch_fd < 0 && watchdog_start(b, err) < 0)
      rc = -1;
    for (size_t k = 0; rc == 0 && k < n_ready; k++) {
      if (job_start(b, ready[k], &jobs[n_jobs], err) < 0) {
        rc = -1;
        break;
      }
      running[ready[k]] = true;
      n_jobs++;
    }
    if (rc < 0)
      break;
    /* wait for one to end */
    struct pollfd pf[64];
    size_t np = n_jobs < 64 ? n_jobs : 64;
    for (size_t k = 0; k < np; k++)
      pf[k] = (struct pollfd){.fd = jobs[k].res, .events = POLLIN};
    /* the tty display: what the stages print, relayed every 100 ms */
    bool live = b->render_pid > 0;
    if (poll(pf, np, live ? 100 : -1) < 0) {
      if (errno == EINTR)
        continue;
      rc = err_set(err, errno, "wait for the build stages");
      break;
    }
    for (size_t q = 0; live && q < n_jobs; q++)
      job_show(b, &jobs[q], false);
    size_t k = 0;
    while (k < np && !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
      k++;
    if (k == np)
      continue;
    struct job j = jobs[k];
    jobs[k] = jobs[--n_jobs];
    running[j.si] = false;
    rc = job_finish(b, &j, err);
    job_show(b, &j, true);
    job_reap(&j);
    if (rc < 0)
      break;
  }
  if (rc < 0 && n_jobs) {
    /* a stage failed: the others stop, and nothing of theirs stays */
    for (size_t k = 0; k < n_jobs; k++)
      kill(jobs[k].pid, SIGKILL);
    for (size_t k = 0; k < n_jobs; k++)
      job_reap(&jobs[k]);
    build_sweep_containers(b, b->work);
  }
  return rc;
}
