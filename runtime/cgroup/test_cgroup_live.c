/* Live cgroup test (root only; skipped otherwise): creates cgroups below td-test-* parents,
 * applies resources, checks the files from the host, moves a forked child in, freezes and
 * thaws it, reads stats, catches an OOM kill, kills and destroys, and checks nothing is left.
 * Then the same on the v2 backend, forced onto this host's cgroup2 mount, with the eBPF
 * device filter checked by a child that opens /dev/null. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_bpf.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

/* read <a><b-with-slash>: callers pass "dir", "/file" style pieces */
static char *slurp3(const char *a, const char *b, const char *c)
{
  autofree char *p = xasprintf("%s%s/%s", a, b, c);
  autoerr struct td_err *e = NULL;
  char *s = NULL;
  if (file_read_all(AT_FDCWD, p, &s, NULL, &e) < 0)
    return xstrdup("(unreadable)");
  return s;
}

/* <root>/<hier><path>/<file> starts with want */
static void check(const char *hier, const char *path, const char *file, const char *want)
{
  autofree char *dir = xasprintf("/sys/fs/cgroup/%s%s", hier, path);
  autofree char *s = slurp3(dir, "", file);
  bool ok = strncmp(s, want, strlen(want)) == 0;
  TAP_OK(ok, "%s/%s is '%s'", hier, file, want);
  if (!ok)
    printf("#   got '%s'\n", s);
}

static bool exists(const char *hier, const char *path)
{
  autofree char *d = xasprintf("/sys/fs/cgroup/%s%s", hier, path);
  return access(d, F_OK) == 0;
}

static char proc_state(pid_t pid)
{
  char pb[32];
  snprintf(pb, sizeof(pb), "%d", (int)pid);
  autofree char *s = slurp3("/proc/", pb, "status");
  char *st = strstr(s, "\nState:\t");
  return st ? st[8] : '?';
}

/* the state right after a thaw can be R for a moment: wait for want */
static char wait_state(pid_t pid, char want)
{
  char st = '?';
  for (int i = 0; i < 200 && (st = proc_state(pid)) != want; i++)
    usleep(5000);
  return st;
}

static pid_t spawn_sleeper(void)
{
  pid_t pid = fork();
  if (pid == 0) {
    for (;;)
      pause();
  }
  return pid;
}

static void reap(pid_t pid)
{
  int status;
  waitpid(pid, &status, 0);
}

static struct spec_resources *v1_resources(void)
{
  struct spec_resources *r = xcalloc(1, sizeof(*r));
  r->memory.has_limit = true, r->memory.limit = 100 << 20;
  r->memory.has_swap = true, r->memory.swap = 200 << 20;
  r->memory.has_reservation = true, r->memory.reservation = 50 << 20;
  r->memory.has_swappiness = true, r->memory.swappiness = 10;
  r->cpu.has_shares = true, r->cpu.shares = 512;
  r->cpu.has_quota = true, r->cpu.quota = 20000;
  r->cpu.has_period = true, r->cpu.period = 100000;
  r->cpu.cpus = xstrdup("0");
  r->cpu.mems = xstrdup("0");
  r->pids.has_limit = true, r->pids.limit = 50;
  r->memory.has_kernel_tcp = true, r->memory.kernel_tcp = 50593792;
  /* weights have a test of their own (test_v1_blkio_weight): a kernel without CFQ/BFQ has none */
  static struct spec_device_rule devs[] = {
      {false, 'a', -1, -1, "rwm"},
      {true, 'c', 1, 3, "rwm"},
      {true, 'c', 1, 5, "r"},
  };
  r->devices = devs;
  r->n_devices = 3;
  return r;
}

static void free_res(struct spec_resources *r)
{
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r);
}

