/* probe: a tiny static program the tests copy into containers to ask the kernel what it
 * really allows there, instead of trusting the image's own tools.
 *   probe caps | seccomp | nnp | id | umask | fds | rlimit NAME | syscall NAME...
 *   probe memhog MB | spin [SECONDS]
 *   probe leakwatch SECONDS PREFIX...: what an attacker in the container sees of processes that
 *     enter it (tinyrun/tinydocker exec): their cwd, root and fds; prints each link that starts
 *     with one of the host PREFIXes (CVE-2016-9962, CVE-2024-21626)
 *   probe grabexe SECONDS INODE...: CVE-2019-5736 from inside: stop any process whose exe has
 *     one of the INODEs, hold its exe by O_PATH, kill it, reopen the exe for writing
 * Output is one "key value" line per item; exit 0 unless the probe itself could not run. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int status_lines(const char *const *keys)
{
  char line[512];
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) {
    perror("probe: /proc/self/status");
    return 2;
  }
  while (fgets(line, sizeof(line), f))
    for (const char *const *k = keys; *k; k++)
      if (strncmp(line, *k, strlen(*k)) == 0 && line[strlen(*k)] == ':')
        fputs(line, stdout);
  fclose(f);
  return 0;
}

static void report(const char *name, long r)
{
  if (r < 0)
    printf("%s %s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
  else
    printf("%s ok\n", name);
}

/* Each probe is harmless when allowed: bad arguments make the kernel answer with an error
 * other than EPERM (ENOENT, EBADF, ESRCH, EINVAL), so EPERM means "refused". */
static long try_syscall(const char *n)
{
  if (!strcmp(n, "unshare"))
    return unshare(CLONE_NEWUSER);
  if (!strcmp(n, "unshare_ns"))
    return unshare(CLONE_NEWNS);
  if (!strcmp(n, "mount"))
    return mount("none", "/nonexistent-probe-target", "tmpfs", 0, NULL);
  if (!strcmp(n, "umount"))
    return umount2("/nonexistent-probe-target", 0);
  if (!strcmp(n, "keyctl"))
    return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0);
  if (!strcmp(n, "add_key"))
    return syscall(SYS_add_key, "user", "probe", "x", 1, -3);
  if (!strcmp(n, "ptrace"))
    return ptrace(PTRACE_PEEKUSER, getppid(), NULL, NULL);
  if (!strcmp(n, "reboot"))
    return syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic: EINVAL once allowed */
  if (!strcmp(n, "personality"))
    return personality(0xffffffff);
  if (!strcmp(n, "personality_bsd"))
    return personality(PER_BSD);
  if (!strcmp(n, "setns"))
    return setns(-1, 0);
  if (!strcmp(n, "chroot"))
    return chroot("/nonexistent-probe-target");
  if (!strcmp(n, "bpf"))
    return syscall(SYS_bpf, -1, NULL, 0);
  if (!strcmp(n, "clone3"))
    return syscall(SYS_clone3, NULL, 0);
  if (!strcmp(n, "swapon"))
    return syscall(SYS_swapon, "/nonexistent-probe-target", 0);
  if (!strcmp(n, "getpid"))
    return getpid();
  if (!strcmp(n, "clone_newuser")) {
    long p = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (p == 0)
      _exit(0);
    if (p > 0)
      waitpid((pid_t)p, NULL, 0);
    return p;
  }
  if (!strcmp(n, "fork")) {
    pid_t p = fork();
    if (p == 0)
      _exit(0);
    if (p > 0)
      waitpid(p, NULL, 0);
    return p;
  }
  if (!strcmp(n, "socket_vsock"))
    return socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);
  errno = ENOSYS;
  fprintf(stderr, "probe: unknown syscall probe %s\n", n);
  return -2;
}

