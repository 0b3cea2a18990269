#include "image/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image.h"
#include "image/sha256.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

bool image_digest_valid(const char *d)
{
  if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
    return false;
  for (const char *p = d + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

const char *image_digest_hex(const char *d)
{
  const char *c = strchr(d, ':');
  return c ? c + 1 : d;
}

char *image_store_dir(const char *root)
{
  return xasprintf("%s/images", root);
}

char *image_blob_path(const char *root, const char *digest)
{
  return xasprintf("%s/images/blobs/sha256/%s", root, image_digest_hex(digest));
}

char *image_layer_dir(const char *root, const char *chain_id)
{
  return xasprintf("%s/layers/%s", root, image_digest_hex(chain_id));
}

int image_store_init(const char *root, struct td_err **err)
{
  autofree char *blobs = xasprintf("%s/images/blobs/sha256", root);
  autofree char *layers = xasprintf("%s/layers", root);
  autofree char *tmp = xasprintf("%s/tmp", root);
  if (mkdir_p(blobs, 0700, err) < 0 || mkdir_p(layers, 0700, err) < 0 ||
      mkdir_p(tmp, 0700, err) < 0)
    return err_prefix(err, "create image store");
  autofree char *layout = xasprintf("%s/images/oci-layout", root);
  static const char layout_json[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  if (access(layout, F_OK) < 0 &&
      file_write_atomic(AT_FDCWD, layout, layout_json, strlen(layout_json), 0644, err) < 0)
    return -1;
  autofree char *index = xasprintf("%s/images/index.json", root);
  if (access(index, F_OK) < 0) {
    autojson json_t *j = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType",
                                   IMAGE_MT_OCI_INDEX, "manifests");
    if (file_write_json(AT_FDCWD, index, j, 0644, err) < 0)
      return -1;
  }
  return 0;
}

/* Temp files of atomic writes (util/fileio.c: "<name>.tmp.<pid>") whose writer is gone: a
 * kill -9 between their create and their rename (index.json's, tests/crash/crash.sh). */
static void sweep_dead_tmp(const char *dir)
{
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    const char *t = strstr(de->d_name, ".tmp.");
    if (t == NULL || t == de->d_name)
      continue;
    char *end;
    long pid = strtol(t + 5, &end, 10);
    if (*end != '\0' || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
      continue;
    unlinkat(dirfd(d), de->d_name, 0);
  }
}

char *image_tmp_template(const char *root, const char *dir, const char *kind)
{
  return xasprintf("%s/%s/%s-%d-XXXXXX", root, dir, kind, (int)getpid());
}

/* Whether a temp entry ("<kind>-<pid>-<random>", image_tmp_template) belongs to a dead
 * process; one without a pid (an older version's) counts as dead. */
static bool tmp_owner_dead(const char *name)
{
  const char *dash = strchr(name, '-');
  if (dash == NULL)
    return true;
  char *end;
  long pid = strtol(dash + 1, &end, 10);
  if (end == dash + 1 || *end != '-' || pid <= 0)
    return true;
  return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void image_tmp_sweep(const char *root)
{
  static const char *const dirs[] = {"tmp", "exports"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
    autofree char *dir = xasprintf("%s/%s", root, dirs[i]);
    autoclosedir DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
      if (de->d_name[0] == '.' || !tmp_owner_dead(de->d_name))
        continue;
      autofree char *p = xasprintf("%s/%s", dir, de->d_name);
      autoerr struct td_err *e = NULL;
      rm_rf(p, &e); /* FTW_MOUNT: an export's mount went with its process's namespace */
    }
  }
}

int image_store_lock(const char *root, struct td_err **err)
{
  if (image_store_init(root, err) < 0)
    return -1;
  autofree char *p = xasprintf("%s/images/.lock", root);
  int lock = lock_acquire(p, "the image store", err);
  if (lock >= 0) {
    autofree char *images = xasprintf("%s/images", root);
    sweep_dead_tmp(images);
    image_tmp_sweep(root);
    image_pull_holds(root, NULL, NULL); /* removes dead pulls' holds */
  }
  return lock;
}

int image_index_read(const char *root, json_t **out, struct td_err **err)
{
  autofree char *p = xasprintf("%s/images/index.json", root);
  if (access(p, F_OK) < 0 && errno == ENOENT) {
    *out = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType", IMAGE_MT_OCI_INDEX,
                     "manifests");
    return 0;
  }
  if (file_read_json(AT_FDCWD, p, out, err) < 0)
    return err_prefix(err, "read image index");
  if (!json_is_array(json_object_get(*out, "manifests"))) {
    json_decref(*out);
    *out = NULL;
    return err_set(err, EINVAL, "read image index %s: no manifests array", p);
  }
  return 0;
}

int image_index_write(const char *root, json_t *index, struct td_err **err)
{
  autofree char *p = xasprintf("%s/images/index.json", root);
  return file_write_json(AT_FDCWD, p, index, 0644, err);
}

int image_blob_read_json(const char *root, const char *digest, json_t **out, struct td_err **err)
{
  if (!image_digest_valid(digest))
    return err_set(err, EINVAL, "invalid digest \"%s\"", digest ? digest : "");
  autofree char *p = image_blob_path(root, digest);
  return file_read_json(AT_FDCWD, p, out, err);
}

int image_chain_ids(json_t *diff_ids, char ***out, struct td_err **err)
{
  if (!json_is_array(diff_ids))
    return err_set(err, EINVAL, "image config has no rootfs.diff_ids");
  autostrv char **v = xcalloc(1, sizeof(char *));
  size_t i;
  json_t *d;
  char prev[72] = "";
  json_array_foreach (diff_ids, i, d) {
    const char *s = json_string_value(d);
    if (!image_digest_valid(s))
      return err_set(err, EINVAL, "image config: bad diff_id \"%s\"", s ? s : "");
    char hex[65];
    if (i == 0) {
      snprintf(prev, sizeof(prev), "%s", s);
    } else {
      autofree char *in = xasprintf("%s %s", prev, s);
      image_sha256_str(in, hex);
      snprintf(prev, sizeof(prev), "sha256:%s", hex);
    }
    strv_push(&v, prev);
  }
  *out = steal_ptr(v);
  return 0;
}

const char *image_entry_name(json_t *entry)
{
  return json_string_value(json_object_get(json_object_get(entry, "annotations"), IMAGE_ANNOT_REF));
}

const char *image_entry_id(json_t *entry)
{
  return json_string_value(json_object_get(json_object_get(entry, "annotations"), IMAGE_ANNOT_ID));
}

static bool is_hex_prefix(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > 64)
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

/* Match by image ID or unique ID prefix; ambiguous prefixes are an error. */
static int find_by_id(json_t *index, const char *ref, json_t **entry, struct td_err **err)
{
  const char *want = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
  if (!is_hex_prefix(want))
    return 0;
  size_t wl = strlen(want), i;
  json_t *e, *found = NULL;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *id = image_entry_id(e);
    if (id == NULL || strncmp(image_digest_hex(id), want, wl) != 0)
      continue;
    if (found && strcmp(image_entry_id(found), id) != 0)
      return err_set(err, EINVAL, "image ID prefix \"%s\" is ambiguous", ref);
    if (!found)
      found = e;
  }
  *entry = found;
  return found ? 1 : 0;
}

