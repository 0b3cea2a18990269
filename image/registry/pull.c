/* pull: manifest -> config -> layers, downloaded in parallel and unpacked while they stream;
 * blobs are verified (digest and size, and each layer's diff_id) before the image is
 * published in the index, so an interrupted pull leaves no partial image. The store lock is
 * held only for the short store steps; while downloading, an in-flight hold (<root>/pulls/,
 * image/pullhold.c) keeps gc (rmi, prune, another failed pull) off what this pull adds. */
#include "image/registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/build.h"
#include "image/digest.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/registry/blob.h"
#include "image/registry/client.h"
#include "image/registry/manifest.h"
#include "image/registry/progress.h"
#include "image/store.h"
#include "image/write.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define PULL_PARALLEL 4

struct pull_job {
  struct reg_client *c;
  const char *root;
  size_t index;
  const char *digest; /* compressed blob digest from the manifest */
  uint64_t size;
  const char *diff_id;
  const char *parent_chain;
  bool need_unpack, need_blob;
  struct reg_progress *progress;
  struct td_err *err;
  int rc;
};

struct unpack_arg {
  struct pull_job *job;
  int fd;
  struct image_layer layer;
  struct td_err *err;
  int rc;
};

static void *unpack_thread(void *p)
{
  struct unpack_arg *u = p;
  u->rc = image_layer_from_fd(u->job->root, u->fd, u->job->parent_chain, u->job->diff_id, -1,
                              &u->layer, &u->err);
  if (u->rc < 0) { /* drain so the downloader never blocks on a full pipe */
    char buf[65536];
    while (read(u->fd, buf, sizeof(buf)) > 0)
      ;
  }
  close(u->fd);
  return NULL;
}

static void on_bytes(void *ctx, size_t n)
{
  struct pull_job *j = ctx;
  reg_progress_add(j->progress, j->index, n);
}

/* Download one layer blob; tee it to the unpacker through a pipe when needed. */
static int pull_layer(struct pull_job *j, struct td_err **err)
{
  int pfd[2] = {-1, -1};
  pthread_t th;
  struct unpack_arg u = {.job = j, .fd = -1};
  if (j->need_unpack) {
    if (pipe2(pfd, O_CLOEXEC) < 0)
      return err_set(err, errno, "pipe");
    u.fd = pfd[0];
    if (pthread_create(&th, NULL, unpack_thread, &u) != 0) {
      close(pfd[0]);
      close(pfd[1]);
      return err_set(err, EAGAIN, "start unpack thread");
    }
  }
  reg_progress_status(j->progress, j->index, "Downloading");
  struct reg_blob_dl dl = {.digest = j->digest,
                           .size = j->size,
                           .tee_fd = pfd[1],
                           .on_bytes = on_bytes,
                           .on_bytes_ctx = j,
                           .keep = j->need_blob};
  int rc = reg_blob_download(j->c, j->root, &dl, err);
  if (pfd[1] >= 0)
    close(pfd[1]);
  if (j->need_unpack) {
    if (rc == 0)
      reg_progress_status(j->progress, j->index, "Extracting");
    pthread_join(th, NULL);
    if (rc == 0 && u.rc < 0) {
      *err = steal_ptr(u.err);
      rc = err_prefix(err, "layer %s", j->digest);
    }
    err_free(&u.err);
    image_layer_clear(&u.layer);
  }
  if (rc == 0)
    reg_progress_status(j->progress, j->index, "Pull complete");
  return rc;
}

static void *job_thread(void *p)
{
  struct pull_job *j = p;
  j->rc = pull_layer(j, &j->err);
  return NULL;
}

/* Run jobs PULL_PARALLEL at a time; the first error wins. */
static int run_jobs(struct pull_job *jobs, size_t n, struct td_err **err)
{
  int rc = 0;
  for (size_t start = 0; start < n; start += PULL_PARALLEL) {
    size_t end = start + PULL_PARALLEL < n ? start + PULL_PARALLEL : n;
    pthread_t th[PULL_PARALLEL];
    bool started[PULL_PARALLEL] = {false};
    for (size_t i = start; i < end; i++)
      if (jobs[i].need_unpack || jobs[i].need_blob)
        started[i - start] = pthread_create(&th[i - start], NULL, job_thread, &jobs[i]) == 0;
    for (size_t i = start; i < end; i++) {
      if (started[i - start])
        pthread_join(th[i - start], NULL);
      if (jobs[i].rc < 0 && rc == 0) {
        *err = steal_ptr(jobs[i].err);
        rc = -1;
      }
      err_free(&jobs[i].err);
    }
    if (rc < 0)
      return -1;
  }
  return 0;
}

static char *short_digest(const char *d)
{
  return xstrndup(image_digest_hex(d), 12);
}