static void test_v1(void)
{
  autofree char *parent = xasprintf("/td-test-cg-%d", (int)getpid());
  autofree char *path = xasprintf("%s/ctr", parent);
  struct spec_resources *res = v1_resources();
  struct cgroup *cg = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(cgroup_create(path, res, &cg, &e) == 0, "v1: create %s with resources (%s)", path,
         e ? err_text(e) : "ok");
  free_res(res);
  if (!cg)
    return;
  check("memory", path, "memory.limit_in_bytes", "104857600");
  check("memory", path, "memory.memsw.limit_in_bytes", "209715200");
  check("memory", path, "memory.soft_limit_in_bytes", "52428800");
  check("memory", path, "memory.swappiness", "10");
  check("cpu", path, "cpu.shares", "512");
  if (access("/sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes", F_OK) == 0)
    check("memory", path, "memory.kmem.tcp.limit_in_bytes", "50593792");
  check("cpu", path, "cpu.cfs_quota_us", "20000");
  check("cpu", path, "cpu.cfs_period_us", "100000");
  check("cpuset", path, "cpuset.cpus", "0");
  check("cpuset", parent, "cpuset.cpus", "0-");
  check("pids", path, "pids.max", "50");
  check("devices", path, "devices.list", "c 1:3 rwm\nc 1:5 r");
  struct cgroup_hierarchy *hs = NULL;
  size_t nh = 0;
  cgroup_hierarchies(cg, &hs, &nh);
  bool mem = false;
  for (size_t i = 0; i < nh; i++)
    mem |= strcmp(hs[i].name, "memory") == 0 && strstr(hs[i].dir, path);
  TAP_OK(nh >= 5 && mem, "v1: %zu hierarchies listed, memory among them", nh);
  cgroup_hierarchies_free(hs, nh);

  pid_t child = spawn_sleeper();
  TAP_OK(cgroup_enter(cg, child, &e) == 0, "v1: enter pid %d", (int)child);
  char pb[32];
  snprintf(pb, sizeof(pb), "%d", (int)child);
  autofree char *procs = slurp3("/sys/fs/cgroup/memory", path, "cgroup.procs");
  TAP_OK(strstr(procs, pb) != NULL, "v1: child listed in memory cgroup.procs");
  if (cgroup_mode() == CGROUP_MODE_HYBRID) {
    autofree char *uprocs = slurp3("/sys/fs/cgroup/unified", path, "cgroup.procs");
    TAP_OK(strstr(uprocs, pb) != NULL, "hybrid: child also in the cgroup2 mount");
  }
  pid_t *pids = NULL;
  size_t n = 0;
  TAP_OK(cgroup_pids(cg, &pids, &n, &e) == 0 && n == 1 && pids[0] == child, "v1: pids");
  free(pids);
  /* a sub-cgroup made inside, as a container with a cgroup namespace may do */
  autofree char *sub = xasprintf("/sys/fs/cgroup/pids%s/sub", path);
  pid_t child2 = spawn_sleeper();
  char pb2[32];
  snprintf(pb2, sizeof(pb2), "%d", (int)child2);
  autoerr struct td_err *we = NULL;
  autofree char *subprocs = xasprintf("%s/cgroup.procs", sub);
  TAP_OK(mkdir(sub, 0755) == 0 && file_write_str(AT_FDCWD, subprocs, pb2, &we) == 0,
         "v1: second child in a nested pids cgroup");
  TAP_OK(cgroup_pids(cg, &pids, &n, &e) == 0 && n == 2, "v1: pids are listed recursively (%zu)", n);
  free(pids);

  TAP_OK(cgroup_freeze(cg, true, &e) == 0 && cgroup_is_frozen(cg), "v1: frozen");
  check("freezer", path, "freezer.state", "FROZEN");
  char st = wait_state(child, 'D');
  TAP_OK(st == 'D', "v1: frozen child is in state D (got %c)", st);
  TAP_OK(cgroup_freeze(cg, false, &e) == 0 && !cgroup_is_frozen(cg), "v1: thawed");
  st = wait_state(child, 'S');
  TAP_OK(st == 'S', "v1: thawed child sleeps again (got %c)", st);

  struct cgroup_stats s;
  TAP_OK(cgroup_stats(cg, &s, &e) == 0 && s.pids_current == 2 && s.pids_limit == 50 &&
             s.memory_limit > 0 && s.memory_limit <= 104857600,
         "v1: stats pids %lu/%lu, memory limit %lu", (unsigned long)s.pids_current,
         (unsigned long)s.pids_limit, (unsigned long)s.memory_limit);

  /* a thawed kill of a frozen cgroup */
  TAP_OK(cgroup_freeze(cg, true, &e) == 0, "v1: frozen again before the kill");
  TAP_OK(cgroup_kill_all(cg, SIGKILL, &e) == 0, "v1: kill_all");
  reap(child);
  reap(child2);
  TAP_OK(cgroup_destroy(cg, &e) == 0, "v1: destroy (%s)", e ? err_text(e) : "ok");
  cgroup_free(cg);
  const char *hiers[] = {"memory",  "cpu",     "cpuacct", "cpuset",  "pids",
                         "devices", "freezer", "blkio",   "unified", NULL};
  bool left = false;
  for (const char **h = hiers; *h; h++)
    left |= exists(*h, path) || exists(*h, parent);
  TAP_OK(!left && access(sub, F_OK) < 0,
         "v1: the leaf, its nested cgroup and the parent we created are gone everywhere");
}

