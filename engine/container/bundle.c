/* docker's defaults -> an OCI config.json for one container. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/container/internal.h"
#include "engine/container/container.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/security/security.h"
#include "runtime/spec/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *const masked_paths[] = {"/proc/asound",
                                           "/proc/acpi",
                                           "/proc/interrupts",
                                           "/proc/kcore",
                                           "/proc/keys",
                                           "/proc/latency_stats",
                                           "/proc/timer_list",
                                           "/proc/timer_stats",
                                           "/proc/sched_debug",
                                           "/proc/scsi",
                                           "/sys/firmware",
                                           "/sys/devices/virtual/powercap",
                                           NULL};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

static json_t *strv_json(char *const *v)
{
  json_t *a = json_array();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

static json_t *cstrv_json(const char *const *v)
{
  json_t *a = json_array();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

/* The capability sets: docker's 14, then --cap-add / --cap-drop (ALL understood). */
static int build_caps(const struct eng_run_req *req, json_t **out, struct td_err **err)
{
  autostrv char **caps = NULL;
  bool drop_all = false;
  for (char **d = req->cap_drop; d && *d; d++)
    if (strcasecmp(*d, "ALL") == 0)
      drop_all = true;
  if (req->privileged) {
    for (int c = 0; c <= 63; c++) {
      const char *n = security_cap_name(c);
      if (n)
        strv_push(&caps, n);
    }
  } else if (!drop_all) {
    for (const char *const *c = security_docker_default_caps(); *c; c++)
      strv_push(&caps, *c);
  }
  for (char **a = req->cap_add; a && *a && !req->privileged; a++) {
    if (strcasecmp(*a, "ALL") == 0) {
      for (int c = 0; c <= 63; c++) {
        const char *n = security_cap_name(c);
        if (n && strv_find(caps, n) < 0)
          strv_push(&caps, n);
      }
      continue;
    }
    autofree char *name = strncasecmp(*a, "CAP_", 4) == 0 ? xstrdup(*a) : xasprintf("CAP_%s", *a);
    for (char *p = name; *p; p++)
      *p = (char)toupper((unsigned char)*p);
    if (security_cap_from_name(name) < 0)
      return err_set(err, 0, "invalid CapAdd: unknown capability: \"%s\"", name);
    if (strv_find(caps, name) < 0)
      strv_push(&caps, name);
  }
  for (char **d = req->cap_drop; d && *d && !req->privileged; d++) {
    if (strcasecmp(*d, "ALL") == 0)
      continue;
    autofree char *name = strncasecmp(*d, "CAP_", 4) == 0 ? xstrdup(*d) : xasprintf("CAP_%s", *d);
    for (char *p = name; *p; p++)
      *p = (char)toupper((unsigned char)*p);
    if (security_cap_from_name(name) < 0)
      return err_set(err, 0, "invalid CapDrop: unknown capability: \"%s\"", name);
    long i = strv_find(caps, name);
    if (i >= 0) {
      free(caps[i]);
      for (size_t k = (size_t)i; caps[k]; k++)
        caps[k] = caps[k + 1];
    }
  }
  json_t *set = strv_json(caps);
  *out = json_pack("{s:O,s:O,s:O}", "bounding", set, "effective", set, "permitted", set);
  json_decref(set);
  return 0;
}

static void env_set(char ***env, const char *kv)
{
  const char *eq = strchr(kv, '=');
  size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
  for (size_t i = 0; *env && (*env)[i]; i++) {
    if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
      free((*env)[i]);
      (*env)[i] = xstrdup(kv);
      return;
    }
  }
  strv_push(env, kv);
}

static bool env_has(char **env, const char *key)
{
  size_t k = strlen(key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp(env[i], key, k) == 0 && env[i][k] == '=')
      return true;
  return false;
}

