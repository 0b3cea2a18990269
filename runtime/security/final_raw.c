/* The security steps of a container init's last window, from READY to its exec (runtime/
 * core/tail.c): the init may share the runtime's address space (runtime/core/clone_vm.c)
 * while the runtime goes on, so everything here makes its system calls directly, allocates
 * nothing, touches no errno and calls no libc. tests/bats/00-build.bats checks this object's
 * undefined symbols. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runtime/security/security.h"
#include "runtime/security/security_int.h"
#include "util/rawsys.h"
#include "util/trace.h"

/* window: READY..exec; no libc, no allocation, no errno */
long security_seccomp_load_raw(struct security_seccomp *f)
{
  if (!f || f->loaded)
    return -1; /* no listener */
  struct sock_fprog prog = {.len = f->len, .filter = f->prog};
  long r = raw_syscall3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
  if (r == -EINVAL && (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
    /* kernels before 5.7 lack TSYNC_ESRCH and refuse TSYNC with a listener: we are single
     * threaded here, so TSYNC has nothing to sync */
    unsigned fl =
        f->flags & ~(unsigned)(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
    r = raw_syscall3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, fl, &prog);
  }
  if (r < 0)
    return r == -1 ? -EPERM : r; /* -1 is reserved for "no listener" (EPERM is 1) */
  f->loaded = true;
  return (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? r : -1;
}

/* window: READY..exec; no libc, no allocation, no errno */
int security_caps_set_raw(uint64_t eff, uint64_t prm, uint64_t inh)
{
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2] = {
      {.effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh},
      {.effective = (uint32_t)(eff >> 32),
       .permitted = (uint32_t)(prm >> 32),
       .inheritable = (uint32_t)(inh >> 32)},
  };
  return (int)raw_syscall3(SYS_capset, &h, d, 0);
}

const char security_load_step[] = "load seccomp filter";

/* window: READY..exec; no libc, no allocation, no errno */
int security_final_noalloc(bool no_new_privs, struct security_seccomp *f, int *listener_fd,
                           const char **what)
{
  *listener_fd = -1;
  long r;
  if (no_new_privs && (r = raw_syscall5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0) {
    *what = "prctl PR_SET_NO_NEW_PRIVS";
    return (int)r;
  }
  td_trace("init-nnp");
  if ((r = security_seccomp_load_raw(f)) < -1) {
    *what = security_load_step;
    return (int)r;
  }
  *listener_fd = (int)r;
  td_trace("init-seccomp-loaded");
  if (f && f->restore_caps) {
    f->restore_caps = false;
    if ((r = security_caps_set_raw(f->final_eff, f->final_prm, f->final_inh)) < 0) {
      *what = "drop CAP_SYS_ADMIN after loading the seccomp filter";
      return (int)r;
    }
  }
  return 0;
}
