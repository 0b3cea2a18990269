/* The protocol between the CLI and a container's monitor: fixed-size messages over a
 * SOCK_SEQPACKET unix socket (a socketpair for the command that spawned the monitor, or
 * <container dir>/attach.sock for later `attach`). The client passes its own stdio fds with
 * SCM_RIGHTS, so the monitor copies container output straight to them (one copy, no relay
 * through the CLI). */
#pragma once
#include <stdint.h>

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