static char **json_strv(json_t *a)
{
  if (!json_is_array(a))
    return NULL;
  char **v = xcalloc(1, sizeof(char *));
  size_t i;
  json_t *e;
  json_array_foreach (a, i, e)
    if (json_is_string(e))
      strv_push(&v, json_string_value(e));
  return v;
}

/* Entrypoint + Cmd as docker combines them. */
static int build_args(const struct eng_run_req *req, json_t *imgcfg, char ***out,
                      struct td_err **err)
{
  autostrv char **args = xcalloc(1, sizeof(char *));
  autostrv char **ep = NULL;
  autostrv char **cmd = NULL;
  if (req->entrypoint_set) {
    if (req->entrypoint && *req->entrypoint)
      strv_push(&ep, req->entrypoint);
  } else {
    ep = json_strv(json_object_get(imgcfg, "Entrypoint"));
  }
  if (req->cmd && req->cmd[0])
    cmd = strv_dup(req->cmd);
  else if (!req->entrypoint_set)
    cmd = json_strv(json_object_get(imgcfg, "Cmd"));
  if (req->init)
    strv_push(&args, "/sbin/docker-init");
  if (req->init)
    strv_push(&args, "--");
  for (char **p = ep; p && *p; p++)
    strv_push(&args, *p);
  for (char **p = cmd; p && *p; p++)
    strv_push(&args, *p);
  if (strv_len(args) == (req->init ? 2u : 0u))
    return err_set(err, 0, "no command specified");
  *out = steal_ptr(args);
  return 0;
}

static json_t *device_rules(bool privileged)
{
  if (privileged)
    return json_pack("[{s:b,s:s}]", "allow", 1, "access", "rwm");
  /* deny all, then docker's allowlist */
  return json_pack("[{s:b,s:s},"
                   "{s:b,s:s,s:i,s:i,s:s},{s:b,s:s,s:i,s:i,s:s},{s:b,s:s,s:i,s:i,s:s},"
                   "{s:b,s:s,s:i,s:i,s:s},{s:b,s:s,s:i,s:i,s:s},{s:b,s:s,s:i,s:i,s:s},"
                   "{s:b,s:s,s:i,s:i,s:s},{s:b,s:s,s:i,s:i,s:s},{s:b,s:s,s:i,s:s},"
                   "{s:b,s:s,s:i,s:i,s:s},{s:b,s:s,s:s},{s:b,s:s,s:s}]",
                   "allow", 0, "access", "rwm", "allow", 1, "type", "c", "major", 1, "minor", 3,
                   "access", "rwm", "allow", 1, "type", "c", "major", 1, "minor", 5, "access",
                   "rwm", "allow", 1, "type", "c", "major", 1, "minor", 7, "access", "rwm", "allow",
                   1, "type", "c", "major", 1, "minor", 8, "access", "rwm", "allow", 1, "type", "c",
                   "major", 1, "minor", 9, "access", "rwm", "allow", 1, "type", "c", "major", 5,
                   "minor", 0, "access", "rwm", "allow", 1, "type", "c", "major", 5, "minor", 1,
                   "access", "rwm", "allow", 1, "type", "c", "major", 5, "minor", 2, "access",
                   "rwm", "allow", 1, "type", "c", "major", 136, "access", "rwm", "allow", 1,
                   "type", "c", "major", 10, "minor", 200, "access", "rwm", "allow", 1, "type", "c",
                   "access", "m", "allow", 1, "type", "b", "access", "m");
}

/* --privileged: every device node of the host's /dev, as docker (runc's HostDevices): the
 * directories pts, shm, fd, mqueue (and .lxc, .lxd-mounts, .udev) skipped, /dev/console too,
 * symlinks and fifos are not devices; mode, owner and group as on the host. */
