/* Inside engine/monitor only: the monitor's state while it runs the loop itself (monitor.c),
 * shared with the step that attaches the container's network (network.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/monitor/monitor_loop.h"
#include "util/err.h"

struct mon {
  const struct eng_ctx *ctx;
  const char *id;
  char *dir;
  int dirfd;
  struct ctr_record *rec;
  bool auto_remove;
  struct eng_restart restart;
  int restart_count;
  struct mon_io io;
  int mntns;         /* the container's mount namespace, held until its exit is reported */
  int entry_tree;    /* the init's read-only entry tree, held the same way (rt_create_opts) */
  const char *error; /* State.Error recorded with the exit (an adopter's: adopt.c) */
  bool etc_paths;    /* a start got past its joins: the record gets its etc paths (docker's) */
};

/* An adopter's hold on a container whose monitor died (adopt.c). */
struct mon_adoption {
  pid_t pid;      /* the init, or 0 when it was gone already */
  uint64_t start; /* its start time (/proc/PID/stat) */
  int pidfd;      /* pidfd of the init (-1: none) */
  bool traced;    /* ptrace-seized: its exit status comes to us */
  bool known;     /* status is the container's own (traced, or recorded by a restart) */
  int status;     /* wait status */
  char error[200];
};
/* Under the container's lock: if its record says it runs while its monitor is dead, claim it
 * (record ourselves as its monitor). 1: ours; 0: nothing to adopt or another process did;
 * -1: error. */
int mon_adopt_claim(const struct eng_ctx *ctx, const char *id, struct mon_adoption *a);
/* After the claim, without the lock: seize the init (ptrace) or hold a pidfd of it; sets the
 * State.Error to record with the exit (a->error). */
void mon_adopt_take(struct mon_adoption *a);
/* Wait until the adopted init ends, taking the clients of io->listen_fd meanwhile; fills
 * a->status, a->known and a->error. */
void mon_adopt_wait(struct mon_adoption *a, struct mon_io *io);

/* Attach the container's network once its init (m->io.pid) exists, and record its addresses,
 * ports and endpoint in m->rec; nothing for a mode without endpoints of its own. */
int mon_attach_network(struct mon *m, struct td_err **err);

/* exitpolicy.c: the monitor process's stdio (/dev/null, stderr to engine.log), name and
 * subreaper flag, its socket moved to fd 3 */
void mon_setup_process(int *sock, const struct eng_ctx *ctx, const char *id);
/* the exit code docker reports for a wait status */
int mon_exit_code_of(int status);
/* whether the container's cgroup saw an OOM kill */
bool mon_oom_killed(struct rt_ctx *rt, const char *id);
/* whether the restart policy restarts after code (not once stopped or removed) */
bool mon_should_restart(struct mon *m, int code);

/* console_sock.c: the --console-socket another runtime sends a pty master on: a listening
 * socket <parent>/cs-XXXXXX/s in a fresh 0700 directory of its own. */
struct console_sock {
  int fd; /* the listener, -1 once it took its one connection */
  char *dir;
  char *path;
};
int console_sock_open(const char *parent, struct console_sock *cs, struct td_err **err);
/* Wait up to timeout_ms for the one connection, which must come from pid peer and carry exactly
 * one fd, a pty master (*master). 1: taken; 0: no connection yet; -1: refused (the listener is
 * closed and the socket removed after the first connection, whatever it brought). */
int console_sock_take(struct console_sock *cs, pid_t peer, int timeout_ms, int *master,
                      struct td_err **err);
/* One message on conn: its bytes into buf (up to cap; *got), and, when master is not NULL,
 * exactly one fd with it, which must be a pty master (made blocking in *master); any other fd
 * that came is closed and refused (with master NULL: any fd at all). */
int console_recv(int conn, void *buf, size_t cap, size_t *got, int *master, struct td_err **err);
/* Send len bytes of buf on conn, with fd (SCM_RIGHTS) when fd >= 0. */
int console_send(int conn, const void *buf, size_t len, int fd);
/* close the listener, remove the socket and its directory */
void console_sock_close(struct console_sock *cs);

/* extrt.c: --runtime NAME, a container run by another OCI runtime's command line. */
bool extrt_used(const struct ctr_record *rec);
/* create (the init left waiting, *pid), with the container's stdio */
int extrt_create(struct mon *m, const int stdio[3], pid_t *pid, struct td_err **err);
int extrt_start(struct mon *m, struct td_err **err);
/* delete --force; nothing when the runtime holds no state of id */
int extrt_delete(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
                 struct td_err **err);
/* health.c: for a container with a health check, spawn its health checker (tinydocker
 * __health-check) for the init pid, after writing State.Health "starting" when fresh (each
 * start; an adopter goes on with the health as it is); nothing without one. */
void mon_health_start(struct mon *m, pid_t init, bool fresh);
/* After the init's exit has been reaped: wait (up to 3 s) for the checker to end, so that a
 * stopped or removed container leaves no process behind (one waitpid when there is none), and
 * record its health as docker does at a stop ("unhealthy"). */
void mon_health_stop(struct mon *m);
