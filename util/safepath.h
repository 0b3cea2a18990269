/* Paths inside a container rootfs, resolved without ever following a symlink out of it:
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), with an O_PATH component walk as the
 * fallback when openat2 is missing (forced by TD_FORCE_NO_OPENAT2=1 for tests). */
#pragma once
#include <sys/types.h>

#include "util/err.h"

/* Open path (absolute or relative, interpreted inside rootfd) with flags; O_CLOEXEC added. */
int safepath_open(int rootfd, const char *path, int flags, mode_t mode, struct td_err **err);
/* mkdir -p inside the root; returns an O_PATH|O_DIRECTORY fd of the last component. */
int safepath_mkdir_p(int rootfd, const char *path, mode_t mode, struct td_err **err);
/* Create path's parents inside the root and the file itself if missing (for bind targets
 * of files); returns an O_PATH fd of it. */
int safepath_mkfile_p(int rootfd, const char *path, mode_t mode, struct td_err **err);
/* "/proc/self/fd/N" for an fd, to pass to mount(2) as a target that cannot be swapped. */
char *safepath_fd_path(int fd);
