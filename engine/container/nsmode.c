/* The namespace modes of run/create: --ipc, --pid, --uts, --userns, --cgroupns and the join of
 * --network container:X. docker's checks, the spec's linux.namespaces, and the joins of
 * another container's namespaces: the runtime joins /proc/PID/ns/F of the other container's
 * init, a path resolved at create and again at every start (eng_ns_joins_start), the init
 * pinned by a pidfd whose identity is checked against the record's start time, and checked
 * still alive once the runtime has joined (eng_ns_hold_check): a pid that the exited init
 * left and a host process took is never joined. As docker's, a create accepts an other
 * container that is not running (its spec's namespace gets no path then): the start refuses
 * it, and every check that needs the running init (the host's namespaces, net.* sysctls in
 * the host's network namespace) is made at every start. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container/internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/spec/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static const char *const join_type[ENG_NS_JOINS] = {"network", "ipc", "pid"}; /* OCI's */
static const char *const join_file[ENG_NS_JOINS] = {"net", "ipc", "pid"};     /* /proc/PID/ns */
static const enum spec_ns_type join_ns[ENG_NS_JOINS] = {NS_NET, NS_IPC, NS_PID};

static bool is_container(const char *mode)
{
  return mode && strncmp(mode, "container:", 10) == 0;
}

static bool is(const char *mode, const char *v)
{
  return mode && strcmp(mode, v) == 0;
}

int eng_ns_validate(const struct eng_run_req *req, struct td_err **err)
{
  const char *ipc = req->ipc_mode;
  if (ipc && *ipc && !is(ipc, "private") && !is(ipc, "shareable") && !is(ipc, "host") &&
      !is(ipc, "none") && !(is_container(ipc) && ipc[10]))
    return err_set(err, 0, "Invalid IPC mode: %s", ipc), err_mark(err, ERR_START);
  bool uts_host = is(req->uts_mode, "host");
  if (uts_host && req->hostname && *req->hostname)
    return err_set(err, 0, "conflicting options: hostname and the UTS mode");
  if (uts_host && req->domainname && *req->domainname)
    return err_set(err, 0, "conflicting options: domainname and the UTS mode");
  /* docker's daemon (runconfig validateNetContainerMode), in its order: X's network namespace
   * is shared, and so are X's hosts, resolv.conf and hostname files */
  bool ctr = is_container(req->network);
  if (ctr && req->hostname && *req->hostname)
    return err_set(err, 0, "conflicting options: hostname and the network mode");
  if (ctr && req->links && req->links[0])
    return err_set(err, 0, "conflicting options: container type network can't be used with links");
  if (ctr && req->dns && req->dns[0])
    return err_set(err, 0, "conflicting options: dns and the network mode");
  if (ctr && req->add_hosts && req->add_hosts[0])
    return err_set(err, 0, "conflicting options: custom host-to-IP mapping and the network mode");
  if ((ctr || is(req->network, "host")) && req->mac_address && *req->mac_address)
    return err_set(err, 0, "conflicting options: mac-address and the network mode");
  if (ctr && ((req->publish && req->publish[0]) || req->publish_all))
    return err_set(err, 0,
                   "conflicting options: port publishing and the container type network mode");
  if (ctr && req->expose && req->expose[0])
    return err_set(err, 0,
                   "conflicting options: port exposing and the container type network mode");
  return 0;
}

void eng_ns_modes_clear(struct eng_ns_modes *m)
{
  for (int k = 0; k < ENG_NS_JOINS; k++) {
    free(m->mode[k]);
    m->mode[k] = NULL;
  }
}

int eng_ns_resolve_modes(const struct eng_ctx *ctx, struct eng_run_req *req, struct eng_ns_modes *m,
                         struct td_err **err)
{
  const char **modes[ENG_NS_JOINS] = {&req->network, &req->ipc_mode, &req->pid_mode};
  for (int k = 0; k < ENG_NS_JOINS; k++) {
    if (!is_container(*modes[k]))
      continue;
    autofree char *id = NULL;
    if (store_lookup(ctx, *modes[k] + 10, &id, err) < 0)
      return -1;
    m->mode[k] = xasprintf("container:%s", id);
    *modes[k] = m->mode[k];
  }
  return 0;
}

