/* flock-based locks for read-modify-write of on-disk records. */
#pragma once
#include "util/err.h"

/* Open (creating) path and take an exclusive flock; returns the fd that holds it. */
int lock_acquire(const char *path, struct td_err **err);
/* Same, but shared (readers). */
int lock_acquire_shared(const char *path, struct td_err **err);
/* Release a lock taken by lock_acquire (close the fd); -1 is ignored. */
void lock_release(int fd);
