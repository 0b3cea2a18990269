/* The monitor's I/O loop while the container runs: the signalfd (SIGCHLD: reap; TERM/INT/HUP:
 * forwarded), the pty master or the stdout/stderr pipes into the json-file log and to the
 * attached clients, the attach socket and the clients' messages and stdin. It needs libc only,
 * so the same code runs in tinydocker's monitor and in the small static idle program
 * (tinydocker-monitor) the monitor hands itself over to once the container runs. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/parse/parse.h"
#include "engine/monitor/monitor_log.h"
#include "engine/monitor/monitor.h"

#define MON_MAX_CLIENTS 8

struct mon_client {
  int sock;
  int fd[3]; /* the client's stdin, stdout, stderr (-1 = none) */
  bool read_stdin;
  struct detach_keys dk; /* scanned in the client's terminal input (len 0: none) */
};

/* Everything the loop works on. Plain data and fd numbers only (no pointers): it is copied
 * as it is into the hand-over state (monitor_state.h). */
struct mon_io {
  bool tty, open_stdin, stdin_once;
  int sigfd;
  int listen_fd;
  struct mon_client cl[MON_MAX_CLIENTS];
  int master;       /* pty master (tty) */
  int in_w;         /* write end of the container's stdin pipe */
  int out_r, err_r; /* read ends of stdout / stderr pipes */
  pid_t pid;
  bool exited;
  int status;
  uint16_t rows, cols;
  struct mon_log log;
};

/* Initialise every fd slot to -1. */
void mon_io_init(struct mon_io *io);
/* Block SIGCHLD, SIGTERM, SIGINT, SIGHUP and open the signalfd for them. */
int mon_io_signals(struct mon_io *io);
/* Add a client socket; returns its slot or -1 (closed: no room). */
int mon_io_client_add(struct mon_io *io, int sock);
/* Send a message to every client. */
void mon_io_send_all(struct mon_io *io, const struct mon_msg *msg);
/* Handle one message from client i (blocking read); false when the client went away.
 * *start is set on MON_START when start is not NULL. */
bool mon_io_client_msg(struct mon_io *io, int i, bool *start);
/* Set the pty's window size from rows/cols. */
void mon_io_apply_winsize(struct mon_io *io);
/* Run until the init exited (true), or, with handoff_ms >= 0, until that much time passed
 * (false: the caller hands over to the idle program). */
bool mon_io_run(struct mon_io *io, int handoff_ms);
/* After the init exited: read what is left in the pipes / pty, flush the log. */
void mon_io_drain_rest(struct mon_io *io);
/* Close the container's stdio fds. */
void mon_io_close_stdio(struct mon_io *io);
/* Drop the page-table entries of read-only file mappings without private copies (code and
 * read-only data used while starting): they count in RSS and the idle loop needs few. */
void mon_io_shrink(void);
