/* `tinydocker build`: the stages the target needs, each instruction dispatched as docker's
 * classic builder (docker 20.10 without BuildKit) does it: one image state per instruction,
 * its history's created_by in that builder's words, the layer cache keyed by the parent
 * state and the instruction (docs/build.md). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "engine/parse/parse.h"
#include "image/build.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "image/registry/registry.h"
#include "image/write.h"
#include "net/net.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "engine/build/steps.h"

static const char *meta_lookup(void *arg, const char *name)
{
  return json_string_value(json_object_get(arg, name));
}

static int from_ref(struct builder *b, struct df_instr *in, char **out, struct td_err **err)
{
  return df_expand(in->args[0], b->df.escape, meta_lookup, b->meta, out, err);
}

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
  if (from_ref(b, from, &ref, err) < 0)
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

/* the stages stage si reads: FROM <stage>, COPY --from=<stage>, RUN --mount=...,from=<stage>;
 * deps has room for n_stages entries; returns how many (each once) */
static size_t stage_deps(struct builder *b, size_t si, size_t *deps)
{
  struct stage *sg = &b->stages[si];
  size_t n = 0;
#define ADD_DEP(o)                                                                                 \
  do {                                                                                             \
    bool seen_ = false;                                                                            \
    for (size_t k_ = 0; k_ < n; k_++)                                                              \
      seen_ |= deps[k_] == (size_t)(o);                                                            \
    if (!seen_)                                                                                    \
      deps[n++] = (size_t)(o);                                                                     \
  } while (0)
  autofree char *ref = NULL;
  autoerr struct td_err *e = NULL;
  if (from_ref(b, &b->df.v[sg->first], &ref, &e) == 0) {
    int o = step_find_stage(b, ref, si);
    if (o >= 0 && b->stages[o].name && strcasecmp(b->stages[o].name, ref) == 0)
      ADD_DEP(o);
  }
  for (size_t i = sg->first + 1; i < sg->end; i++) {
    struct df_instr *in = &b->df.v[i];
    if (in->kind == DF_COPY) {
      const char *f = df_flag(in, "from");
      int o = f ? step_find_stage(b, f, si) : -1;
      if (o >= 0)
        ADD_DEP(o);
    }
    if (in->kind == DF_RUN)
      for (char **fl = in->flags; fl && *fl; fl++) {
        autofree char *from = run_mount_from(*fl);
        int o = from ? step_find_stage(b, from, si) : -1;
        if (o >= 0)
          ADD_DEP(o);
      }
  }
#undef ADD_DEP
  return n;
}

static void mark_needed(struct builder *b, size_t si)
{
  struct stage *sg = &b->stages[si];
  if (sg->needed)
    return;
  sg->needed = true;
  autofree size_t *deps = xcalloc(b->n_stages + 1, sizeof(size_t));
  size_t n = stage_deps(b, si, deps);
  for (size_t k = 0; k < n; k++)
    mark_needed(b, deps[k]);
}

