/* --storage-opt: docker's overlay2 driver (CreateReadWrite, parseStorageOpt, SetQuota) in its
 * order and words: "size" on a store without project quotas is refused before anything else,
 * then every key is parsed ("size" with go-units' RAMInBytes, any other key refused), and a
 * size above 0 becomes a project quota on the container's upper and work dirs (image/quota.h). */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "engine/container/internal.h"
#include "engine/parse/parse.h"
#include "image/quota.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static bool is_size_key(const char *opt)
{
  return strncasecmp(opt, "size=", 5) == 0;
}

int eng_storage_check(const struct eng_ctx *ctx, const struct eng_run_req *req, uint64_t *size,
                      struct td_err **err)
{
  *size = 0;
  bool has_size = false;
  for (char **o = req->storage_opts; o && *o; o++)
    has_size |= is_size_key(*o);
  if (has_size) {
    int ok = quota_probe(ctx->ctr_dir, err);
    if (ok < 0)
      return -1;
    if (ok == 0)
      return err_set(err, 0,
                     "--storage-opt is supported only for overlay over xfs with 'pquota' mount "
                     "option");
  }
  for (char **o = req->storage_opts; o && *o; o++) {
    const char *eq = strchr(*o, '=');
    autofree char *key = xstrndup(*o, eq ? (size_t)(eq - *o) : strlen(*o));
    for (char *c = key; *c; c++)
      *c = (char)tolower((unsigned char)*c);
    if (strcmp(key, "size") != 0) /* docker's API trims the message: no space before "" */
      return err_set(err, 0, "Unknown option%s%s", *key ? " " : "", key);
    int64_t v = 0;
    if (eng_parse_size(eq ? eq + 1 : "", &v, err) < 0)
      return -1;
    *size = (uint64_t)v;
  }
  if (*size > 0 && req->rootfs)
    return err_set(err, 0, "--storage-opt size is not supported with --rootfs");
  return 0;
}

int eng_storage_apply(const struct eng_ctx *ctx, const char *dir, uint64_t size,
                      struct td_err **err)
{
  autofree char *upper = xasprintf("%s/upper", dir);
  autofree char *work = xasprintf("%s/work", dir);
  const char *const dirs[] = {upper, work, NULL};
  uint32_t id = 0;
  if (quota_apply(ctx->ctr_dir, dirs, size, &id, err) < 0)
    return err_prefix(err, "--storage-opt size");
  return 0;
}

void eng_storage_release(const char *dir)
{
  autofree char *upper = xasprintf("%s/upper", dir);
  autoerr struct td_err *e = NULL;
  if (quota_release(upper, &e) < 0)
    err_warn(&e, "remove the quota of %s", upper);
}

/* The ioctls that change a file's project id or drop FS_XFLAG_PROJINHERIT (a file or directory
 * moved out of the container's project escapes its limit): root in a container owns its files,
 * and outside a user namespace the kernel lets an owner change both (fileattr_set_prepare). */
static const uint32_t quota_ioctls[] = {
    0x401c5820u, /* FS_IOC_FSSETXATTR (XFS_IOC_FSSETXATTR, EXT4_IOC_FSSETXATTR) */
    0x40086602u, /* FS_IOC_SETFLAGS (FS_PROJINHERIT_FL) */
    0x40046602u, /* FS_IOC32_SETFLAGS */
};

static bool prefix_blocked(uint32_t p, unsigned len)
{
  uint32_t mask = len ? 0xffffffffu << (32 - len) : 0;
  for (size_t i = 0; i < sizeof(quota_ioctls) / sizeof(quota_ioctls[0]); i++)
    if ((quota_ioctls[i] & mask) == p)
      return true;
  return false;
}

/* Every 32-bit request but quota_ioctls, as ALLOW rules on (arg1 & mask) == prefix: seccomp
 * compares 64 bits and the kernel truncates an ioctl's request to 32, so only a mask of the low
 * word matches what the kernel acts on; an unconditional ALLOW would win over any narrower rule
 * in libseccomp, so ioctl's own allow goes and these ORed rules replace it. */
static void cover(json_t *calls, uint32_t p, unsigned len)
{
  if (!prefix_blocked(p, len)) {
    uint32_t mask = len ? 0xffffffffu << (32 - len) : 0;
    json_array_append_new(calls,
                          json_pack("{s:[s],s:s,s:[{s:i,s:I,s:I,s:s}]}", "names", "ioctl", "action",
                                    "SCMP_ACT_ALLOW", "args", "index", 1, "value", (json_int_t)mask,
                                    "valueTwo", (json_int_t)p, "op", "SCMP_CMP_MASKED_EQ"));
    return;
  }
  if (len == 32)
    return;
  cover(calls, p, len + 1);
  cover(calls, p | (1u << (31 - len)), len + 1);
}

/* Remove "ioctl" from the unconditional ALLOW entries; true when one had it. */
static bool drop_plain_ioctl(json_t *calls)
{
  bool found = false;
  size_t i;
  json_t *sc;
  json_array_foreach (calls, i, sc) {
    const char *act = json_string_value(json_object_get(sc, "action"));
    if (!act || strcmp(act, "SCMP_ACT_ALLOW") != 0 || json_array_size(json_object_get(sc, "args")))
      continue;
    json_t *names = json_object_get(sc, "names");
    for (size_t j = json_array_size(names); j-- > 0;) {
      const char *n = json_string_value(json_array_get(names, j));
      if (n && strcmp(n, "ioctl") == 0) {
        json_array_remove(names, j);
        found = true;
      }
    }
  }
  return found;
}

void eng_storage_seccomp(json_t *spec)
{
  json_t *seccomp = json_object_get(json_object_get(spec, "linux"), "seccomp");
  json_t *calls = json_object_get(seccomp, "syscalls");
  if (!json_is_array(calls) || !drop_plain_ioctl(calls))
    return; /* unconfined, or a profile that does not allow every ioctl anyway */
  cover(calls, 0, 0);
}
