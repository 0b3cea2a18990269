/* config.json top level: ociVersion, root, hostname, annotations, and the sections. */
#include <fcntl.h>
#include <string.h>

#include "runtime/spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static int parse_root(json_t *j, const struct sp *p, struct spec *s, struct td_err **err)
{
  json_t *rj = NULL;
  int r = sj_obj(j, p, "root", &rj, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "root");
  r = sj_str(rj, &c, "path", &s->root_path, err);
  if (r < 0)
    return -1;
  if (r == 0 || s->root_path[0] == 0)
    return sp_err(err, &(struct sp){.parent = &c, .key = "path"}, "is required");
  return sj_bool(rj, &c, "readonly", &s->root_readonly, err) < 0 ? -1 : 0;
}

static int parse_top(json_t *j, const struct sp *p, struct spec *s, struct td_err **err)
{
  if (sj_want_obj(j, p, err) < 0)
    return -1;
  if (sj_str(j, p, "ociVersion", &s->oci_version, err) < 0 || parse_root(j, p, s, err) < 0 ||
      sj_str(j, p, "hostname", &s->hostname, err) < 0 ||
      sj_str(j, p, "domainname", &s->domainname, err) < 0 ||
      sj_kv(j, p, "annotations", &s->annotations, &s->n_annotations, err) < 0)
    return -1;
  json_t *v = NULL;
  int r = sj_obj(j, p, "process", &v, err);
  if (r < 0)
    return -1;
  if (r > 0) {
    s->process = xcalloc(1, sizeof(*s->process));
    struct sp c = SP_KEY(p, "process");
    if (spec_parse_process(v, &c, s->process, err) < 0)
      return -1;
  }
  v = NULL;
  r = sj_arr(j, p, "mounts", &v, err);
  if (r < 0)
    return -1;
  if (r > 0) {
    struct sp c = SP_KEY(p, "mounts");
    if (spec_parse_mounts(v, &c, s, err) < 0)
      return -1;
  }
  v = NULL;
  r = sj_obj(j, p, "hooks", &v, err);
  if (r < 0)
    return -1;
  if (r > 0) {
    struct sp c = SP_KEY(p, "hooks");
    if (spec_parse_hooks(v, &c, s, err) < 0)
      return -1;
  }
  v = NULL;
  r = sj_obj(j, p, "linux", &v, err);
  if (r < 0)
    return -1;
  if (r > 0) {
    struct sp c = SP_KEY(p, "linux");
    if (spec_parse_linux(v, &c, &s->linux_, err) < 0)
      return -1;
  }
  return 0;
}

int spec_from_json(json_t *root, struct spec **out, struct td_err **err)
{
  struct spec *s = xcalloc(1, sizeof(*s));
  struct sp p = SP_ROOT;
  if (parse_top(root, &p, s, err) < 0) {
    spec_free(s);
    return err_prefix(err, "config.json");
  }
  *out = s;
  return 0;
}

/* jansson holds integers as int64: a uint64 above that (an rlimit of 2^64-1, "unlimited")
 * is "too big". Such a document is decoded again with integers as doubles; the getters take
 * integral doubles, clamped to the field's range. */
static json_t *load_json(const char *buf, size_t len, json_error_t *jerr)
{
  json_t *j = json_loadb(buf, len, 0, jerr);
  if (j == NULL && strstr(jerr->text, "too big integer"))
    j = json_loadb(buf, len, JSON_DECODE_INT_AS_REAL, jerr);
  return j;
}

static int spec_from_text(const char *path, const char *buf, size_t len, struct spec **out,
                          struct td_err **err)
{
  json_error_t jerr;
  autojson json_t *j = load_json(buf, len, &jerr);
  if (j == NULL)
    return err_set(err, 0, "parse %s: line %d column %d: %s", path, jerr.line, jerr.column,
                   jerr.text);
  return spec_from_json(j, out, err);
}

int spec_load_file(const char *path, struct spec **out, struct td_err **err)
{
  autofree char *buf = NULL;
  size_t len = 0;
  if (file_read_all(AT_FDCWD, path, &buf, &len, err) < 0)
    return -1;
  return spec_from_text(path, buf, len, out, err);
}

int spec_load_file_if(const char *path, const char *word, struct spec **out, struct td_err **err)
{
  *out = NULL;
  autofree char *buf = NULL;
  size_t len = 0;
  if (file_read_all(AT_FDCWD, path, &buf, &len, err) < 0)
    return -1;
  /* a key spelled with \u escapes is the only way to name it without the plain word */
  if (memmem(buf, len, word, strlen(word)) == NULL && memmem(buf, len, "\\u", 2) == NULL)
    return 0;
  return spec_from_text(path, buf, len, out, err);
}