static int plan(struct builder *b, struct td_err **err)
{
  /* meta args: the ARGs before the first FROM */
  size_t i = 0;
  for (; i < b->df.n && b->df.v[i].kind == DF_ARG; i++) {
    struct df_instr *in = &b->df.v[i];
    for (size_t k = 0; k < in->n_kvs; k++) {
      const char *key = in->kvs[k].key;
      json_t *given = json_object_get(b->build_args, key);
      autofree char *def = NULL;
      if (in->kvs[k].value &&
          df_expand(in->kvs[k].value, b->df.escape, meta_lookup, b->meta, &def, err) < 0)
        return -1;
      if (given)
        json_object_set(b->meta, key, given);
      else if (def)
        json_object_set_new(b->meta, key, json_string(def));
      else
        json_object_set_new(b->meta, key, json_null());
      json_object_set_new(b->consumed, key, json_true());
    }
  }
  for (; i < b->df.n; i++) {
    if (b->df.v[i].kind == DF_FROM) {
      b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
      struct stage *sg = &b->stages[b->n_stages++];
      memset(sg, 0, sizeof(*sg));
      sg->first = i;
      if (strv_len(b->df.v[i].args) == 3) {
        sg->name = xstrdup(b->df.v[i].args[2]);
        for (char *c = sg->name; *c; c++)
          *c = (char)tolower((unsigned char)*c);
        for (size_t k = 0; k + 1 < b->n_stages; k++)
          if (b->stages[k].name && strcmp(b->stages[k].name, sg->name) == 0)
            return err_set_exit(err, 1, 0, "dockerfile parse error line %u: duplicate name %s",
                                b->df.v[i].line, sg->name);
      }
    }
    b->stages[b->n_stages - 1].end = i + 1;
  }
  size_t target = b->n_stages - 1;
  if (b->req->target && *b->req->target) {
    int t = -1;
    for (size_t k = 0; k < b->n_stages; k++)
      if (b->stages[k].name && strcasecmp(b->stages[k].name, b->req->target) == 0)
        t = (int)k;
    if (t < 0)
      return err_set_exit(err, 1, 0, "failed to reach build target %s in Dockerfile",
                          b->req->target);
    target = (size_t)t;
  }
  mark_needed(b, target);
  /* refused before anything runs: ADD of a git repository */
  for (size_t k = 0; k < b->n_stages; k++)
    for (size_t j = b->stages[k].first; b->stages[k].needed && j < b->stages[k].end; j++) {
      struct df_instr *in = &b->df.v[j];
      for (size_t a = 0; in->kind == DF_ADD && a + 1 < strv_len(in->args); a++)
        if (url_is_git(in->args[a]))
          return err_set_exit(err, 1, 0,
                              "Dockerfile line %u: ADD %s: a git repository is not supported as "
                              "a source (the builder does not run git)",
                              in->line, in->args[a]);
    }
  b->n_steps = strv_len(b->req->labels) ? 1 : 0;
  for (size_t k = 0; k < b->n_stages; k++)
    if (b->stages[k].needed) {
      b->stages[k].step0 = b->n_steps - (strv_len(b->req->labels) ? 1 : 0);
      b->n_steps += (int)(b->stages[k].end - b->stages[k].first);
    }
  return (int)target;
}

/* the result: tagged, or shown as an untagged image (no longer hidden as build cache) */
static int finish(struct builder *b, const struct bstate *st, char **names, struct td_err **err)
{
  const char *id = st->id;
  int lock = image_store_lock(b->req->root, err);
  if (lock < 0)
    return -1;
  autojson json_t *index = NULL;
  int rc = image_index_read(b->req->root, &index, err);
  json_t *entry = NULL;
  size_t i;
  json_t *e;
  if (rc == 0)
    json_array_foreach (json_object_get(index, "manifests"), i, e) {
      const char *eid = image_entry_id(e);
      if (eid && strcmp(eid, id) == 0) {
        json_object_del(json_object_get(e, "annotations"), IMAGE_ANNOT_BUILD_CACHE);
        entry = e;
      }
    }
  /* a cached state whose entry went (rmi, prune) while its blobs and layers stayed */
  if (rc == 0 && (entry != NULL || st->man != NULL)) {
    autofree char *dg =
        xstrdup(entry ? json_string_value(json_object_get(entry, "digest")) : st->man);
    json_int_t sz =
        entry ? json_integer_value(json_object_get(entry, "size")) : (json_int_t)st->man_size;
    const char *mt = entry ? json_string_value(json_object_get(entry, "mediaType")) : NULL;
    autofree char *mtd = xstrdup(mt ? mt : IMAGE_MT_OCI_MANIFEST);
    image_index_add(index, dg, (uint64_t)sz, mtd, id, names);
  } else if (rc == 0) {
    rc = err_set(err, ENOENT, "the built image %s is gone from the store", id);
  }
  if (rc == 0)
    rc = image_index_write(b->req->root, index, err);
  lock_release(lock);
  return rc;
}