static void host_devices(int dirfd, const char *path, json_t *devs, int depth_left)
{
  DIR *d = fdopendir(dirfd);
  if (d == NULL) {
    close(dirfd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *n = e->d_name;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
      continue;
    struct stat st;
    if (fstatat(dirfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    autofree char *p = xasprintf("%s/%s", path, n);
    if (S_ISDIR(st.st_mode)) {
      static const char *const skip[] = {"pts",  "shm",         "fd",    "mqueue",
                                         ".lxc", ".lxd-mounts", ".udev", NULL};
      bool skipped = false;
      for (size_t i = 0; skip[i]; i++)
        skipped = skipped || strcmp(n, skip[i]) == 0;
      int sub = skipped || depth_left == 0
                    ? -1
                    : openat(dirfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        host_devices(sub, p, devs, depth_left - 1);
      continue;
    }
    if (strcmp(p, "/dev/console") == 0 || (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)))
      continue;
    json_array_append_new(
        devs, json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i}", "path", p, "type",
                        S_ISCHR(st.st_mode) ? "c" : "b", "major", (json_int_t)major(st.st_rdev),
                        "minor", (json_int_t)minor(st.st_rdev), "fileMode",
                        (int)(st.st_mode & 0777), "uid", (int)st.st_uid, "gid", (int)st.st_gid));
  }
  closedir(d);
}

static int add_devices(const struct eng_run_req *req, json_t *linux_, json_t *rules,
                       struct td_err **err)
{
  json_t *devs = json_array();
  json_object_set_new(linux_, "devices", devs);
  if (req->privileged) {
    int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
      host_devices(fd, "/dev", devs, 8);
  }
  for (size_t i = 0; i < req->n_devices; i++) {
    const struct eng_device *d = &req->devices[i];
    struct stat st;
    if (stat(d->host, &st) < 0)
      return err_set(err, errno,
                     "error gathering device information while adding custom "
                     "device \"%s\"",
                     d->host);
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
      return err_set(err, 0,
                     "error gathering device information while adding custom device "
                     "\"%s\": not a device node",
                     d->host);
    const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
    json_array_append_new(devs, json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i}", "path", d->container,
                                          "type", type, "major", (json_int_t)major(st.st_rdev),
                                          "minor", (json_int_t)minor(st.st_rdev), "fileMode",
                                          (int)(st.st_mode & 0777), "uid", 0, "gid", 0));
    json_array_append_new(rules, json_pack("{s:b,s:s,s:I,s:I,s:s}", "allow", 1, "type", type,
                                           "major", (json_int_t)major(st.st_rdev), "minor",
                                           (json_int_t)minor(st.st_rdev), "access", d->perms));
  }
  return 0;
}

static json_t *build_resources(const struct eng_run_req *req)
{
  json_t *r = json_object();
  json_t *mem = json_object();
  if (req->memory > 0) {
    json_object_set_new(mem, "limit", json_integer(req->memory));
    int64_t swap = req->memory_swap != 0 ? req->memory_swap : 2 * req->memory;
    json_object_set_new(mem, "swap", json_integer(swap));
  }
  if (req->memory_reservation > 0)
    json_object_set_new(mem, "reservation", json_integer(req->memory_reservation));
  if (req->oom_kill_disable)
    json_object_set_new(mem, "disableOOMKiller", json_true());
  if (json_object_size(mem))
    json_object_set(r, "memory", mem);
  json_decref(mem);
  json_t *cpu = json_object();
  if (req->cpu_shares > 0)
    json_object_set_new(cpu, "shares", json_integer(req->cpu_shares));
  if (req->nano_cpus > 0) {
    json_object_set_new(cpu, "period", json_integer(100000));
    json_object_set_new(cpu, "quota", json_integer(eng_cpus_quota(req->nano_cpus, 100000)));
  } else {
    if (req->cpu_quota != 0)
      json_object_set_new(cpu, "quota", json_integer(req->cpu_quota));
    if (req->cpu_period > 0)
      json_object_set_new(cpu, "period", json_integer(req->cpu_period));
  }
  if (req->cpuset_cpus)
    json_object_set_new(cpu, "cpus", json_string(req->cpuset_cpus));
  if (req->cpuset_mems)
    json_object_set_new(cpu, "mems", json_string(req->cpuset_mems));
  if (json_object_size(cpu))
    json_object_set(r, "cpu", cpu);
  json_decref(cpu);
  if (req->blkio_weight > 0)
    json_object_set_new(r, "blockIO", json_pack("{s:I}", "weight", (json_int_t)req->blkio_weight));
  if (req->has_pids_limit && req->pids_limit > 0)
    json_object_set_new(r, "pids", json_pack("{s:I}", "limit", (json_int_t)req->pids_limit));
  return r;
}

