/* Settings that act on a namespace, checked against the namespaces the container really has
 * (runc's libcontainer/configs/validate, read, not copied): a hostname needs a UTS namespace
 * of its own, a sysctl the namespace it belongs to, time offsets a new time namespace,
 * network devices a network namespace, id mappings a user namespace. A namespace joined by
 * a path that is the caller's own (/proc/self/ns/net given as the netns, say) is the host's,
 * not the container's. Runs before anything is made, so bad input changes nothing. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define SPEC_HOST_NAME_MAX 64 /* HOST_NAME_MAX and the utsname fields' length */
#define SPEC_IFNAMSIZ 16

/* The name a namespace has under /proc/self/ns. */
static const char *const self_ns_names[NS_TYPE_COUNT] = {
    [NS_PID] = "pid", [NS_NET] = "net",   [NS_MNT] = "mnt",       [NS_IPC] = "ipc",
    [NS_UTS] = "uts", [NS_USER] = "user", [NS_CGROUP] = "cgroup", [NS_TIME] = "time",
};

int spec_ns_is_current(enum spec_ns_type t, const char *path, struct td_err **err)
{
  if ((unsigned)t >= NS_TYPE_COUNT)
    return err_set(err, EINVAL, "unknown namespace type %d", (int)t);
  char self[64];
  snprintf(self, sizeof(self), "/proc/self/ns/%s", self_ns_names[t]);
  struct stat a, b;
  if (stat(self, &a) < 0)
    return err_set(err, errno, "stat %s", self);
  if (stat(path, &b) < 0)
    return err_set(err, errno, "invalid %s namespace path: stat %s", spec_ns_name(t), path);
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Whether the spec has a setting that acts on its namespace of type t (and so needs it to be
 * the container's own). */
static bool needs_private(const struct spec *s, enum spec_ns_type t)
{
  const struct spec_linux *l = &s->linux_;
  if (t == NS_UTS && ((s->hostname && s->hostname[0]) || (s->domainname && s->domainname[0])))
    return true;
  if (t == NS_NET && l->n_net_devices)
    return true;
  for (size_t i = 0; i < l->n_sysctl; i++)
    if (spec_sysctl_ns(l->sysctl[i].key) == (int)t)
      return true;
  return false;
}

int spec_ns_fd_check(const struct spec *s, enum spec_ns_type t, int fd, struct td_err **err)
{
  if ((unsigned)t >= NS_TYPE_COUNT || !needs_private(s, t))
    return 0;
  char self[64];
  snprintf(self, sizeof(self), "/proc/self/ns/%s", self_ns_names[t]);
  struct stat a, b;
  if (stat(self, &a) < 0 || fstat(fd, &b) < 0)
    return err_set(err, errno, "stat %s namespace", spec_ns_name(t));
  if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    return err_set(err, 0,
                   "%s namespace %s is the runtime's own: its settings would act on the host",
                   spec_ns_name(t), s->linux_.ns[t].path ? s->linux_.ns[t].path : "");
  return 0;
}

int spec_ns_private(const struct spec *s, enum spec_ns_type t, struct td_err **err)
{
  const struct spec_namespace *ns = &s->linux_.ns[t];
  if (!ns->present)
    return 0;
  if (ns->path == NULL)
    return 1;
  int cur = spec_ns_is_current(t, ns->path, err);
  return cur < 0 ? -1 : !cur;
}

/* The sysctls of the IPC namespace (ipc/ipc_sysctl.c and ipc/mq_sysctl.c in the kernel). */
static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

char *spec_sysctl_path(const char *key)
{
  /* dot-separated components, each a plain file name: no '/', no empty, "." or ".."
   * component (which an empty one becomes once the dots are slashes) */
  if (key == NULL || key[0] == '\0' || strchr(key, '/') || strlen(key) > 255)
    return NULL;
  const char *c = key;
  for (;;) {
    size_t n = strcspn(c, ".");
    if (n == 0)
      return NULL; /* leading, trailing or doubled dot */
    if (c[n] == '\0')
      break;
    c += n + 1;
  }
  char *rel = xasprintf("sys/%s", key);
  for (char *p = rel + 4; *p; p++)
    if (*p == '.')
      *p = '/';
  return rel;
}

int spec_sysctl_ns(const char *key)
{
  if (key == NULL)
    return -1;
  for (size_t i = 0; i < sizeof(ipc_sysctls) / sizeof(ipc_sysctls[0]); i++)
    if (strcmp(key, ipc_sysctls[i]) == 0)
      return NS_IPC;
  if (strncmp(key, "fs.mqueue.", 10) == 0)
    return NS_IPC;
  if (strncmp(key, "net.", 4) == 0)
    return NS_NET;
  if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
    return NS_UTS;
  return -1;
}

/* A private namespace of type t, computed once per check (a stat of two files at most). */
struct ns_cache {
  int known[NS_TYPE_COUNT]; /* 0 unknown, 1 private, 2 not */
};

static int cached_private(const struct spec *s, struct ns_cache *c, enum spec_ns_type t,
                          struct td_err **err)
{
  if (c->known[t] == 0) {
    int r = spec_ns_private(s, t, err);
    if (r < 0)
      return -1;
    c->known[t] = r ? 1 : 2;
  }
  return c->known[t] == 1;
}

static int check_uts(const struct spec *s, struct ns_cache *c, struct td_err **err)
{
  const char *const names[2] = {s->hostname, s->domainname};
  const char *const what[2] = {"hostname", "domainname"};
  for (int i = 0; i < 2; i++) {
    if (names[i] == NULL || names[i][0] == '\0')
      continue;
    if (strlen(names[i]) > SPEC_HOST_NAME_MAX)
      return err_set(err, 0, "%s \"%.16s...\" is longer than %d bytes", what[i], names[i],
                     SPEC_HOST_NAME_MAX);
    int r = cached_private(s, c, NS_UTS, err);
    if (r < 0)
      return -1;
    if (r == 0)
      return err_set(err, 0, "unable to set %s without a private UTS namespace", what[i]);
  }
  return 0;
}

static int check_sysctl(const struct spec *s, struct ns_cache *c, struct td_err **err)
{
  for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
    const char *k = s->linux_.sysctl[i].key;
    autofree char *rel = spec_sysctl_path(k);
    if (rel == NULL)
      return err_set(err, 0,
                     "sysctl \"%s\": invalid key (dot-separated names; no '/', no empty or '..' "
                     "component)",
                     k);
    int t = spec_sysctl_ns(k);
    if (t < 0)
      return err_set(err, 0, "sysctl \"%s\" is not in a separate kernel namespace", k);
    int r = cached_private(s, c, (enum spec_ns_type)t, err);
    if (r < 0)
      return err_prefix(err, "sysctl \"%s\"", k);
    if (r == 0 && t == NS_NET)
      return err_set(err, 0, "sysctl \"%s\" not allowed in host network namespace", k);
    if (r == 0 && t == NS_IPC)
      return err_set(err, 0, "sysctl \"%s\" is not allowed in the hosts ipc namespace", k);
    if (r == 0)
      return err_set(err, 0, "sysctl \"%s\" is not in a separate kernel namespace", k);
    if (strcmp(k, "kernel.hostname") == 0 && s->hostname && s->hostname[0])
      return err_set(err, 0,
                     "sysctl \"%s\" is not allowed as it conflicts with the OCI \"%s\" field", k,
                     "hostname");
  }
  return 0;
}

static int check_time(const struct spec *s, struct td_err **err)
{
  if (!s->linux_.has_time_offsets)
    return 0;
  const struct spec_namespace *ns = &s->linux_.ns[NS_TIME];
  if (!ns->present)
    return err_set(err, 0,
                   "time namespace offsets specified, but time namespace isn't enabled in the "
                   "config");
  if (ns->path)
    return err_set(err, 0, "time namespace offsets apply to a new time namespace, not to %s",
                   ns->path);
  return 0;
}

/* An interface name the kernel takes (dev_valid_name): 1-15 bytes, not "." or "..", no '/',
 * ':' or white space. */
static bool ifname_valid(const char *n)
{
  size_t len = strlen(n);
  if (len == 0 || len >= SPEC_IFNAMSIZ || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
    return false;
  return strpbrk(n, "/: \t\n\r\v\f") == NULL;
}

static int check_net_devices(const struct spec *s, struct ns_cache *c, struct td_err **err)
{
  const struct spec_linux *l = &s->linux_;
  if (l->n_net_devices == 0)
    return 0;
  for (size_t i = 0; i < l->n_net_devices; i++) {
    const struct spec_kv *d = &l->net_devices[i];
    if (!ifname_valid(d->key))
      return err_set(err, 0, "linux.netDevices: invalid network device name \"%s\"", d->key);
    if (d->value && !ifname_valid(d->value))
      return err_set(err, 0, "linux.netDevices.%s.name: invalid network device name \"%s\"", d->key,
                     d->value);
  }
  int r = cached_private(s, c, NS_NET, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return err_set(err, 0, "unable to move network devices without a private NET namespace");
  return 0;
}

static int check_user(const struct spec *s, struct td_err **err)
{
  const struct spec_linux *l = &s->linux_;
  const struct spec_namespace *ns = &l->ns[NS_USER];
  if (!ns->present) {
    if (l->n_uid_mappings || l->n_gid_mappings)
      return err_set(err, 0,
                     "user namespace mappings specified, but USER namespace isn't enabled in the "
                     "config");
    return 0;
  }
  if (ns->path)
    return 0; /* a joined user namespace has its maps already */
  if (l->n_uid_mappings == 0)
    return err_set(err, 0, "user namespaces enabled, but no uid mappings found");
  if (l->n_gid_mappings == 0)
    return err_set(err, 0, "user namespaces enabled, but no gid mappings found");
  return 0;
}

int spec_validate(const struct spec *s, struct td_err **err)
{
  struct ns_cache c = {0};
  if (check_user(s, err) < 0 || check_uts(s, &c, err) < 0 || check_sysctl(s, &c, err) < 0 ||
      check_time(s, err) < 0 || check_net_devices(s, &c, err) < 0)
    return -1;
  return 0;
}
