/* docker's default seccomp policy, written as tables of our own: deny with EPERM by default,
 * allow what ordinary programs need, keep namespace, mount, module, key, time, tracing of
 * others, BPF and raw-IO syscalls out unless the container holds the capability that would
 * make them meaningful (as docker does when it renders its profile for a container). */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include "runtime/security/security.h"

// clang-format off
static const char *const allow_common[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
    "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
    "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
    "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
    "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
    "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
    "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
    "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
    "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
    "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
    "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
    "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
    "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
    "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
    "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
    "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
    "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
    "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
    "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
    "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
    "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
    "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
    "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
    "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
    "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
    "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
    "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
    "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
    "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
    "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
    "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
    "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
    "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
    "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
    "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
    "set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
    "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
    "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
    "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
    "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
    "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
    "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
    "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev", NULL};
// clang-format on

#if defined(__x86_64__) || defined(__i386__)
static const char *const allow_arch[] = {"arch_prctl", "modify_ldt", NULL};
static const char *const arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
#elif defined(__aarch64__) || defined(__arm__)
static const char *const allow_arch[] = {"arm_fadvise64_64",
                                         "arm_sync_file_range",
                                         "sync_file_range2",
                                         "breakpoint",
                                         "cacheflush",
                                         "set_tls",
                                         NULL};
static const char *const arches[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL};
#else
static const char *const allow_arch[] = {NULL};
static const char *const arches[] = {NULL};
#endif

/* Tracing other processes: docker allows it from kernel 4.8 on, where seccomp can no
 * longer be bypassed through ptrace. */
static const char *const allow_ptrace[] = {"ptrace", "process_vm_readv", "process_vm_writev", NULL};

struct cap_group {
  int cap;
  const char *const names[24];
};

/* Syscalls that only make sense with a capability the default set lacks. */
static const struct cap_group cap_groups[] = {
    {CAP_SYS_ADMIN, {"bpf",           "clone",           "clone3",
                     "fanotify_init", "fsconfig",        "fsmount",
                     "fsopen",        "fspick",          "lookup_dcookie",
                     "mount",         "mount_setattr",   "move_mount",
                     "open_tree",     "perf_event_open", "quotactl",
                     "quotactl_fd",   "setdomainname",   "sethostname",
                     "setns",         "syslog",          "umount",
                     "umount2",       "unshare",         NULL}},
    {CAP_SYS_BOOT, {"reboot", NULL}},
    {CAP_SYS_CHROOT, {"chroot", NULL}},
    {CAP_SYS_MODULE, {"delete_module", "init_module", "finit_module", NULL}},
    {CAP_SYS_PACCT, {"acct", NULL}},
    {CAP_SYS_PTRACE, {"kcmp", "pidfd_getfd", "process_madvise", NULL}},
    {CAP_SYS_RAWIO, {"iopl", "ioperm", NULL}},
    {CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_settime64", NULL}},
    {CAP_SYS_TTY_CONFIG, {"vhangup", NULL}},
    {CAP_SYS_NICE, {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", NULL}},
    {CAP_SYSLOG, {"syslog", NULL}},
    {CAP_BPF, {"bpf", NULL}},
    {CAP_PERFMON, {"perf_event_open", NULL}},
    {CAP_DAC_READ_SEARCH, {"open_by_handle_at", NULL}},
};

static json_t *names_json(const char *const *names)
{
  json_t *a = json_array();
  for (; *names; names++)
    json_array_append_new(a, json_string(*names));
  return a;
}

static void add_allow(json_t *calls, const char *const *names)
{
  if (*names)
    json_array_append_new(
        calls, json_pack("{s:o,s:s}", "names", names_json(names), "action", "SCMP_ACT_ALLOW"));
}

static void add_arg_rule(json_t *calls, const char *name, const char *action, json_t *arg)
{
  json_array_append_new(
      calls, json_pack("{s:[s],s:s,s:[o]}", "names", name, "action", action, "args", arg));
}

static json_t *arg_json(unsigned index, uint64_t value, uint64_t value_two, const char *op)
{
  return json_pack("{s:i,s:I,s:I,s:s}", "index", index, "value", (json_int_t)value, "valueTwo",
                   (json_int_t)value_two, "op", op);
}

static bool kernel_at_least(int major, int minor)
{
  struct utsname u;
  int ma = 0, mi = 0;
  if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
    return true;
  return ma > major || (ma == major && mi >= minor);
}

/* Rules whose arguments docker restricts: personality to the harmless domains, clone without
 * namespace flags, socket without AF_VSOCK (host-guest channel). */
static void add_arg_rules(json_t *calls, bool sys_admin)
{
  static const uint64_t personas[] = {PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32,
                                      0xffffffffu};
  for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++)
    add_arg_rule(calls, "personality", "SCMP_ACT_ALLOW",
                 arg_json(0, personas[i], 0, "SCMP_CMP_EQ"));
  add_arg_rule(calls, "socket", "SCMP_ACT_ALLOW", arg_json(0, AF_VSOCK, 0, "SCMP_CMP_NE"));
  if (sys_admin)
    return;
  const uint64_t ns_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                            CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
  add_arg_rule(calls, "clone", "SCMP_ACT_ALLOW", arg_json(0, ns_flags, 0, "SCMP_CMP_MASKED_EQ"));
  /* clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to
   * clone, which the rule above checks. */
  json_array_append_new(calls, json_pack("{s:[s],s:s,s:i}", "names", "clone3", "action",
                                         "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
}

json_t *security_docker_seccomp_json_for_caps(uint64_t caps)
{
  json_t *calls = json_array();
  add_allow(calls, allow_common);
  add_allow(calls, allow_arch);
  if (kernel_at_least(4, 8))
    add_allow(calls, allow_ptrace);
  add_arg_rules(calls, caps & (UINT64_C(1) << CAP_SYS_ADMIN));
  for (size_t i = 0; i < sizeof(cap_groups) / sizeof(cap_groups[0]); i++)
    if (caps & (UINT64_C(1) << cap_groups[i].cap))
      add_allow(calls, cap_groups[i].names);
  return json_pack("{s:s,s:i,s:o,s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
                   "architectures", names_json(arches), "syscalls", calls);
}

json_t *security_docker_default_seccomp_json(void)
{
  return security_docker_seccomp_json_for_caps(security_docker_default_caps_mask());
}