/* blkio weights as runc has them: applied where the kernel has CFQ's or BFQ's weight file,
 * an error naming the file where it has none (this host's kernel may have either; the fake
 * directory test in test_cgroup.c runs both branches everywhere). */
static void test_v1_blkio_weight(void)
{
  autofree char *parent = xasprintf("/td-test-blkio-%d", (int)getpid());
  autofree char *path = xasprintf("%s/ctr", parent);
  struct spec_resources none = {0};
  struct cgroup *cg = NULL;
  autoerr struct td_err *e = NULL;
  if (cgroup_create(path, &none, &cg, &e) < 0) {
    TAP_OK(false, "v1 blkio: create a plain cgroup (%s)", err_text(e));
    return;
  }
  autofree char *cfq = xasprintf("/sys/fs/cgroup/blkio%s/blkio.weight", path);
  autofree char *bfq = xasprintf("/sys/fs/cgroup/blkio%s/blkio.bfq.weight", path);
  const char *file = access(cfq, F_OK) == 0   ? "blkio.weight"
                     : access(bfq, F_OK) == 0 ? "blkio.bfq.weight"
                                              : NULL;
  cgroup_destroy(cg, &e);
  cgroup_free(cg);
  cg = NULL;
  printf("# this kernel's blkio weight file: %s\n", file ? file : "none (no CFQ/BFQ)");
  struct spec_resources r = {0};
  r.blkio.has_weight = true, r.blkio.weight = 500;
  r.blkio.has_leaf_weight = true, r.blkio.leaf_weight = 300; /* CFQ only: skipped on BFQ */
  int rc = cgroup_create(path, &r, &cg, &e);
  if (file) {
    TAP_OK(rc == 0, "v1 blkio: weight 500 applied (%s)", e ? err_text(e) : "ok");
    if (rc == 0)
      check("blkio", path, file, "500");
  } else {
    TAP_OK(rc < 0 && e && e->errnum == ENOTSUP && strstr(err_text(e), "blkio.weight"),
           "v1 blkio: no weight file: an error naming it, as runc (%s)", e ? err_text(e) : "ok");
  }
  if (cg) {
    cgroup_destroy(cg, &e);
    cgroup_free(cg);
  }
  const char *hiers[] = {"memory", "cpu", "pids", "blkio", "unified", NULL};
  bool left = false;
  for (const char **h = hiers; *h; h++)
    left |= exists(*h, path) || exists(*h, parent);
  TAP_OK(!left, "v1 blkio: nothing left behind");
}