static bool predefined_arg(const char *k)
{
  static const char *const pre[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                    "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                    "ALL_PROXY",  "all_proxy",  NULL};
  for (const char *const *p = pre; *p; p++)
    if (strcmp(*p, k) == 0)
      return true;
  return false;
}

/* the RUN containers a killed build left (their markers ctr-<id> in its work dir) */
static void sweep_containers(struct builder *b, const char *work)
{
  autoclosedir DIR *d = opendir(work);
  struct dirent *de;
  struct rt_ctx rt;
  eng_rt_ctx(&b->ctx, &rt);
  while (d && (de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, "ctr-", 4) != 0)
      continue;
    autoerr struct td_err *e = NULL;
    if (rt_delete(&rt, de->d_name + 4, true, &e) < 0)
      err_warn(&e, "remove a dead build's RUN container %.12s", de->d_name + 4);
    if (net_detach(b->req->root, de->d_name + 4, &e) < 0)
      err_warn(&e, "detach a dead build's RUN container %.12s", de->d_name + 4);
  }
}

/* work dirs of builds whose process is gone (their mounts went with its namespace) */
static void sweep(struct builder *b, const char *root)
{
  autofree char *dir = xasprintf("%s/builds", root);
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    int pid = atoi(de->d_name);
    if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
      continue;
    autofree char *p = xasprintf("%s/%s", dir, de->d_name);
    sweep_containers(b, p);
    autoerr struct td_err *e = NULL;
    if (rm_rf(p, &e) < 0)
      err_warn(&e, "remove a dead build's %s", p);
  }
}

/* a private mount namespace, entered before the build's first mount (a build wholly from the
 * cache mounts nothing): every overlay of the build goes when the build does */
int build_private_ns(struct builder *b, struct td_err **err)
{
  if (b->private_ns)
    return 0;
  b->host_mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (b->host_mntns < 0)
    return err_set(err, errno, "open /proc/self/ns/mnt");
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return err_set(err, errno, "private mount namespace");
  b->private_ns = true;
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
  size_t n = stage_deps(b, si, deps);
  for (size_t k = 0; k < n; k++)
    if (!b->stages[deps[k]].done)
      return false;
  return true;
}

static int build_stages(struct builder *b, size_t target, struct td_err **err)
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
    sweep_containers(b, b->work);
  }
  return rc;
}

static int build_main(struct builder *b, char **id_out, struct td_err **err)
{
  const struct build_req *r = b->req;
  autostrv char **names = NULL;
  if (image_names_full(r->tags, &names, err) < 0)
    return err_set_exit(err, 1, 0, "invalid argument for \"-t, --tag\" flag: %s", err_text(*err));
  for (char **a = r->build_args; a && *a; a++) {
    const char *eq = strchr(*a, '=');
    autofree char *k = eq ? xstrndup(*a, (size_t)(eq - *a)) : xstrdup(*a);
    const char *v = eq ? eq + 1 : getenv(k);
    if (v) /* docker: --build-arg K with K unset in the environment is ignored */
      json_object_set_new(b->build_args, k, json_string(v));
  }
  sweep(b, r->root);
  b->work = xasprintf("%s/builds/%d-XXXXXX", r->root, (int)getpid());
  autofree char *bdir = xasprintf("%s/builds", r->root);
  if (mkdir_p(bdir, 0700, err) < 0)
    return -1;
  if (mkdtemp(b->work) == NULL)
    return err_set(err, errno, "create %s", b->work);
  /* --userns-remap: the RUN steps' runtime reaches their dirs as the remapped root */
  if (b->remap && eng_build_remap_dirs(&b->ctx, b->remap, b->work, err) < 0)
    return -1;
  if (context_open(b, err) < 0)
    return -1;
  autofree char *text = NULL;
  size_t len = 0;
  if (context_dockerfile(b, &text, &len, err) < 0)
    return -1;
  const char *fname = r->file && strcmp(r->file, "-") != 0 ? r->file : "Dockerfile";
  if (df_parse(text, len, fname, &b->df, err) < 0)
    return -1;
  if (b->df.syntax)
    fprintf(stderr, "tinydocker: note: # syntax=%s is ignored: the builder is tinydocker's own\n",
            b->df.syntax);
  int target = plan(b, err);
  if (target < 0)
    return -1;
  if (build_stages(b, (size_t)target, err) < 0)
    return -1;
  struct stage *sg = &b->stages[target];
  b->step = b->n_steps - (strv_len(r->labels) ? 1 : 0);
  if (strv_len(r->labels)) {
    /* docker's classic builder adds the --label values as a last LABEL instruction */
    json_t *cc = step_cfg(sg);
    json_t *l = json_object_get(cc, "Labels");
    if (!json_is_object(l)) {
      l = json_object();
      json_object_set_new(cc, "Labels", l);
    }
    autofree char *msg = xstrdup("LABEL");
    for (char **p = r->labels; *p; p++) {
      const char *eq = strchr(*p, '=');
      autofree char *k = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
      json_object_set_new(l, k, json_string(eq ? eq + 1 : ""));
      char *t = xasprintf("%s %s=%s", msg, k, eq ? eq + 1 : "");
      free(msg);
      msg = t;
    }
    b->step++;
    fprintf(b->out, "Step %d/%d : %s\n", b->step, b->n_steps, msg);
    if (step_meta(b, sg, msg, err) < 0)
      return -1;
    step_print_id(b, sg->st.id);
  }
  if (sg->st.id == NULL)
    return err_set_exit(err, 1, 0, "No image was generated. Is your Dockerfile empty?");
  if (finish(b, &sg->st, names, err) < 0)
    return -1;
  autofree char *unused = NULL;
  const char *k;
  json_t *v;
  json_object_foreach (b->build_args, k, v) {
    if (json_object_get(b->consumed, k) || predefined_arg(k))
      continue;
    char *t = unused ? xasprintf("%s %s", unused, k) : xstrdup(k);
    free(unused);
    unused = t;
  }
  if (unused)
    fprintf(b->out, "[Warning] One or more build-args [%s] were not consumed\n", unused);
  fprintf(b->out, "Successfully built %.12s\n", image_digest_hex(sg->st.id));
  for (char **t = r->tags; t && *t; t++) {
    struct image_ref *pr = NULL;
    autoerr struct td_err *e = NULL;
    if (image_ref_parse(*t, &pr, &e) == 0) {
      autofree char *f = image_ref_familiar(pr);
      fprintf(b->out, "Successfully tagged %s\n", f);
      image_ref_free(pr);
    }
  }
  if (r->iidfile &&
      file_write_atomic(AT_FDCWD, r->iidfile, sg->st.id, strlen(sg->st.id), 0644, err) < 0)
    return err_prefix(err, "write the image ID file");
  *id_out = xstrdup(sg->st.id);
  return 0;
}

