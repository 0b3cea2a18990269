/* System calls that return -errno and leave errno alone. For code that shares its address
 * space, and so its errno, with another process running at the same time: the container
 * init's last steps after READY (runtime/core/tail.c, runtime/core/clone_vm.c). Elsewhere
 * the libc wrappers are the right thing. */
#pragma once
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
static inline long raw_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
/* Only a process of its own (clone_vm.c shares an address space on x86_64 only) gets here,
 * where errno is private anyway. */
static inline long raw_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
  long r = syscall(nr, a1, a2, a3, a4, a5, a6);
  return r < 0 ? -errno : r;
}
#endif

#define raw_syscall3(nr, a, b, c) raw_syscall6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define raw_syscall5(nr, a, b, c, d, e)                                                            \
  raw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