static void test_oom(void)
{
  autofree char *path = xasprintf("/td-test-oom-%d", (int)getpid());
  struct spec_resources r = {0};
  r.memory.has_limit = true, r.memory.limit = 16 << 20;
  r.memory.has_swap = true, r.memory.swap = 16 << 20;
  struct cgroup *cg = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(cgroup_create(path, &r, &cg, &e) == 0, "oom: create");
  if (!cg)
    return;
  autoclose int ofd = cgroup_oom_fd(cg, &e);
  TAP_OK(ofd >= 0, "oom: notification fd (%s)", e ? err_text(e) : "ok");
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0)
    return;
  pid_t child = fork();
  if (child == 0) {
    char c;
    close(sync[1]);
    if (read(sync[0], &c, 1) != 1)
      _exit(2);
    for (size_t i = 0; i < 64; i++) {
      char *p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED)
        memset(p, 1, 4 << 20);
    }
    _exit(0);
  }
  close(sync[0]);
  TAP_OK(cgroup_enter(cg, child, &e) == 0, "oom: enter");
  TAP_OK(write(sync[1], "x", 1) == 1, "oom: go");
  close(sync[1]);
  int status = 0;
  waitpid(child, &status, 0);
  TAP_OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "oom: hog killed by SIGKILL");
  struct pollfd pf = {.fd = ofd, .events = POLLIN};
  TAP_OK(poll(&pf, 1, 2000) == 1, "oom: fd readable");
  struct cgroup_stats s;
  TAP_OK(cgroup_stats(cg, &s, &e) == 0 && s.oom_kills >= 1, "oom: oom_kills = %lu",
         (unsigned long)s.oom_kills);
  TAP_OK(cgroup_destroy(cg, &e) == 0, "oom: destroy");
  cgroup_free(cg);
  TAP_OK(!exists("memory", path), "oom: gone");
}

/* child: wait for the go byte, open dev, exit with the errno (0 on success) */
static pid_t spawn_opener(const char *dev, int *go)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(p[1]);
    if (read(p[0], &c, 1) != 1)
      _exit(100);
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    _exit(fd >= 0 ? 0 : errno);
  }
  close(p[0]);
  *go = p[1];
  return pid;
}

static int opener_result(struct cgroup *cg, const char *dev, struct td_err **e)
{
  int go = -1;
  pid_t child = spawn_opener(dev, &go);
  int ok = cgroup_enter(cg, child, e);
  if (write(go, "x", 1) != 1)
    ok = -1;
  close(go);
  int status = 0;
  waitpid(child, &status, 0);
  return ok < 0 ? -1 : WEXITSTATUS(status);
}

