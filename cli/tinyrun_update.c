/* update: new resource limits from --resources (LinuxResources JSON) and the flags. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tinyrun.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

struct update_flags {
  const char *resources, *memory, *swap, *reservation, *shares, *quota, *period, *cpus, *mems,
      *pids, *blkio;
};

static int load_resources(const char *path, json_t **out, struct td_err **err)
{
  if (path == NULL) {
    *out = json_object();
    return 0;
  }
  if (strcmp(path, "-") == 0) {
    json_error_t je;
    *out = json_loadf(stdin, 0, &je);
    return *out ? 0 : err_set(err, 0, "parse resources from stdin: %s", je.text);
  }
  return file_read_json(AT_FDCWD, path, out, err);
}

/* Set obj[section][key] to the integer in v (with a k/m/g suffix for sizes). */
static int put_int(json_t *res, const char *section, const char *key, const char *v,
                   struct td_err **err)
{
  if (v == NULL)
    return 0;
  char *end = NULL;
  long long n = strtoll(v, &end, 10);
  if (end == v)
    return err_set(err, 0, "invalid value for %s.%s: %s", section, key, v);
  switch (*end) {
  case 'k':
  case 'K':
    n *= 1024;
    end++;
    break;
  case 'm':
  case 'M':
    n *= 1024 * 1024;
    end++;
    break;
  case 'g':
  case 'G':
    n *= 1024LL * 1024 * 1024;
    end++;
    break;
  default:
    break;
  }
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end)
    return err_set(err, 0, "invalid value for %s.%s: %s", section, key, v);
  json_t *sec = json_object_get(res, section);
  if (sec == NULL) {
    sec = json_object();
    json_object_set_new(res, section, sec);
  }
  json_object_set_new(sec, key, json_integer(n));
  return 0;
}

static void put_str(json_t *res, const char *section, const char *key, const char *v)
{
  if (v == NULL)
    return;
  json_t *sec = json_object_get(res, section);
  if (sec == NULL) {
    sec = json_object();
    json_object_set_new(res, section, sec);
  }
  json_object_set_new(sec, key, json_string(v));
}

static int build(const struct update_flags *f, json_t *res, struct td_err **err)
{
  if (put_int(res, "memory", "limit", f->memory, err) < 0 ||
      put_int(res, "memory", "swap", f->swap, err) < 0 ||
      put_int(res, "memory", "reservation", f->reservation, err) < 0 ||
      put_int(res, "cpu", "shares", f->shares, err) < 0 ||
      put_int(res, "cpu", "quota", f->quota, err) < 0 ||
      put_int(res, "cpu", "period", f->period, err) < 0 ||
      put_int(res, "pids", "limit", f->pids, err) < 0 ||
      put_int(res, "blockIO", "weight", f->blkio, err) < 0)
    return -1;
  put_str(res, "cpu", "cpus", f->cpus);
  put_str(res, "cpu", "mems", f->mems);
  return 0;
}

static int do_update(const struct rt_ctx *ctx, const char *id, const struct update_flags *f,
                     struct td_err **err)
{
  autojson json_t *res = NULL;
  if (load_resources(f->resources, &res, err) < 0 || build(f, res, err) < 0)
    return -1;
  /* parse through the spec parser so that the same validation applies */
  autojson json_t *doc = json_pack("{s:s, s:{s:s}, s:{s:O}}", "ociVersion", "1.2.0", "root", "path",
                                   "rootfs", "linux", "resources", res);
  spec_autofree struct spec *s = NULL;
  if (doc == NULL)
    return err_set(err, 0, "resources must be a JSON object");
  if (spec_from_json(doc, &s, err) < 0)
    return -1;
  if (s->linux_.resources == NULL)
    return 0;
  return rt_update(ctx, id, s->linux_.resources, err);
}

int tr_cmd_update(const struct rt_ctx *ctx, int argc, char **argv)
{
  struct update_flags f = {0};
  const char *unused = NULL;
  const struct tr_flag flags[] = {
      {"resources", 'r', TR_STR, &f.resources}, {"memory", 0, TR_STR, &f.memory},
      {"memory-swap", 0, TR_STR, &f.swap},      {"memory-reservation", 0, TR_STR, &f.reservation},
      {"kernel-memory", 0, TR_STR, &unused},    {"kernel-memory-tcp", 0, TR_STR, &unused},
      {"cpu-shares", 0, TR_STR, &f.shares},     {"cpu-quota", 0, TR_STR, &f.quota},
      {"cpu-period", 0, TR_STR, &f.period},     {"cpuset-cpus", 0, TR_STR, &f.cpus},
      {"cpuset-mems", 0, TR_STR, &f.mems},      {"pids-limit", 0, TR_STR, &f.pids},
      {"blkio-weight", 0, TR_STR, &f.blkio},    {NULL, 0, TR_BOOL, NULL},
  };
  autofree char **pos = NULL;
  bool help = false;
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, &pos, &help, &err) < 0)
    return tr_fail(&err);
  if (help)
    return tr_usage(argv[0]);
  if (pos[0] == NULL || pos[1]) {
    err_set(&err, 0, "\"update\" requires exactly 1 argument");
    return tr_fail(&err);
  }
  return do_update(ctx, pos[0], &f, &err) < 0 ? tr_fail(&err) : 0;
}
