/* engine/monitor: the per-container monitor (monitor.c: create, start, supervise, exit,
 * restart; the loop, log and state it shares with the idle program tinydocker-monitor,
 * monitor_idle.c), how it is started (spawn.c: a fork; handoff.c: cloned into the CLI's
 * address space, the CLI replaced by tinydocker-attach, attach_client.c) and the protocol
 * between it and a client (monproto.c).
 * Calls down only: engine/container, engine/parse, runtime/, net/, util/.
 *
 * The protocol between the CLI and a container's monitor: fixed-size messages over a
 * SOCK_SEQPACKET unix socket (a socketpair for the command that spawned the monitor, or
 * <container dir>/attach.sock for later `attach`). The client passes its own stdio fds with
 * SCM_RIGHTS, so the monitor copies container output straight to them (one copy, no relay
 * through the CLI). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

enum mon_msg_type {
  MON_ATTACH = 1, /* client -> monitor; fds [stdin, stdout, stderr]; a = MON_F_* flags;
                     text[0] = number of detach key bytes (0..16) for a tty, text[1..] them */
  MON_START,      /* client -> monitor: create and start the container now */
  MON_RESIZE,     /* client -> monitor: rows/cols of the client's terminal */
  MON_SIGNAL,     /* client -> monitor: send signal a to the container's init */
  MON_STARTED,    /* monitor -> client: a = init pid */
  MON_EXIT,       /* monitor -> client: a = exit code */
  MON_ERROR,      /* monitor -> client: a = exit code, text = message */
  MON_DETACH,     /* client -> monitor: forget my fds */
  MON_DETACHED,   /* monitor -> client: the detach keys were typed; fds forgotten */
};

enum {
  MON_F_STDIN = 1, /* read the client's stdin into the container */
  MON_F_TTY = 2,   /* the client is a terminal */
};

struct mon_msg {
  uint32_t type;
  int32_t a;
  uint16_t rows, cols;
  char text[1000];
};

/* Send a message, with fds (n may be 0). */
int mon_send(int sock, const struct mon_msg *m, const int *fds, int n);
/* Receive a message; up to 3 fds into fds (unused slots -1), *nfds gets the count.
 * Returns 1 on a message, 0 on hang-up, -1 on error. */
int mon_recv(int sock, struct mon_msg *m, int *fds, int *nfds);

struct eng_ctx;
/* Spawn the monitor for a container (one fork: spawn.c); sock gets our end of its socketpair. */
int monitor_spawn(const struct eng_ctx *ctx, const char *id, int *sock, struct td_err **err);
/* An attached run without a terminal, or run -d (attach false: tinydocker-attach prints id
 * once started): clone the monitor into this address space and exec tinydocker-attach in our
 * place (handoff.c). Returns only when it could not: 1 when not possible here (the caller
 * forks), -1 on an error before the clone. */
int monitor_handoff(const struct eng_ctx *ctx, const char *id, bool attach, bool sig_proxy,
                    struct td_err **err);

#include <jansson.h>

struct ctr_record;
struct eng_ctx;
/* exec in a container run by another OCI runtime: `NAME exec --process F ID` with stdio as
 * the runtime's own (-1: /dev/null; no terminal), waiting for it; *status its wait status (the
 * process's exit code is the runtime's). */
int extrt_exec(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
               json_t *process, const int stdio[3], int *status, struct td_err **err);
/* The same, the process handed to us: a keeper process of ours (a child subreaper, out of the
 * terminal's session) runs `NAME exec -d --pid-file P [--console-socket S]`, so the process is
 * the keeper's child, which outlives it; out->pid is the process, out->master its pty master
 * when process.terminal is set (from a console socket in a fresh root-only directory, from the
 * runtime only), out->waitfd where extrt_exec_wait reads its wait status. After a detach the
 * caller just closes waitfd: the keeper goes on waiting. */
struct extrt_exec_out {
  pid_t pid;
  int master;
  int waitfd;
};
int extrt_exec_start(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
                     json_t *process, const int stdio[3], struct extrt_exec_out *out,
                     struct td_err **err);
/* The process's wait status, from its keeper (255 when the keeper died first: -1). */
int extrt_exec_wait(struct extrt_exec_out *out, int *status);
/* pause / resume a container run by another OCI runtime (--runtime runc: `runc pause ID`). */
int extrt_pause(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id, bool pause,
                struct td_err **err);