static int cmd_syscall(int argc, char **argv)
{
  for (int i = 0; i < argc; i++) {
    errno = 0;
    long r = try_syscall(argv[i]);
    if (r == -2)
      return 2;
    report(argv[i], r);
  }
  return 0;
}

static int cmd_id(void)
{
  gid_t g[256];
  int n = getgroups(256, g);
  printf("uid=%u gid=%u euid=%u egid=%u groups=", getuid(), getgid(), geteuid(), getegid());
  for (int i = 0; i < n; i++)
    printf("%s%u", i ? "," : "", g[i]);
  printf("\n");
  return 0;
}

static const struct {
  const char *n;
  int r;
} rlimits[] = {{"CPU", RLIMIT_CPU},           {"FSIZE", RLIMIT_FSIZE},
               {"DATA", RLIMIT_DATA},         {"STACK", RLIMIT_STACK},
               {"CORE", RLIMIT_CORE},         {"RSS", RLIMIT_RSS},
               {"NPROC", RLIMIT_NPROC},       {"NOFILE", RLIMIT_NOFILE},
               {"MEMLOCK", RLIMIT_MEMLOCK},   {"AS", RLIMIT_AS},
               {"LOCKS", RLIMIT_LOCKS},       {"SIGPENDING", RLIMIT_SIGPENDING},
               {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
               {"RTPRIO", RLIMIT_RTPRIO},     {"RTTIME", RLIMIT_RTTIME}};

static void print_lim(rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf("unlimited");
  else
    printf("%llu", (unsigned long long)v);
}

static int cmd_rlimit(const char *name)
{
  if (!strncmp(name, "RLIMIT_", 7))
    name += 7;
  for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
    if (strcasecmp(name, rlimits[i].n) != 0)
      continue;
    struct rlimit rl;
    if (getrlimit(rlimits[i].r, &rl) < 0)
      return perror("probe: getrlimit"), 2;
    print_lim(rl.rlim_cur);
    printf(" ");
    print_lim(rl.rlim_max);
    printf("\n");
    return 0;
  }
  fprintf(stderr, "probe: unknown rlimit %s\n", name);
  return 2;
}

static int cmd_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return perror("probe: /proc/self/fd"), 2;
  int self = dirfd(d), first = 1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == self)
      continue;
    printf("%s%s", first ? "" : " ", e->d_name);
    first = 0;
  }
  printf("\n");
  closedir(d);
  return 0;
}

static int cmd_memhog(long mb)
{
  size_t len = (size_t)mb << 20;
  char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return perror("probe: mmap"), 1;
  for (size_t o = 0; o < len; o += 4096)
    p[o] = 1;
  printf("memhog %ld MB touched\n", mb);
  return 0;
}

static int cmd_spin(long secs)
{
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (volatile unsigned long i = 0;; i++) {
    if (secs > 0 && (i & 0xfffff) == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t);
      if (t.tv_sec - t0.tv_sec >= secs)
        return 0;
    }
  }
}

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void leak_check(const char *what, const char *path, int nprefix, char **prefix)
{
  char buf[4096];
  ssize_t n = readlink(path, buf, sizeof(buf) - 1);
  if (n <= 0)
    return;
  buf[n] = 0;
  for (int i = 0; i < nprefix; i++)
    if (strncmp(buf, prefix[i], strlen(prefix[i])) == 0)
      printf("leak %s %s -> %s\n", what, path, buf);
}

