/* push: every blob the registry lacks (HEAD first), then the manifest under the tag. */
#include "image/registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "image/registry/blob.h"
#include "image/registry/client.h"
#include "image/registry/progress.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

struct push_ctx {
  const char *root;
  struct image_ref *ref;
  struct reg_client c;
  char *manifest; /* exact bytes */
  size_t manifest_len;
  char *manifest_digest;
  char *media_type;
  json_t *manifest_json;
  bool bare; /* the error is docker's own line, without our context */
};

struct progress_ctx {
  struct reg_progress *p;
  size_t i;
};

static void on_bytes(void *ctx, size_t n)
{
  struct progress_ctx *pc = ctx;
  reg_progress_add(pc->p, pc->i, n);
}

static int push_blob(struct push_ctx *p, json_t *desc, struct reg_progress *prog, size_t i,
                     struct td_err **err)
{
  const char *digest = json_string_value(json_object_get(desc, "digest"));
  if (!image_digest_valid(digest))
    return err_set(err, EINVAL, "manifest %s: bad descriptor", p->manifest_digest);
  autofree char *label = xstrndup(image_digest_hex(digest), 12);
  reg_progress_row(prog, i, label, (uint64_t)json_integer_value(json_object_get(desc, "size")));
  bool exists = false;
  if (reg_blob_exists(&p->c, digest, &exists, err) < 0)
    return -1;
  if (exists) {
    reg_progress_status(prog, i, "Layer already exists");
    return 0;
  }
  reg_progress_status(prog, i, "Pushing");
  struct progress_ctx pc = {.p = prog, .i = i};
  if (reg_blob_upload(&p->c, p->root, digest, on_bytes, &pc, err) < 0)
    return -1;
  reg_progress_status(prog, i, "Pushed");
  return 0;
}

static int load_local(struct push_ctx *p, struct td_err **err)
{
  autojson json_t *index = NULL;
  if (image_index_read(p->root, &index, err) < 0)
    return -1;
  autofree char *full = image_ref_full(p->ref);
  json_t *entry = NULL;
  autofree char *matched = NULL;
  if (image_index_find(index, full, &entry, &matched, err) < 0 || entry == NULL) {
    /* docker's words: the repository's familiar name, bare, exit 1 */
    autofree char *fam = image_ref_familiar_repo(p->ref);
    err_free(err);
    err_set_exit(err, 1, 0, "An image does not exist locally with the tag: %s", fam);
    p->bare = true;
    return err_mark(err, ERR_BARE);
  }
  p->manifest_digest = xstrdup(json_string_value(json_object_get(entry, "digest")));
  const char *mt = json_string_value(json_object_get(entry, "mediaType"));
  p->media_type = xstrdup(mt ? mt : IMAGE_MT_OCI_MANIFEST);
  autofree char *path = image_blob_path(p->root, p->manifest_digest);
  if (file_read_all(AT_FDCWD, path, &p->manifest, &p->manifest_len, err) < 0)
    return -1;
  p->manifest_json = json_loadb(p->manifest, p->manifest_len, 0, NULL);
  if (!json_is_object(p->manifest_json))
    return err_set(err, EINVAL, "manifest %s is not valid JSON", p->manifest_digest);
  return 0;
}

static int put_manifest(struct push_ctx *p, struct td_err **err)
{
  autofree char *url = xasprintf("/v2/%s/manifests/%s", p->c.repo, p->ref->tag);
  struct reg_req r = {.method = "PUT",
                      .url = url,
                      .content_type = p->media_type,
                      .body = p->manifest,
                      .body_len = p->manifest_len};
  struct reg_resp resp = {0};
  if (reg_do(&p->c, &r, &resp, err) < 0)
    return -1;
  if (resp.status != 201 && resp.status != 200) {
    autofree char *why = reg_error_text(&resp);
    reg_resp_clear(&resp);
    return err_set(err, EIO, "put manifest: %s", why);
  }
  reg_resp_clear(&resp);
  return 0;
}

static int push_run(struct push_ctx *p, const char *ref, const struct registry_opts *o, FILE *out,
                    struct td_err **err)
{
  if (image_ref_parse(ref, &p->ref, err) < 0)
    return -1;
  if (p->ref->tag == NULL)
    return err_set(err, EINVAL, "push needs a tag, not only a digest");
  autofree char *full_repo = xasprintf("%s/%s", p->ref->domain, p->ref->path);
  /* docker names the repository first, even when the image is not there */
  if (!o->quiet)
    fprintf(out, "The push refers to repository [%s]\n", full_repo);
  fflush(out);
  if (load_local(p, err) < 0)
    return -1;
  if (reg_client_init(&p->c, p->root, p->ref->domain, p->ref->path, "pull,push", o->insecure, err) <
      0)
    return -1;
  json_t *layers = json_object_get(p->manifest_json, "layers");
  size_t n = json_array_size(layers);
  struct reg_progress *prog = reg_progress_new(out, n + 1, o->quiet);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = push_blob(p, json_array_get(layers, i), prog, i, err);
  if (rc == 0)
    rc = push_blob(p, json_object_get(p->manifest_json, "config"), prog, n, err);
  reg_progress_free(prog);
  if (rc == 0)
    rc = put_manifest(p, err);
  if (rc == 0)
    fprintf(out, "%s: digest: %s size: %zu\n", p->ref->tag, p->manifest_digest, p->manifest_len);
  return rc;
}

int registry_push(const char *root, const char *ref, const struct registry_opts *o, FILE *out,
                  struct td_err **err)
{
  struct push_ctx p = {.root = root};
  int rc = push_run(&p, ref, o, out, err);
  if (rc < 0 && !p.bare)
    err_prefix(err, "push %s", ref);
  image_ref_free(p.ref);
  reg_client_clear(&p.c);
  free(p.manifest);
  free(p.manifest_digest);
  free(p.media_type);
  json_decref(p.manifest_json);
  return rc;
}