/* container:<id> with a full id (what eng_ns_resolve_modes made): a name beneath ctr_dir */
static const char *net_ctr_id(const char *network)
{
  if (!is_container(network))
    return NULL;
  const char *id = network + 10;
  return strlen(id) == 64 && strspn(id, "0123456789abcdef") == 64 ? id : NULL;
}

char *eng_ns_net_etc_dir(const struct eng_ctx *ctx, const char *network)
{
  const char *id = net_ctr_id(network);
  return id ? store_dir(ctx, id) : NULL;
}

int eng_ns_net_etc_check(const struct eng_ctx *ctx, const char *network, struct td_err **err)
{
  if (!is_container(network))
    return 0;
  const char *id = net_ctr_id(network);
  if (id == NULL)
    return err_set(err, EINVAL, "network mode %s: not a container id", network);
  autoclose int base = open(ctx->ctr_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (base < 0)
    return err_set(err, errno, "open %s", ctx->ctr_dir);
  static const char *const files[] = {"hosts", "resolv.conf", "hostname"};
  for (size_t i = 0; i < 3; i++) {
    autofree char *rel = xasprintf("%s/%s", id, files[i]);
    struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                      RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
    autoclose int fd = (int)syscall(SYS_openat2, base, rel, &how, sizeof(how));
    struct stat st;
    if (fd < 0)
      return err_set(err, errno, "--network container:%.12s: its %s file", id, files[i]);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
      return err_set(err, EINVAL, "--network container:%.12s: its %s is not a regular file", id,
                     files[i]);
  }
  return 0;
}

void eng_ns_hold_init(struct eng_ns_hold *h)
{
  for (int k = 0; k < ENG_NS_JOINS; k++) {
    h->pidfd[k] = -1;
    h->pid[k] = 0;
    h->who[k] = NULL;
  }
}

void eng_ns_hold_clear(struct eng_ns_hold *h)
{
  for (int k = 0; k < ENG_NS_JOINS; k++) {
    if (h->pidfd[k] >= 0)
      close(h->pidfd[k]);
    free(h->who[k]);
  }
  eng_ns_hold_init(h);
}

static bool pidfd_exited(int pidfd)
{
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  return poll(&p, 1, 0) != 0; /* readable (or an error): the process has exited */
}

/* dockerd finds these when it starts the container: docker run prints them without its help
 * line (ERR_START) */
static int not_running(int k, const char *who, struct td_err **err)
{
  if (k == ENG_NS_NET)
    err_set(err, 0, "cannot join network of a non running container: %s", who);
  else if (k == ENG_NS_IPC)
    err_set(err, 0, "can't join IPC of container %s: container %s is not running", who, who);
  else
    err_set(err, 0, "container %s is not running", who);
  return err_mark(err, ERR_START);
}

/* One join: ref running (and for IPC, shareable), its init pinned in h->pidfd[k]; *path gets
 * /proc/PID/ns/F; *orec (optional) the other container's record. A create (at_create) accepts
 * an other container that is not running, as docker's: 1, *path NULL, *orec set. */
static int join_one(const struct eng_ctx *ctx, int k, const char *ref, struct eng_ns_hold *h,
                    char **path, struct ctr_record **orec_out, bool at_create, struct td_err **err)
{
  autofree char *id = NULL;
  autorecord struct ctr_record *orec = NULL;
  if (store_lookup(ctx, ref, &id, err) < 0 || record_load(ctx, id, &orec, err) < 0)
    return -1;
  store_refresh_state(orec);
  pid_t pid = orec->state.pid;
  if (!orec->state.running || orec->state.restarting || pid <= 0 || orec->td.init_start == 0) {
    if (!at_create)
      return not_running(k, id, err);
    *path = NULL;
    if (orec_out)
      *orec_out = steal_ptr(orec);
    return 1;
  }
  if (k == ENG_NS_IPC && !is(orec->host.ipc_mode, "shareable"))
    return err_set(err, 0,
                   "can't join IPC of container %s: non-shareable IPC (hint: use "
                   "IpcMode:shareable for the donor container)",
                   id),
           err_mark(err, ERR_START);
  /* the pidfd first, then the identity: a pid reused since the record was written has
   * another start time, and the pidfd pins the process that was checked */
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0 && errno == ESRCH)
    return not_running(k, id, err);
  if (fd < 0)
    return err_set(err, errno, "pidfd_open %d", (int)pid);
  if (h->pidfd[k] >= 0)
    close(h->pidfd[k]);
  h->pidfd[k] = fd;
  h->pid[k] = pid;
  free(h->who[k]);
  h->who[k] = xstrdup(id);
  if (!proc_alive(pid, orec->td.init_start) || pidfd_exited(fd))
    return not_running(k, id, err);
  autofree char *p = xasprintf("/proc/%d/ns/%s", (int)pid, join_file[k]);
  if (k != ENG_NS_NET) {
    /* the other container runs with the host's pid (ipc) namespace: joining it would give
     * this one the host's, which its own flags did not ask for (docker allows it) */
    int cur = spec_ns_is_current(join_ns[k], p, err);
    if (cur < 0 && pidfd_exited(fd)) {
      err_free(err);
      return not_running(k, id, err);
    }
    if (cur < 0)
      return -1;
    if (cur > 0)
      return err_set(err, 0,
                     "can't join %s namespace of container %s: it is the host's (use --%s host)",
                     k == ENG_NS_PID ? "PID" : "IPC", id, k == ENG_NS_PID ? "pid" : "ipc");
  }
  *path = steal_ptr(p);
  if (orec_out)
    *orec_out = steal_ptr(orec);
  return 0;
}

