/* The hand-over of an attached `run` (or `start -a`) without a terminal, and of `run -d`: instead
 * of forking the monitor, the CLI clones it into its own address space (CLONE_VM, runtime/core/
 * clone_vm.c) and execs the small static tinydocker-attach in its own place, same pid. A fork
 * copied the CLI's page tables, the monitor then faulted every page it wrote (copy on write)
 * and every page of code it ran (a fork copies no file-backed entries), ~70 faults at ~18 us on
 * this VM, and the CLI tore down its whole address space at its exit; now the monitor carries
 * on with the CLI's pages as they are, and what waits for the exit code is a 45 KB program.
 * The CLI has sent the monitor its stdio and the start before the clone; from the clone to
 * its exec it runs nothing but raw system calls, with nothing allocated or freed and errno
 * untouched (the monitor runs meanwhile), on strings of its own stack.
 *
 * The monitor runs on the CLI's thread control block (no CLONE_SETTLS: libc knows one thread),
 * whose tid field glibc registered at the CLI's start as the CLI's clear_child_tid
 * (set_tid_address): at the CLI's exec the kernel writes 0 there, in the address space the
 * monitor now owns, at a moment the monitor cannot know. glibc keys its rwlock writers and its
 * recursive mutexes on that field; a lock taken before the write and released after it takes
 * the wrong path and stays locked, and the next lock waits on its futex forever. Issue 18 was
 * that: libnl's port map rwlock (nl_connect, nl_socket_free) in the monitor's network attach,
 * under the network store's lock, when the CLI's exec came late on a loaded host. So the CLI
 * unregisters the word (and its robust futex list) before its exec (rt_clone_vm_parent_leaving):
 * the field keeps one value for the monitor's whole life. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/monitor/monitor.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/rawsys.h"

#define MONITOR_STACK (8u * 1024u * 1024u) /* a main thread's: the monitor runs everything */

struct handoff {
  const struct eng_ctx *ctx;
  const char *id;
  int mon_sock, cli_sock;
  sigset_t mask; /* the CLI's: every signal was blocked for the clone */
};

static int monitor_entry(void *arg)
{
  struct handoff *h = arg;
  close(h->cli_sock);
  sigprocmask(SIG_SETMASK, &h->mask, NULL);
  setsid(); /* as the forked monitor: out of the terminal's session */
  _exit(eng_monitor_main((struct eng_ctx *)h->ctx, h->id, h->mon_sock));
}

/* Attached: our stdio first, so the monitor copies the container's output straight to it. */
static int send_attach_and_start(int sock, bool attach)
{
  struct mon_msg a = {.type = MON_ATTACH}, s = {.type = MON_START};
  int fds[3] = {0, 1, 2};
  return (attach && mon_send(sock, &a, fds, 3) < 0) || mon_send(sock, &s, NULL, 0) < 0 ? -1 : 0;
}

int monitor_handoff(const struct eng_ctx *ctx, const char *id, bool attach, bool sig_proxy,
                    struct td_err **err)
{
  if (!rt_clone_vm_supported())
    return 1;
  autofree char *prog = helper_find("tinydocker-attach");
  autoclose int exe = prog ? open(prog, O_PATH | O_CLOEXEC) : -1;
  if (exe < 0)
    return 1; /* not installed: the fork and the CLI's own session */
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return err_set(err, errno, "socketpair");
  struct rt_vm_region *reg = NULL;
  if (send_attach_and_start(sv[0], attach) < 0 || fcntl(sv[0], F_SETFD, 0) < 0) {
    err_set(err, errno, "attach");
    goto fail;
  }
  if ((reg = rt_vm_region_new(MONITOR_STACK, sizeof(struct handoff), err)) == NULL)
    goto fail;
  struct handoff *h = rt_vm_region_payload(reg);
  *h = (struct handoff){.ctx = ctx, .id = id, .mon_sock = sv[1], .cli_sock = sv[0]};
  char fdarg[16], bound[16];
  snprintf(fdarg, sizeof(fdarg), "%d", sv[0]);
  /* run -d's wait for MON_STARTED is bounded like the CLI's own (docs/engine.md, "Locks and
   * waits"): the program has no environment to read TD_LOCK_TIMEOUT from */
  snprintf(bound, sizeof(bound), "%d", lock_peer_timeout_ms());
  char *argv[] = {"tinydocker-attach",   fdarg, !attach ? "d" : sig_proxy ? "a1" : "a0", (char *)id,
                  attach ? NULL : bound, NULL};
  char *envp[] = {NULL};
  fflush(NULL);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &h->mask);
  if (rt_clone_vm(reg, 0, -1, monitor_entry, h) < 0) {
    err_set_fork(err, errno, "clone the monitor");
    sigprocmask(SIG_SETMASK, &h->mask, NULL);
    goto fail;
  }
  /* the monitor runs in this address space from here on: nothing of libc's may change under
   * it, so no clear of the tid field and no robust list walk at our exec or exit (above) */
  rt_clone_vm_parent_leaving();
  raw_syscall5(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
  static const char msg[] = "tinydocker: exec tinydocker-attach failed; the container runs on\n";
  raw_syscall3(SYS_write, STDERR_FILENO, msg, sizeof(msg) - 1);
  for (;;)
    raw_syscall3(SYS_exit_group, EXIT_ENGINE, 0, 0);
fail:
  rt_vm_region_drop(reg);
  close(sv[0]);
  close(sv[1]);
  return -1;
}