static void test_v2_devices(struct cgroup *cg)
{
  autoerr struct td_err *e = NULL;
  struct spec_device_rule deny_null[] = {{true, 'a', -1, -1, "rwm"}, {false, 'c', 1, 3, "rwm"}};
  struct spec_resources r = {0};
  r.devices = deny_null;
  r.n_devices = 2;
  TAP_OK(cgroup_apply(cg, &r, &e) == 0, "v2: device program attached (%s)", e ? err_text(e) : "ok");
  int rc = opener_result(cg, "/dev/null", &e);
  TAP_OK(rc == EPERM, "v2: a child in the cgroup gets EPERM opening /dev/null (got %d)", rc);
  struct spec_device_rule allow_null[] = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rw"}};
  r.devices = allow_null;
  TAP_OK(cgroup_apply(cg, &r, &e) == 0 && cg_bpf_devices_count(cgroup_v2_dirfd(cg)) == 1,
         "v2: device program replaced (the old one detached)");
  rc = opener_result(cg, "/dev/null", &e);
  TAP_OK(rc == 0, "v2: after the update /dev/null opens (got %d)", rc);
  /* the list the runtime core gives a default container (runc's), after a deny-all */
  struct spec_device_rule dflt[] = {
      {false, 'a', -1, -1, "rwm"}, {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},
      {true, 'c', 1, 3, "rwm"},    {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 7, "rwm"},
      {true, 'c', 5, 0, "rwm"},    {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 9, "rwm"},
      {true, 'c', 136, -1, "rwm"}, {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
  };
  r.devices = dflt;
  r.n_devices = sizeof(dflt) / sizeof(dflt[0]);
  err_free(&e);
  TAP_OK(cgroup_apply(cg, &r, &e) == 0, "v2: the default rule list loads (%s)",
         e ? err_text(e) : "ok");
  TAP_OK(opener_result(cg, "/dev/urandom", &e) == 0, "v2: default list: /dev/urandom opens");
  rc = opener_result(cg, "/dev/kmsg", &e);
  TAP_OK(rc == EPERM, "v2: default list: /dev/kmsg (c 1:11) is EPERM (got %d)", rc);
  rc = opener_result(cg, "/dev/loop0", &e);
  TAP_OK(rc == EPERM, "v2: default list: /dev/loop0 (b 7:0, mknod only) is EPERM (got %d)", rc);
}

static void test_v2(void)
{
  struct statfs sf;
  if (statfs("/sys/fs/cgroup/unified", &sf) < 0 || (long)sf.f_type != CGROUP2_SUPER_MAGIC) {
    printf("ok %d - # SKIP no cgroup2 mount at /sys/fs/cgroup/unified\n", ++tap_n_);
    return;
  }
  setenv("TINYRUN_CGROUP_MODE", "v2", 1);
  {
    struct cgroup *bad = NULL;
    autoerr struct td_err *be = NULL;
    autofree char *bp = xasprintf("/td-test-notv2-%d", (int)getpid());
    autofree char *bd = xasprintf("/sys/fs/cgroup%s", bp);
    TAP_OK(cgroup_create(bp, NULL, &bad, &be) < 0 && strstr(err_text(be), "not a cgroup2") &&
               access(bd, F_OK) < 0,
           "v2 forced onto a non-cgroup2 root is refused, nothing made");
  }
  setenv("TINYRUN_CGROUP_ROOT", "/sys/fs/cgroup/unified", 1);
  autofree char *parent = xasprintf("/td-test-cg2-%d", (int)getpid());
  autofree char *pdir = xasprintf("/sys/fs/cgroup/unified%s", parent);
  autofree char *path = xasprintf("%s/a/ctr", parent);
  TAP_OK(mkdir(pdir, 0755) == 0, "v2: test parent made by the test");
  struct cgroup *cg = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(cgroup_create(path, NULL, &cg, &e) == 0 && cgroup_v2_dirfd(cg) >= 0,
         "v2 (forced): create %s", path);
  if (cg) {
    pid_t child = spawn_sleeper();
    TAP_OK(cgroup_enter(cg, child, &e) == 0, "v2: enter");
    TAP_OK(cgroup_freeze(cg, true, &e) == 0 && cgroup_is_frozen(cg), "v2: frozen");
    check("unified", path, "cgroup.events", "populated 1\nfrozen 1");
    char st = proc_state(child);
    TAP_OK(st == 'S' || st == 'D', "v2: frozen child state %c", st);
    TAP_OK(cgroup_freeze(cg, false, &e) == 0 && !cgroup_is_frozen(cg), "v2: thawed");
    pid_t *pids = NULL;
    size_t n = 0;
    TAP_OK(cgroup_pids(cg, &pids, &n, &e) == 0 && n == 1 && pids[0] == child, "v2: pids");
    free(pids);
    TAP_OK(cgroup_kill_all(cg, SIGKILL, &e) == 0, "v2: kill_all through cgroup.kill");
    reap(child);
    test_v2_devices(cg);
    TAP_OK(cgroup_destroy(cg, &e) == 0, "v2: destroy (%s)", e ? err_text(e) : "ok");
    cgroup_free(cg);
  }
  autofree char *mid = xasprintf("%s/a", pdir);
  TAP_OK(access(mid, F_OK) < 0 && access(pdir, F_OK) == 0,
         "v2: levels we made are gone, the test's parent stays");
  rmdir(pdir);
  unsetenv("TINYRUN_CGROUP_MODE");
  unsetenv("TINYRUN_CGROUP_ROOT");
}

/* The plain v1 path, forced on this hybrid host: nothing goes to the cgroup2 mount. */
static void test_forced_v1(void)
{
  setenv("TINYRUN_CGROUP_MODE", "v1", 1);
  autofree char *path = xasprintf("/td-test-v1-%d", (int)getpid());
  struct cgroup *cg = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(cgroup_create(path, NULL, &cg, &e) == 0 && cgroup_handle_mode(cg) == CGROUP_MODE_V1,
         "forced v1: create");
  TAP_OK(exists("memory", path) && !exists("unified", path), "forced v1: no cgroup2 directory");
  if (cg) {
    TAP_OK(cgroup_destroy(cg, &e) == 0 && !exists("memory", path), "forced v1: destroy");
    cgroup_free(cg);
  }
  unsetenv("TINYRUN_CGROUP_MODE");
}

static void test_bad_input(void)
{
  autofree char *path = xasprintf("/td-test-bad-%d", (int)getpid());
  struct spec_resources r = {0};
  r.cpu.cpus = (char *)"0-x";
  struct cgroup *cg = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(cgroup_create(path, &r, &cg, &e) < 0 && strstr(err_text(e), "0-x"),
         "bad cpuset refused: %s", e ? err_text(e) : "");
  TAP_OK(!exists("memory", path) && !exists("cpuset", path), "bad cpuset: nothing left");
  err_free(&e);
  r.cpu.cpus = (char *)"63";
  TAP_OK(cgroup_create(path, &r, &cg, &e) < 0 && strstr(err_text(e), "cpuset.cpus"),
         "cpuset the kernel refuses: %s", e ? err_text(e) : "");
  TAP_OK(!exists("memory", path) && !exists("cpuset", path), "refused cpuset: nothing left");
  /* a cgroupsPath that already exists (shared) is not removed by a failed create */
  autofree char *pre = xasprintf("/sys/fs/cgroup/memory%s", path);
  TAP_OK(mkdir(pre, 0755) == 0, "pre-existing memory cgroup made");
  err_free(&e);
  TAP_OK(cgroup_create(path, &r, &cg, &e) < 0, "refused again");
  TAP_OK(exists("memory", path) && !exists("cpuset", path) && !exists("pids", path),
         "failed create keeps the pre-existing cgroup, removes the ones it made");
  rmdir(pre);
}

/* A diagnostic for the runtime's time budget: create + enter + destroy of an empty cgroup. */
static void time_cycle(void)
{
  struct timespec a, b;
  autofree char *path = xasprintf("/td-test-time-%d/ctr", (int)getpid());
  clock_gettime(CLOCK_MONOTONIC, &a);
  const int rounds = 20;
  for (int i = 0; i < rounds; i++) {
    struct cgroup *cg = NULL;
    autoerr struct td_err *e = NULL;
    if (cgroup_create(path, NULL, &cg, &e) < 0)
      return;
    cgroup_destroy(cg, &e);
    cgroup_free(cg);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
  printf("# %s: create+destroy of an empty cgroup (with its parent): %.2f ms\n",
         cgroup_mode_name(cgroup_mode()), ms / rounds);
}

int main(void)
{
  if (geteuid() != 0 || access("/sys/fs/cgroup/memory/cgroup.procs", W_OK) != 0) {
    printf("1..0 # SKIP needs root and a writable cgroup v1 memory hierarchy\n");
    return 0;
  }
  test_bad_input();
  test_v1();
  test_v1_blkio_weight();
  test_forced_v1();
  test_oom();
  test_v2();
  time_cycle();
  return TAP_DONE();
}