int build_run(const struct build_req *req, char **id_out, struct td_err **err)
{
  struct builder b = {
      .req = req, .ctxfd = -1, .watch_fd = -1, .host_mntns = -1, .out_fd = -1, .quiet_fd = -1};
  if (eng_ctx_init(&b.ctx, req->root, false, err) < 0)
    return -1;
  /* --userns-remap (the engine hands it over in $TINYDOCKER_USERNS_REMAP): the RUN steps run
   * as a remapped `run` would, docs/security.md */
  if (eng_build_remap_new(&b.ctx, req->network, &b.remap, err) < 0) {
    (*err)->exit_code = 1; /* a build's errors exit 1, as docker build's */
    eng_ctx_clear(&b.ctx);
    return -1;
  }
  if (progress_begin(&b, err) < 0) {
    eng_ctx_clear(&b.ctx);
    return -1;
  }
  b.meta = json_object();
  b.build_args = json_object();
  b.consumed = json_object();
  int rc = build_main(&b, id_out, err);
  fflush(b.out);
  for (size_t i = 0; i < b.n_stages; i++) {
    bstate_clear(&b.stages[i].st);
    free(b.stages[i].name);
    json_decref(b.stages[i].args);
  }
  free(b.stages);
  watchdog_stop(&b);
  if (b.work) {
    autoerr struct td_err *e = NULL;
    if (rm_rf(b.work, &e) < 0)
      err_warn(&e, "remove the build's work dir");
  }
  progress_end(&b, rc == 0);
  if (b.ctxfd >= 0)
    close(b.ctxfd);
  if (b.host_mntns >= 0)
    close(b.host_mntns);
  free(b.work);
  free(b.ctxdir);
  df_ignore_free(b.ignore);
  df_free(&b.df);
  json_decref(b.meta);
  json_decref(b.build_args);
  json_decref(b.consumed);
  eng_build_remap_free(b.remap);
  eng_ctx_clear(&b.ctx);
  return rc;
}