int image_index_find(json_t *index, const char *ref, json_t **entry, char **matched_name,
                     struct td_err **err)
{
  *entry = NULL;
  if (matched_name)
    *matched_name = NULL;
  if (strlen(ref) == 71 && image_digest_valid(ref)) {
    int r = find_by_id(index, ref, entry, err);
    if (r < 0)
      return -1;
    if (r > 0)
      return 0;
    return err_set_exit(err, 1, 0, "No such image: %s", ref);
  }
  struct image_ref *pr = NULL;
  autoerr struct td_err *perr = NULL;
  if (image_ref_parse(ref, &pr, &perr) == 0) {
    autofree char *full = pr->digest ? NULL : image_ref_full(pr); /* a digest wins over a tag */
    size_t i;
    json_t *e;
    json_array_foreach (json_object_get(index, "manifests"), i, e) {
      const char *name = image_entry_name(e);
      const char *dg = json_string_value(json_object_get(e, "digest"));
      bool hit = full ? (name && strcmp(name, full) == 0) : (dg && strcmp(dg, pr->digest) == 0);
      if (hit) {
        *entry = e;
        if (matched_name && name)
          *matched_name = xstrdup(name);
        image_ref_free(pr);
        return 0;
      }
    }
  }
  image_ref_free(pr);
  int r = find_by_id(index, ref, entry, err);
  if (r < 0)
    return -1;
  if (r > 0)
    return 0;
  if (perr)
    return err_set_exit(err, 1, 0, "%s", err_text(perr));
  return err_set_exit(err, 1, 0, "No such image: %s", ref);
}

bool image_err_is_not_found(struct td_err *e)
{
  return e && e->msg && strstr(e->msg, "No such image: ") != NULL;
}
