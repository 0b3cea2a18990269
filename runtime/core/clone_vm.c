/* Cloning the container init into the runtime's own address space (CLONE_VM), the way
 * posix_spawn starts a program. A plain clone copies the runtime's page tables, and after it
 * every page either process writes takes a copy-on-write fault; on this project's test VM a
 * fault costs ~18 us, and a `run` took ~100 of them for the clone alone (the init before its
 * exec, the monitor after it), plus the teardown of the copy at the init's exec. With
 * CLONE_VM there is nothing to copy and nothing to tear down.
 *
 * The price is discipline, kept by spawn.c, child.c, tail.c and create.c:
 *  - from the clone to READY the runtime only waits on the sync socket (it allocates
 *    nothing and writes nothing the init reads; messages that need work from it, the
 *    console and the seccomp listener, wait for its GO);
 *  - the init gets its arguments, its stack, its copy of the seccomp program and the room
 *    for what it needs after READY in a region of its own (below), which the runtime frees
 *    only once the kernel says the init has left the address space (CLONE_CHILD_CLEARTID:
 *    cleared at its exec or exit);
 *  - from READY to its exec the init allocates nothing, reads nothing of the runtime's, and
 *    makes its system calls without errno (tail.c, util/rawsys.h): the runtime goes on
 *    meanwhile, and errno, like all of libc's per-thread state, is shared;
 *  - the init resets every signal handler it inherited before it unblocks signals (a handler
 *    of the runtime's would run on the runtime's memory);
 *  - a clone that goes on with libc while its parent leaves (the engine's monitor, whose CLI
 *    execs tinydocker-attach: engine/monitor/handoff.c) runs on the parent's thread control
 *    block, and the parent's exit or exec must not write into it: rt_clone_vm_parent_leaving.
 * x86_64 only (the entry sequence is written for it); other architectures, sanitizer builds
 * and the slow paths (namespaces joined by path, a user namespace, hooks) clone as before.
 * The same clone serves `exec` (exec.c) and the engine's hand-over of an attached run to its
 * monitor (engine/monitor/handoff.c), each under the same rules. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/rawsys.h"

#if defined(__SANITIZE_ADDRESS__)
#define CLONE_VM_OK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLONE_VM_OK 0
#endif
#endif
#ifndef CLONE_VM_OK
#if defined(__x86_64__)
#define CLONE_VM_OK 1
#else
#define CLONE_VM_OK 0
#endif
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define STACK_WARM (32u * 1024u) /* the top of the stack the init surely uses, faulted in here */

struct rt_vm_region {
  volatile int32_t tid; /* the init's tid until it execs or exits, then 0 (the kernel) */
  size_t size;          /* of the whole mapping */
  size_t stack;
  size_t payload_len;
  struct rt_vm_region *next; /* kept by the runtime until tid is 0 */
  _Alignas(64) unsigned char payload[];
};

static struct rt_vm_region *kept;

bool rt_clone_vm_supported(void)
{
  return CLONE_VM_OK;
}

static size_t page_size(void)
{
  long p = sysconf(_SC_PAGESIZE);
  return p > 0 ? (size_t)p : 4096;
}

/* [guard page][stack ... ][region header and payload]: the stack grows down from the header. */
struct rt_vm_region *rt_vm_region_new(size_t stack, size_t payload, struct td_err **err)
{
  size_t pg = page_size();
  size_t head = (sizeof(struct rt_vm_region) + payload + pg - 1) & ~(pg - 1);
  stack = (stack + pg - 1) & ~(pg - 1);
  size_t size = pg + stack + head;
  unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (m == MAP_FAILED) {
    err_set(err, errno, "map the container init's stack");
    return NULL;
  }
  if (mprotect(m, pg, PROT_NONE) < 0) {
    err_set(err, errno, "guard the container init's stack");
    munmap(m, size);
    return NULL;
  }
  /* one call instead of a fault per page: the header, the payload and the stack's top */
  (void)madvise(m + pg + stack - STACK_WARM, STACK_WARM + head, MADV_POPULATE_WRITE);
  struct rt_vm_region *r = (struct rt_vm_region *)(m + pg + stack);
  r->size = size;
  r->stack = stack;
  r->payload_len = payload;
  return r;
}

void *rt_vm_region_payload(struct rt_vm_region *r)
{
  return r->payload;
}

static void region_free(struct rt_vm_region *r)
{
  size_t pg = page_size();
  munmap((unsigned char *)r - r->stack - pg, r->size);
}

void rt_vm_region_drop(struct rt_vm_region *r)
{
  if (r)
    region_free(r);
}

void rt_vm_regions_reap(void)
{
  struct rt_vm_region **p = &kept;
  while (*p) {
    struct rt_vm_region *r = *p;
    if (__atomic_load_n(&r->tid, __ATOMIC_ACQUIRE) == 0) {
      *p = r->next;
      region_free(r);
    } else {
      p = &r->next;
    }
  }
}

#if CLONE_VM_OK
/* clone3 with a stack: the child comes back from the system call on that stack, where no C
 * frame of ours exists, so it must go straight into fn and never return. */