/* Fetch and verify the config blob; store it. */
static int pull_config(struct reg_client *c, const char *root, json_t *desc, json_t **config,
                       struct td_err **err)
{
  const char *digest = json_string_value(json_object_get(desc, "digest"));
  json_int_t size = json_integer_value(json_object_get(desc, "size"));
  if (!image_digest_valid(digest) || size <= 0 || size > (16 << 20))
    return err_set(err, EINVAL, "manifest: bad config descriptor");
  struct reg_blob_dl dl = {.digest = digest, .size = (uint64_t)size, .tee_fd = -1, .keep = true};
  if (reg_blob_download(c, root, &dl, err) < 0)
    return err_prefix(err, "config %s", digest);
  if (image_blob_read_json(root, digest, config, err) < 0)
    return -1;
  return 0;
}

struct pull_ctx {
  const char *root;
  struct image_ref *ref;
  struct reg_client c;
  struct reg_manifest m;
  json_t *config;
  char **chains;
  struct pull_job *jobs;
  size_t n;
  char *hold; /* <root>/pulls/<pid>-<r>: what this pull adds, kept from gc */
};

static int plan_layers(struct pull_ctx *p, struct reg_progress *prog, struct td_err **err)
{
  json_t *layers = json_object_get(p->m.json, "layers");
  json_t *diff_ids = json_object_get(json_object_get(p->config, "rootfs"), "diff_ids");
  p->n = json_array_size(layers);
  if (!json_is_array(layers) || !json_is_array(diff_ids) || json_array_size(diff_ids) != p->n)
    return err_set(err, EINVAL, "manifest has %zu layers but the config %zu diff_ids", p->n,
                   json_array_size(diff_ids));
  if (image_chain_ids(diff_ids, &p->chains, err) < 0)
    return -1;
  p->jobs = xcalloc(p->n ? p->n : 1, sizeof(struct pull_job));
  for (size_t i = 0; i < p->n; i++) {
    json_t *l = json_array_get(layers, i);
    struct pull_job *j = &p->jobs[i];
    j->c = &p->c;
    j->root = p->root;
    j->index = i;
    j->progress = prog;
    j->digest = json_string_value(json_object_get(l, "digest"));
    json_int_t size = json_integer_value(json_object_get(l, "size"));
    j->diff_id = json_string_value(json_array_get(diff_ids, i));
    if (!image_digest_valid(j->digest) || size < 0 || !image_digest_valid(j->diff_id))
      return err_set(err, EINVAL, "manifest: bad layer descriptor %zu", i);
    j->size = (uint64_t)size;
    j->parent_chain = i ? p->chains[i - 1] : NULL;
    j->need_unpack = !image_layer_present(p->root, p->chains[i]);
    autofree char *blob = image_blob_path(p->root, j->digest);
    j->need_blob = access(blob, F_OK) != 0;
    autofree char *label = short_digest(j->digest);
    reg_progress_row(prog, i, label, j->size);
    reg_progress_status(prog, i,
                        j->need_unpack || j->need_blob ? "Pulling fs layer" : "Already exists");
  }
  return 0;
}

/* Everything the pull needs is in the store (held since the plan, so no gc removed it). */
static int check_present(struct pull_ctx *p, struct td_err **err)
{
  const char *cd =
      json_string_value(json_object_get(json_object_get(p->m.json, "config"), "digest"));
  autofree char *cpath = image_blob_path(p->root, cd);
  if (access(cpath, F_OK) != 0)
    return err_set(err, ENOENT, "config %s vanished from the store", cd);
  for (size_t i = 0; i < p->n; i++) {
    if (!image_layer_present(p->root, p->chains[i]))
      return err_set(err, ENOENT, "layer %s vanished from the store", p->chains[i]);
    autofree char *blob = image_blob_path(p->root, p->jobs[i].digest);
    if (p->jobs[i].need_blob && access(blob, F_OK) != 0)
      return err_set(err, ENOENT, "blob %s vanished from the store", p->jobs[i].digest);
  }
  return 0;
}

static int publish(struct pull_ctx *p, struct td_err **err)
{
  if (check_present(p, err) < 0)
    return -1;
  char *digest = NULL;
  if (image_blob_put(p->root, p->m.bytes, p->m.len, &digest, err) < 0)
    return -1;
  free(digest);
  autojson json_t *index = NULL;
  if (image_index_read(p->root, &index, err) < 0)
    return -1;
  const char *config_digest =
      json_string_value(json_object_get(json_object_get(p->m.json, "config"), "digest"));
  autofree char *name = image_ref_full(p->ref);
  char *names[2] = {p->ref->tag ? name : NULL, NULL};
  image_index_add(index, p->m.digest, p->m.len, p->m.media_type, config_digest, names);
  return image_index_write(p->root, index, err);
}

static void pull_ctx_clear(struct pull_ctx *p)
{
  image_ref_free(p->ref);
  reg_client_clear(&p->c);
  reg_manifest_clear(&p->m);
  json_decref(p->config);
  strv_free(p->chains);
  free(p->jobs);
  free(p->hold);
}