int eng_ns_hold_check(const struct eng_ns_hold *h, struct td_err **err)
{
  for (int k = 0; k < ENG_NS_JOINS; k++)
    if (h->pidfd[k] >= 0 && pidfd_exited(h->pidfd[k]))
      return err_set(err, 0, "container %s exited while its %s namespace was joined",
                     h->who[k] ? h->who[k] : "", join_file[k]);
  return 0;
}

/* --network container:X where X's network namespace is the host's (X runs with --network
 * host): a net.* sysctl would be the host's too. */
static int net_sysctls_to_host(char **sysctls, const char *netns, struct td_err **err)
{
  for (char **s = sysctls; s && *s; s++) {
    if (strncmp(*s, "net.", 4) != 0)
      continue;
    int cur = spec_ns_is_current(NS_NET, netns, err);
    if (cur < 0)
      return -1;
    if (cur > 0)
      return err_set(err, 0, "sysctl \"%.*s\" not allowed in host network namespace",
                     (int)strcspn(*s, "="), *s);
    return 0;
  }
  return 0;
}

/* The same at every start, on the spec's linux.sysctl: X may not have run at the create. */
static int spec_net_sysctls_to_host(const json_t *spec, const char *netns, struct td_err **err)
{
  const char *key;
  json_t *v;
  json_object_foreach ((json_t *)json_object_get(json_object_get(spec, "linux"), "sysctl"), key,
                       v) {
    (void)v;
    if (strncmp(key, "net.", 4) != 0)
      continue;
    int cur = spec_ns_is_current(NS_NET, netns, err);
    if (cur < 0)
      return -1;
    if (cur > 0)
      return err_set(err, 0, "sysctl \"%s\" not allowed in host network namespace", key);
    return 0;
  }
  return 0;
}

bool eng_ns_cgroup_private(const char *mode)
{
  if (is(mode, "private"))
    return true;
  if (is(mode, "host"))
    return false;
  return cgroup_mode() == CGROUP_MODE_V2; /* docker's default: private on v2 only */
}