static long clone3_into(struct clone_args *ca, int (*fn)(void *), void *arg)
{
  register long rax __asm__("rax") = SYS_clone3;
  register long rdi __asm__("rdi") = (long)ca;
  register long rsi __asm__("rsi") = (long)sizeof(*ca);
  register long r12 __asm__("r12") = (long)fn;
  register long r13 __asm__("r13") = (long)arg;
  __asm__ volatile("syscall\n\t"
                   "test %%rax, %%rax\n\t"
                   "jnz 1f\n\t"
                   "xor %%ebp, %%ebp\n\t" /* the child: the outermost frame of its stack */
                   "mov %%r13, %%rdi\n\t"
                   "call *%%r12\n\t"
                   "mov %%eax, %%edi\n\t"
                   "mov %[nr_exit], %%eax\n\t"
                   "syscall\n\t"
                   "ud2\n"
                   "1:"
                   : "+r"(rax)
                   : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13), [nr_exit] "i"(SYS_exit)
                   : "rcx", "r11", "memory", "cc");
  return rax;
}
#endif

pid_t rt_clone_vm(struct rt_vm_region *r, uint64_t flags, int cgfd, int (*fn)(void *), void *arg)
{
#if CLONE_VM_OK
  struct clone_args ca;
  memset(&ca, 0, sizeof(ca));
  ca.flags = flags | CLONE_VM | CLONE_CHILD_CLEARTID;
  ca.exit_signal = SIGCHLD;
  ca.child_tid = (uint64_t)(uintptr_t)&r->tid;
  ca.stack = (uint64_t)(uintptr_t)((unsigned char *)r - r->stack);
  ca.stack_size = r->stack; /* the top, r itself, is 64-byte aligned */
  if (cgfd >= 0) {
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = (uint64_t)cgfd;
  }
  r->tid = -1; /* not 0 until the kernel clears it */
  long pid = clone3_into(&ca, fn, arg);
  if (pid < 0) {
    errno = (int)-pid;
    return -1;
  }
  r->next = kept;
  kept = r;
  return (pid_t)pid;
#else
  (void)r, (void)flags, (void)cgfd, (void)fn, (void)arg;
  errno = ENOSYS;
  return -1;
#endif
}

/* No CLONE_SETTLS: a clone runs on its parent's thread control block, libc's per-thread state,
 * whose tid field glibc gave the kernel at the parent's start as its clear_child_tid
 * (set_tid_address), with its robust futex list beside it. At the parent's exit or exec the
 * kernel writes 0 into that field and walks that list, in the address space the clone goes on
 * with. glibc keys rwlock writers and recursive mutexes on the field: a lock taken before that
 * write and released after it takes the reader's (or the wrong owner's) path, stays locked, and
 * the next lock waits on its futex forever (issue 18: libnl's port map rwlock in the monitor's
 * network attach). Unregistered, the field keeps the parent's tid, one value for the clone's
 * whole life, which is all a single-threaded libc needs of it. Raw system calls: the clone
 * runs meanwhile and errno is shared. */
void rt_clone_vm_parent_leaving(void)
{
  raw_syscall3(SYS_set_tid_address, 0, 0, 0);
  raw_syscall3(SYS_set_robust_list, 0, sizeof(struct robust_list_head), 0);
}

/* A mask from /proc/thread-self/status ("SigIgn:", "SigCgt:"; bit s-1 for signal s). */
static uint64_t status_mask(const char *buf, const char *field, uint64_t dflt)
{
  const char *p = strstr(buf, field);
  if (p == NULL)
    return dflt;
  p += strlen(field);
  char *end = NULL;
  unsigned long long v = strtoull(p, &end, 16);
  return end == p ? dflt : (uint64_t)v;
}

/* A clone's first step (the init, an exec'd process): the handlers it inherited from the
 * runtime go back to the default before any signal is unblocked (all are blocked for the
 * clone), since a handler of the runtime's must not run here, in its address space; then
 * the runtime's mask. Returns the signals this process ignores (all when unknown), read on
 * the host's procfs. Through the system call: libc refuses 32 and 33 (its own). */
uint64_t rt_clone_settle_signals(const sigset_t *mask)
{
  autoclose int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
  char buf[4096];
  size_t len = 0;
  ssize_t n = 0;
  while (fd >= 0 && len < sizeof(buf) - 1 &&
         (n = RETRY_EINTR(read(fd, buf + len, sizeof(buf) - 1 - len))) > 0)
    len += (size_t)n;
  buf[len] = '\0';
  bool ok = fd >= 0 && n >= 0;
  uint64_t ignored = ok ? status_mask(buf, "\nSigIgn:", UINT64_MAX) : UINT64_MAX;
  uint64_t caught = ok ? status_mask(buf, "\nSigCgt:", UINT64_MAX) : UINT64_MAX;
  unsigned long dfl[8] = {0};
  for (int s = 1; s < NSIG && s <= 64; s++)
    if (s != SIGKILL && s != SIGSTOP && (caught & (UINT64_C(1) << (s - 1))))
      syscall(SYS_rt_sigaction, s, dfl, NULL, (size_t)((NSIG - 1) / 8));
  sigprocmask(SIG_SETMASK, mask, NULL);
  return ignored;
}
