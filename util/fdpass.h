/* Passing fds over a unix socket (SCM_RIGHTS), one message at a time: the runtime's sync
 * socket, the console socket (runc's protocol), the seccomp listener, the monitor's clients.
 * Receiving takes at most the fds a caller asks for; whatever else a message carries (more
 * fds, fds of a control message cut short, a control message nobody asked for) is closed
 * here, never left open in this process. Uses only sendmsg, recvmsg, close, memcpy and memset,
 * so the libc-free helper programs (engine/helpers/monitor_nolibc.c) link it too. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The most fds one message carries: the monitor's attach hands over stdin, stdout, stderr. */
#define FDPASS_MAX 3

/* fdpass_recv's flags */
enum {
  FDPASS_CREDS = 1, /* take SCM_CREDENTIALS (the receiver set SO_PASSCRED) into in->cred */
};

/* What came with the bytes of one message. */
struct fdpass_in {
  int fds[FDPASS_MAX]; /* n of them, close-on-exec (MSG_CMSG_CLOEXEC); the rest -1 */
  size_t n;
  /* fds came that are not taken: more than max, a control message cut short (MSG_CTRUNC)
   * for want of buffer room, or a control message other than SCM_RIGHTS (and SCM_CREDENTIALS
   * with FDPASS_CREDS); every fd it carried is closed and n is 0 */
  bool refused;
  /* this process had no fd number left for some of the fds that came (MSG_CTRUNC with room
   * left in the buffer: EMFILE); the kernel dropped those, the ones it installed are in fds
   * (unless refused) */
  bool exhausted;
  bool has_cred;     /* with FDPASS_CREDS: an SCM_CREDENTIALS message came, in cred */
  struct ucred cred; /* the sender's, as the kernel translated it into our namespaces */
};

/* Send len bytes of buf as one message on sock, with the n fds of fds (n at most FDPASS_MAX,
 * EINVAL otherwise) in one SCM_RIGHTS control message, or none when n is 0. MSG_NOSIGNAL,
 * again after EINTR. Returns what sendmsg does: the bytes sent, -1 with errno. */
ssize_t fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n);
/* The same with one fd, or none when fd < 0. */
ssize_t fd_send(int sock, const void *buf, size_t len, int fd);

/* Receive one message on sock: up to len bytes into buf, up to max fds (at most FDPASS_MAX)
 * into in (see struct fdpass_in for what is refused). flags: FDPASS_CREDS or 0. Returns the
 * bytes read (0: the peer closed a stream), -1 with errno when recvmsg failed (in->n is 0). */
ssize_t fdpass_recv(int sock, void *buf, size_t len, size_t max, int flags, struct fdpass_in *in);
/* One message with at most one fd: *fd gets it, -1 when none came. A message carrying more
 * than one fd (with fd NULL: any fd), or whose control message was cut short, fails with
 * EPROTO (EMFILE when this process had no fd left to take it), every fd it carried closed.
 * Returns the bytes read, -1 with errno. */
ssize_t fd_recv(int sock, void *buf, size_t len, int *fd);