static int build_process(const struct eng_run_req *req, json_t *imgcfg, const char *rootfs,
                         const char *hostname, json_t **out, struct td_err **err)
{
  autostrv char **args = NULL;
  if (build_args(req, imgcfg, &args, err) < 0)
    return -1;
  autostrv char **env = json_strv(json_object_get(imgcfg, "Env"));
  if (env == NULL)
    env = xcalloc(1, sizeof(char *));
  if (!env_has(env, "PATH"))
    env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  autofree char *hn = xasprintf("HOSTNAME=%s", hostname);
  env_set(&env, hn);
  if (req->tty)
    env_set(&env, "TERM=xterm");
  for (char **e = req->env; e && *e; e++)
    env_set(&env, *e);
  const char *user = req->user ? req->user : json_string_value(json_object_get(imgcfg, "User"));
  struct eng_user u;
  if (eng_user_resolve(rootfs, user, &u, err) < 0)
    return -1;
  if (eng_user_add_groups(rootfs, req->group_add, &u, err) < 0) {
    eng_user_clear(&u);
    return -1;
  }
  json_t *gids = json_array();
  for (size_t i = 0; i < u.n_groups; i++)
    json_array_append_new(gids, json_integer(u.groups[i]));
  const char *cwd =
      req->workdir ? req->workdir : json_string_value(json_object_get(imgcfg, "WorkingDir"));
  if (cwd == NULL || *cwd == '\0')
    cwd = "/";
  if (cwd[0] != '/') {
    eng_user_clear(&u);
    json_decref(gids);
    return err_set(err, 0,
                   "the working directory '%s' is invalid, it needs to be an absolute "
                   "path",
                   cwd);
  }
  if (!env_has(env, "HOME")) {
    autofree char *home = xasprintf("HOME=%s", u.home && *u.home ? u.home : "/");
    env_set(&env, home);
  }
  json_t *caps = NULL;
  if (build_caps(req, &caps, err) < 0) {
    eng_user_clear(&u);
    json_decref(gids);
    return -1;
  }
  json_t *p = json_pack("{s:b,s:{s:i,s:i,s:o},s:o,s:o,s:s,s:o,s:b}", "terminal", req->tty, "user",
                        "uid", (int)u.uid, "gid", (int)u.gid, "additionalGids", gids, "args",
                        strv_json(args), "env", strv_json(env), "cwd", cwd, "capabilities", caps,
                        "noNewPrivileges", req->no_new_privs);
  eng_user_clear(&u);
  if (req->n_ulimits) {
    json_t *rl = json_array();
    for (size_t i = 0; i < req->n_ulimits; i++)
      json_array_append_new(rl, json_pack("{s:s,s:I,s:I}", "type",
                                          eng_rlimit_oci_name(req->ulimits[i].resource), "soft",
                                          (json_int_t)req->ulimits[i].soft, "hard",
                                          (json_int_t)req->ulimits[i].hard));
    json_object_set_new(p, "rlimits", rl);
  }
  json_object_set_new(p, "oomScoreAdj", json_integer(0));
  *out = p;
  return 0;
}

