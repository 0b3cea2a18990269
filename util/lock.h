/* flock-based locks for read-modify-write of on-disk records. Every wait is bounded: after
 * TD_LOCK_TIMEOUT seconds (default 60) it fails with "waiting for <what>, held by pid N
 * (<its command line>): timed out", the holder read from /proc/locks. The order in which the
 * engine takes its locks, and what it may wait on while holding one: docs/engine.md. */
#pragma once
#include "util/err.h"

/* Open (creating) path and take an exclusive flock; returns the fd that holds it. what names
 * the lock for the error ("the network store", "container 3f2a..."). */
int lock_acquire(const char *path, const char *what, struct td_err **err);
/* Same, but shared (readers). */
int lock_acquire_shared(const char *path, const char *what, struct td_err **err);
/* flock(op) on an open fd (LOCK_EX or LOCK_SH), with the same bound and error. */
int lock_fd_wait(int fd, int op, const char *what, struct td_err **err);
/* The bound of every wait on a lock or a peer, in milliseconds: TD_LOCK_TIMEOUT (seconds,
 * fractions allowed) or 60 s. */
int lock_timeout_ms(void);
/* The bound of a wait on a peer whose own waits are bounded by lock_timeout_ms (the CLI's wait
 * for its monitor to start the container): long enough that the peer's error comes first. */
int lock_peer_timeout_ms(void);
/* "pid N (command line)" of the process holding a lock on fd's file (from /proc/locks), or
 * "another process" when none is found; for messages. The text is the caller's to free. */
char *lock_holder_text(int fd);
/* "pid N (command line)" of a process, for messages about waits on peers; the caller frees. */
char *lock_pid_text(int pid);
/* Release a lock taken by lock_acquire (close the fd); -1 is ignored. */
void lock_release(int fd);
