/* `tinydocker build`: the stages the target needs, each instruction dispatched as docker's
 * classic builder (docker 20.10 without BuildKit) does it: one image state per instruction,
 * its history's created_by in that builder's words, the layer cache keyed by the parent
 * state and the instruction (docs/build.md). This file drives it: the --build-arg values, the
 * work dir (the dead builds' swept first), the Dockerfile, the plan (plan.c), the stages
 * (stages.c), the --label step, the result tagged and the unused build args warned of. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "image/build.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "image/write.h"
#include "net/net.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "engine/build/steps.h"

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
void build_sweep_containers(struct builder *b, const char *work)
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
    build_sweep_containers(b, p);
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
  int target = build_plan(b, err);
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