static int cmd_leakwatch(double secs, int nprefix, char **prefix)
{
  pid_t self = getpid();
  long seen = 0;
  double end = now_s() + secs;
  char path[128];
  while (now_s() < end) {
    DIR *d = opendir("/proc");
    if (!d)
      return perror("probe: /proc"), 2;
    struct dirent *e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 1 || pid == self)
        continue;
      seen++;
      snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
      leak_check("cwd", path, nprefix, prefix);
      snprintf(path, sizeof(path), "/proc/%d/root", pid);
      leak_check("root", path, nprefix, prefix);
      snprintf(path, sizeof(path), "/proc/%d/fd", pid);
      DIR *fd = opendir(path);
      if (!fd)
        continue;
      struct dirent *f;
      while ((f = readdir(fd))) {
        if (f->d_name[0] == '.')
          continue;
        char fp[300];
        snprintf(fp, sizeof(fp), "/proc/%d/fd/%s", pid, f->d_name);
        leak_check("fd", fp, nprefix, prefix);
      }
      closedir(fd);
    }
    closedir(d);
  }
  printf("leakwatch done, %ld looks\n", seen);
  return 0;
}

static int cmd_grabexe(double secs, int nino, char **inos)
{
  pid_t self = getpid();
  int caught = 0;
  double end = now_s() + secs;
  char path[64];
  while (now_s() < end && caught < 5) {
    DIR *d = opendir("/proc");
    if (!d)
      return perror("probe: /proc"), 2;
    struct dirent *e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 1 || pid == self)
        continue;
      snprintf(path, sizeof(path), "/proc/%d/exe", pid);
      int fd = open(path, O_PATH | O_CLOEXEC);
      struct stat st;
      if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
          close(fd);
        continue;
      }
      bool hit = false;
      for (int i = 0; i < nino; i++)
        hit = hit || (unsigned long long)st.st_ino == strtoull(inos[i], NULL, 10);
      if (!hit) {
        close(fd);
        continue;
      }
      /* the attacker's moves: hold it, let the process go, then reopen for writing */
      kill(pid, SIGKILL);
      for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
        usleep(5000);
      char fp[64];
      snprintf(fp, sizeof(fp), "/proc/self/fd/%d", fd);
      int w = open(fp, O_WRONLY | O_CLOEXEC);
      printf("caught ino %llu: %s\n", (unsigned long long)st.st_ino,
             w >= 0 ? "writable" : strerrorname_np(errno));
      if (w >= 0)
        close(w);
      close(fd);
      caught++;
    }
    closedir(d);
  }
  printf("grabexe done, caught %d\n", caught);
  return 0;
}

int main(int argc, char **argv)
{
  static const char *const caps[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL};
  static const char *const sec[] = {"Seccomp", "Seccomp_filters", NULL};
  static const char *const nnp[] = {"NoNewPrivs", NULL};
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *c = argc > 1 ? argv[1] : "";
  if (!strcmp(c, "caps"))
    return status_lines(caps);
  if (!strcmp(c, "seccomp"))
    return status_lines(sec);
  if (!strcmp(c, "nnp"))
    return status_lines(nnp);
  if (!strcmp(c, "id"))
    return cmd_id();
  if (!strcmp(c, "umask")) {
    mode_t m = umask(0);
    printf("%04o\n", (unsigned)m);
    return 0;
  }
  if (!strcmp(c, "fds"))
    return cmd_fds();
  if (!strcmp(c, "rlimit") && argc > 2)
    return cmd_rlimit(argv[2]);
  if (!strcmp(c, "syscall") && argc > 2)
    return cmd_syscall(argc - 2, argv + 2);
  if (!strcmp(c, "memhog") && argc > 2)
    return cmd_memhog(atol(argv[2]));
  if (!strcmp(c, "spin"))
    return cmd_spin(argc > 2 ? atol(argv[2]) : 0);
  if (!strcmp(c, "leakwatch") && argc > 3)
    return cmd_leakwatch(atof(argv[2]), argc - 3, argv + 3);
  if (!strcmp(c, "grabexe") && argc > 3)
    return cmd_grabexe(atof(argv[2]), argc - 3, argv + 3);
  fprintf(stderr, "usage: probe caps|seccomp|nnp|id|umask|fds|rlimit NAME|syscall NAME...|"
                  "memhog MB|spin [SECONDS]|leakwatch S PREFIX...|grabexe S INODE...\n");
  return 2;
}