/* Under the store lock: hold the config blob this pull is about to download. */
static int hold_config(struct pull_ctx *p, struct td_err **err)
{
  const char *cd =
      json_string_value(json_object_get(json_object_get(p->m.json, "config"), "digest"));
  if (!image_digest_valid(cd))
    return err_set(err, EINVAL, "manifest: bad config descriptor");
  int lock = image_store_lock_clean(p->root, err); /* also what dead pulls left */
  if (lock < 0)
    return -1;
  autojson json_t *blobs = json_pack("[s]", cd);
  autojson json_t *layers = json_array();
  int rc = image_pull_hold(p->root, &p->hold, blobs, layers, err);
  lock_release(lock);
  return rc;
}

/* Under the store lock: plan what is missing and hold every blob and layer of the image. */
static int plan_and_hold(struct pull_ctx *p, struct reg_progress *prog, struct td_err **err)
{
  int lock = image_store_lock(p->root, err);
  if (lock < 0)
    return -1;
  int rc = plan_layers(p, prog, err);
  if (rc == 0) {
    autojson json_t *blobs = json_pack(
        "[s]", json_string_value(json_object_get(json_object_get(p->m.json, "config"), "digest")));
    autojson json_t *layers = json_array();
    for (size_t i = 0; i < p->n; i++) {
      json_array_append_new(blobs, json_string(p->jobs[i].digest));
      json_array_append_new(layers, json_string(p->chains[i]));
    }
    rc = image_pull_hold(p->root, &p->hold, blobs, layers, err);
  }
  lock_release(lock);
  return rc;
}

/* Under the store lock: publish (or, on failure, drop what nothing references) and drop the
 * hold. */
static int pull_finish(struct pull_ctx *p, int rc, struct td_err **err)
{
  autoerr struct td_err *lerr = NULL;
  int lock = image_store_lock(p->root, rc == 0 ? err : &lerr);
  if (lock < 0) {
    image_pull_unhold(&p->hold); /* the next lock taker removes what it held */
    return -1;
  }
  if (rc == 0)
    rc = publish(p, err);
  image_pull_unhold(&p->hold);
  if (rc < 0) { /* whatever was stored for this pull and is not referenced goes away */
    autoerr struct td_err *gcerr = NULL;
    autojson json_t *index = NULL;
    if (image_index_read(p->root, &index, &gcerr) == 0)
      image_gc(p->root, index, NULL, NULL, &gcerr);
  }
  lock_release(lock);
  return rc;
}

/* The store lock is taken only for the short store steps (hold, plan, publish): never across
 * the downloads and unpacks, which go to temp names and are renamed into place. */
static int pull_store(struct pull_ctx *p, const struct registry_opts *o, FILE *out,
                      struct td_err **err)
{
  if (hold_config(p, err) < 0) {
    image_pull_unhold(&p->hold);
    return -1;
  }
  json_t *cdesc = json_object_get(p->m.json, "config");
  int rc = pull_config(&p->c, p->root, cdesc, &p->config, err);
  if (rc == 0) {
    struct reg_progress *prog =
        reg_progress_new(out, json_array_size(json_object_get(p->m.json, "layers")), o->quiet);
    rc = plan_and_hold(p, prog, err);
    if (rc == 0)
      rc = run_jobs(p->jobs, p->n, err);
    reg_progress_free(prog);
  }
  return pull_finish(p, rc, err);
}

static int pull_run(struct pull_ctx *p, const char *ref, const struct registry_opts *o, FILE *out,
                    struct td_err **err)
{
  if (image_ref_parse(ref, &p->ref, err) < 0)
    return -1;
  if (image_store_init(p->root, err) < 0)
    return -1;
  if (reg_client_init(&p->c, p->root, p->ref->domain, p->ref->path, "pull", o->insecure, err) < 0)
    return -1;
  const char *reference = p->ref->digest ? p->ref->digest : p->ref->tag;
  if (!o->quiet)
    fprintf(out, "%s: Pulling from %s\n", reference, p->ref->path);
  if (reg_manifest_fetch(&p->c, reference, o->platform, &p->m, err) < 0)
    return -1;
  if (pull_store(p, o, out, err) < 0)
    return -1;
  autofree char *familiar = image_ref_familiar(p->ref);
  autofree char *full = image_ref_full(p->ref);
  if (!o->quiet) {
    fprintf(out, "Digest: %s\n", p->m.digest);
    fprintf(out, "Status: Downloaded newer image for %s\n", familiar);
  }
  if (!o->no_ref_line)
    fprintf(out, "%s\n", full);
  return 0;
}

int registry_pull(const char *root, const char *ref, const struct registry_opts *o, FILE *out,
                  struct td_err **err)
{
  struct pull_ctx p = {.root = root};
  int rc = pull_run(&p, ref, o, out, err);
  if (rc < 0)
    err_prefix(err, "pull %s", ref);
  else
    events_log(root, "image", "pull", ref, "name", ref, NULL);
  pull_ctx_clear(&p);
  return rc;
}