static int build_seccomp(const struct eng_run_req *req, json_t *linux_, struct td_err **err)
{
  if (req->privileged || (req->seccomp && strcmp(req->seccomp, "unconfined") == 0))
    return 0;
  json_t *sc = NULL;
  if (req->seccomp) {
    if (file_read_json(AT_FDCWD, req->seccomp, &sc, err) < 0)
      return err_prefix(err, "opening seccomp profile (%s) failed", req->seccomp);
  } else {
    sc = security_docker_default_seccomp_json();
  }
  if (sc)
    json_object_set_new(linux_, "seccomp", sc);
  return 0;
}

static json_t *base_mounts(const struct eng_run_req *req, const char *dir, const char *etc_dir)
{
  json_t *m = json_array();
  json_array_append_new(m, bundle_mount_json("/proc", "proc", "proc", "nosuid,noexec,nodev"));
  json_array_append_new(
      m, bundle_mount_json("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
  json_array_append_new(
      m, bundle_mount_json("/dev/pts", "devpts", "devpts",
                           "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
  json_array_append_new(
      m, bundle_mount_json("/sys", "sysfs", "sysfs",
                           req->privileged ? "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro"));
  json_array_append_new(m, bundle_mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
                                             req->privileged ? "nosuid,noexec,nodev,relatime,rw"
                                                             : "nosuid,noexec,nodev,relatime,ro"));
  json_array_append_new(
      m, bundle_mount_json("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
  int64_t shm = req->shm_size > 0 ? req->shm_size : 64LL << 20;
  autofree char *shmopts = xasprintf("nosuid,noexec,nodev,mode=1777,size=%lld", (long long)shm);
  /* --ipc none: no /dev/shm; host: the host's (docker's) */
  const char *ipc = req->ipc_mode ? req->ipc_mode : "";
  if (strcmp(ipc, "host") == 0)
    json_array_append_new(m, bundle_mount_json("/dev/shm", "bind", "/dev/shm", "rbind,rprivate"));
  else if (strcmp(ipc, "none") != 0)
    json_array_append_new(m, bundle_mount_json("/dev/shm", "tmpfs", "shm", shmopts));
  /* docker: the network files follow the rootfs, read-only with --read-only; with --network
   * container:X, X's own files (etc_dir) */
  static const char *const etc[] = {"resolv.conf", "hostname", "hosts"};
  const char *etc_opts = req->read_only ? "rbind,rprivate,ro" : "rbind,rprivate";
  for (size_t i = 0; i < 3; i++) {
    autofree char *src = xasprintf("%s/%s", etc_dir ? etc_dir : dir, etc[i]);
    autofree char *dst = xasprintf("/etc/%s", etc[i]);
    json_array_append_new(m, bundle_mount_json(dst, "bind", src, etc_opts));
  }
  return m;
}

int bundle_build_spec(const struct eng_ctx *ctx, const struct eng_run_req *req, json_t *imgcfg,
                      const char *id, const char *dir, const char *rootfs, json_t **out,
                      json_t **mounts_rec, struct td_err **err)
{
  char sid[13];
  /* the namespaces first: --network container:X gives X's host and domain name */
  autojson json_t *ns = NULL;
  autofree char *net_hn = NULL, *net_dn = NULL;
  if (eng_ns_build(ctx, req, &ns, &net_hn, &net_dn, err) < 0)
    return -1;
  if (eng_ns_net_etc_check(ctx, req->network, err) < 0)
    return -1;
  autofree char *etc_dir = eng_ns_net_etc_dir(ctx, req->network);
  const char *hostname = req->hostname ? req->hostname : net_hn ? net_hn : eng_short_id(id, sid);
  const char *domainname = net_hn ? net_dn : req->domainname;
  bool host_net = req->network && strcmp(req->network, "host") == 0;
  if (host_net && req->hostname == NULL)
    hostname = NULL;
  char hbuf[256] = "";
  if (hostname == NULL) {
    gethostname(hbuf, sizeof(hbuf) - 1);
    hostname = hbuf;
  }
  json_t *process = NULL;
  if (build_process(req, imgcfg, rootfs, hostname, &process, err) < 0)
    return -1;
  autojson json_t *spec =
      json_pack("{s:s,s:o,s:{s:s,s:b},s:s,s:o}", "ociVersion", "1.2.0", "process", process, "root",
                "path", rootfs, "readonly", req->read_only, "hostname", hostname, "mounts",
                base_mounts(req, dir, etc_dir));
  json_t *mounts = json_object_get(spec, "mounts");
  autojson json_t *mrec = json_array();
  if (bundle_add_mounts(ctx, req, imgcfg, dir, rootfs, mounts, mrec, err) < 0)
    return -1;
  if (req->init) {
    autofree char *init = helper_find("tinydocker-init");
    if (init == NULL)
      return err_set(err, ENOENT, "--init: tinydocker-init not found next to %s",
                     ctx->self_exe ? ctx->self_exe : "tinydocker");
    json_array_append_new(mounts, bundle_mount_json("/sbin/docker-init", "bind", init, "bind,ro"));
    /* the bind target, made inside the rootfs (never through a symlink out of it) */
    autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    autoclose int sbin = rootfd >= 0 ? safepath_mkdir_p(rootfd, "/sbin", 0755, err) : -1;
    if (sbin < 0)
      return rootfd < 0 ? err_set(err, errno, "open %s", rootfs) : err_prefix(err, "--init");
    autoclose int f = safepath_mkfile_p(rootfd, "/sbin/docker-init", 0755, err);
    if (f < 0)
      return err_prefix(err, "--init");
  }
  /* docker (SetupWorkingDirectory): a missing working directory is made, 0755, beneath the
   * rootfs: by fd, a symlink in the image resolving inside the root, never out of it */
  const char *cwd = json_string_value(json_object_get(process, "cwd"));
  if (cwd && strcmp(cwd, "/") != 0) {
    autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    autoclose int wd = rootfd >= 0 ? safepath_mkdir_p(rootfd, cwd, 0755, err) : -1;
    if (wd < 0)
      return rootfd < 0 ? err_set(err, errno, "open %s", rootfs)
                        : err_prefix(err, "Cannot mkdir: %s", cwd);
  }
  /* --uts host: the host's name, which the container may not set */
  if (req->uts_mode && strcmp(req->uts_mode, "host") == 0)
    json_object_del(spec, "hostname");
  else if (domainname && *domainname)
    json_object_set_new(spec, "domainname", json_string(domainname));
  json_t *res = build_resources(req);
  json_t *rules = device_rules(req->privileged);
  json_object_set_new(res, "devices", rules);
  autofree char *cgpath = eng_cgroup_path(req->cgroup_parent, ENG_CGROUP_PARENT, id);
  json_t *linux_ =
      json_pack("{s:s,s:O,s:o}", "cgroupsPath", cgpath, "namespaces", ns, "resources", res);
  json_object_set_new(spec, "linux", linux_);
  if (add_devices(req, linux_, rules, err) < 0 || bundle_add_resources16(req, spec, err) < 0)
    return -1;
  if (!req->privileged) {
    json_object_set_new(linux_, "maskedPaths", cstrv_json(masked_paths));
    json_object_set_new(linux_, "readonlyPaths", cstrv_json(readonly_paths));
  }
  if (req->sysctls) {
    json_t *sc = json_object();
    for (char **s = req->sysctls; *s; s++) {
      const char *eq = strchr(*s, '=');
      autofree char *k = xstrndup(*s, eq ? (size_t)(eq - *s) : strlen(*s));
      json_object_set_new(sc, k, json_string(eq ? eq + 1 : ""));
    }
    json_object_set_new(linux_, "sysctl", sc);
  }
  if (build_seccomp(req, linux_, err) < 0)
    return -1;
  *out = steal_ptr(spec);
  *mounts_rec = steal_ptr(mrec);
  return 0;
}