/* One of the joinable namespaces into ns: none (host), a new one, or X's. */
static int add_ns(const struct eng_ctx *ctx, const struct eng_run_req *req, int k, json_t *ns,
                  char **net_hostname, char **net_domainname, struct td_err **err)
{
  const char *modes[ENG_NS_JOINS] = {req->network, req->ipc_mode, req->pid_mode};
  if (is(modes[k], "host"))
    return 0;
  if (!is_container(modes[k])) {
    json_array_append_new(ns, json_pack("{s:s}", "type", join_type[k]));
    return 0;
  }
  struct eng_ns_hold h;
  eng_ns_hold_init(&h);
  autofree char *path = NULL;
  autorecord struct ctr_record *orec = NULL;
  int rc = join_one(ctx, k, modes[k] + 10, &h, &path, &orec, true, err);
  eng_ns_hold_clear(&h); /* nothing is joined at create: every start resolves again */
  if (rc < 0)
    return -1;
  if (k == ENG_NS_NET) {
    if (path && net_sysctls_to_host(req->sysctls, path, err) < 0)
      return -1;
    /* docker: the joiner takes the other container's host and domain name */
    const char *dn =
        json_string_value(json_object_get(json_object_get(orec->doc, "Config"), "Domainname"));
    *net_hostname = orec->config.hostname ? xstrdup(orec->config.hostname) : NULL;
    *net_domainname = dn ? xstrdup(dn) : NULL;
  }
  /* not running (rc 1): the start sets the path, or refuses */
  json_array_append_new(ns, path ? json_pack("{s:s,s:s}", "type", join_type[k], "path", path)
                                 : json_pack("{s:s}", "type", join_type[k]));
  return 0;
}

int eng_ns_build(const struct eng_ctx *ctx, const struct eng_run_req *req, json_t **out,
                 char **net_hostname, char **net_domainname, struct td_err **err)
{
  autojson json_t *ns = json_array();
  /* the order the bundle always had: pid, ipc, uts, mount, network, cgroup */
  if (add_ns(ctx, req, ENG_NS_PID, ns, net_hostname, net_domainname, err) < 0 ||
      add_ns(ctx, req, ENG_NS_IPC, ns, net_hostname, net_domainname, err) < 0)
    return -1;
  if (!is(req->uts_mode, "host"))
    json_array_append_new(ns, json_pack("{s:s}", "type", "uts"));
  json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
  if (add_ns(ctx, req, ENG_NS_NET, ns, net_hostname, net_domainname, err) < 0)
    return -1;
  if (eng_ns_cgroup_private(req->cgroupns_mode))
    json_array_append_new(ns, json_pack("{s:s}", "type", "cgroup"));
  *out = steal_ptr(ns);
  return 0;
}

/* The container: modes of a record. */
static const char *rec_mode(const struct ctr_record *rec, int k)
{
  const char *m = k == ENG_NS_NET   ? rec->host.network_mode
                  : k == ENG_NS_IPC ? rec->host.ipc_mode
                                    : rec->host.pid_mode;
  return is_container(m) ? m + 10 : NULL;
}

/* A remapped container (a "user" namespace in its spec) that joins another's network, ipc or
 * pid namespace joins its user namespace too, as docker does ("to share a net namespace, they
 * must also share a user namespace"): a namespace owned by another user namespace is not its
 * root's to set up. The other container must be remapped itself: the host's user namespace is
 * never joined this way. */
static int join_user(json_t *ns, pid_t pid, const char *who, struct td_err **err)
{
  size_t i;
  json_t *e;
  json_array_foreach (ns, i, e) {
    if (!is(json_string_value(json_object_get(e, "type")), "user"))
      continue;
    autofree char *p = xasprintf("/proc/%d/ns/user", (int)pid);
    int cur = spec_ns_is_current(NS_USER, p, err);
    if (cur < 0)
      return -1;
    if (cur > 0)
      return err_set(err, 0,
                     "can't join the namespaces of container %s: it runs in the host's user "
                     "namespace (--userns host), this one is remapped",
                     who),
             err_mark(err, ERR_START);
    json_object_set_new(e, "path", json_string(p));
    return 0;
  }
  return 0;
}

int eng_ns_joins_start(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *dir,
                       json_t **spec, struct eng_ns_hold *h, struct td_err **err)
{
  bool any = false;
  for (int k = 0; k < ENG_NS_JOINS; k++)
    any = any || rec_mode(rec, k);
  if (!any)
    return 0;
  autofree char *cfg = xasprintf("%s/config.json", dir);
  if (*spec == NULL && file_read_json(AT_FDCWD, cfg, spec, err) < 0)
    return -1;
  json_t *ns = json_object_get(json_object_get(*spec, "linux"), "namespaces");
  for (int k = 0; k < ENG_NS_JOINS; k++) {
    const char *ref = rec_mode(rec, k);
    if (ref == NULL)
      continue;
    autofree char *path = NULL;
    if (join_one(ctx, k, ref, h, &path, NULL, false, err) < 0)
      return -1;
    if (k == ENG_NS_NET && (eng_ns_net_etc_check(ctx, rec->host.network_mode, err) < 0 ||
                            spec_net_sysctls_to_host(*spec, path, err) < 0))
      return -1;
    size_t i;
    json_t *e;
    bool set = false;
    json_array_foreach (ns, i, e) {
      if (is(json_string_value(json_object_get(e, "type")), join_type[k])) {
        json_object_set_new(e, "path", json_string(path));
        set = true;
      }
    }
    if (!set)
      return err_set(err, 0, "config.json: no %s namespace to join", join_type[k]);
    if (join_user(ns, h->pid[k], ref, err) < 0)
      return -1;
  }
  /* the file says what the runtime joined (tinyrun state, a later start) */
  return store_write_json(cfg, *spec, 0600, err);
}

/* dev/shm beneath root, never through a symlink: a mount point of the runtime's making. */
static int open_shm(int root)
{
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  return (int)syscall(SYS_openat2, root, "dev/shm", &how, sizeof(how));
}

/* The forked child: a clone of X's /dev/shm, taken inside X's mount namespace (open_tree
 * clones only mounts of the caller's own), attached in Y's over Y's /dev/shm. setns of a
 * mount namespace is the whole process's: hence the fork. Returns an errno. */
static int share_child(int xpidfd, int xroot, int ymntns, int yroot)
{
  if (setns(xpidfd, CLONE_NEWNS) < 0)
    return errno;
  autoclose int src = open_shm(xroot);
  if (src < 0)
    return errno;
  autoclose int tree =
      (int)syscall(SYS_open_tree, src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return errno;
  if (setns(ymntns, CLONE_NEWNS) < 0)
    return errno;
  autoclose int dst = open_shm(yroot);
  if (dst < 0)
    return errno;
  if (syscall(SYS_move_mount, tree, "", dst, "",
              MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return errno;
  return 0;
}

int eng_ns_share_shm(const struct eng_ns_hold *h, pid_t ypid, int ymntns, struct td_err **err)
{
  int xpidfd = h->pidfd[ENG_NS_IPC];
  if (xpidfd < 0)
    return 0;
  /* both roots as their inits see them (pivot_root'ed), opened while X's init is pinned */
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/root", (int)h->pid[ENG_NS_IPC]);
  autoclose int xroot = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  snprintf(p, sizeof(p), "/proc/%d/root", (int)ypid);
  autoclose int yroot = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (xroot < 0 || yroot < 0 || ymntns < 0)
    return err_set(err, errno, "--ipc container:%s: open the containers' roots",
                   h->who[ENG_NS_IPC]);
  if (pidfd_exited(xpidfd))
    return err_set(err, 0, "container %s exited while its ipc namespace was joined",
                   h->who[ENG_NS_IPC]);
  pid_t c = fork();
  if (c < 0)
    return err_set(err, errno, "fork");
  if (c == 0)
    _exit(share_child(xpidfd, xroot, ymntns, yroot));
  int st = 0;
  while (waitpid(c, &st, 0) < 0 && errno == EINTR)
    ;
  int e = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
  if (e)
    return err_set(err, e, "--ipc container:%s: share its /dev/shm", h->who[ENG_NS_IPC]);
  return 0;
}
