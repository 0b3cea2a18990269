/* The container's filesystem view, built inside the child after it is in its own mount
 * namespace: mounts, /dev, pivot_root, masked and read-only paths, sysctl.
 * Called by runtime/core in this order: rootfs_prepare, [createContainer hooks],
 * rootfs_pivot, rootfs_finalize, rootfs_apply_sysctl. Every target inside the rootfs is
 * resolved with openat2(RESOLVE_IN_ROOT)/O_PATH fds (util/safepath.h), never by following a
 * symlink out of it. */
#pragma once
#include <stdbool.h>

#include "runtime/spec/spec.h"
#include "util/err.h"

struct rootfs_opts {
  const char *rootfs; /* absolute host path of the root filesystem */
  const char *bundle; /* bundle dir: relative mount sources are relative to it */
  bool no_pivot;      /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
  bool in_userns;     /* in a new user namespace: bind device nodes instead of mknod */
};

/* Before pivot: rootfs propagation, bind the rootfs onto itself, every spec mount in order,
 * /dev (standard nodes, spec devices, pts, shm symlinks), in the new mount namespace. */
int rootfs_prepare(const struct spec *spec, const struct rootfs_opts *o, struct td_err **err);
/* Make rootfs the new / (pivot_root, old root detached) or MS_MOVE+chroot when no_pivot. */
int rootfs_pivot(const struct rootfs_opts *o, struct td_err **err);
/* After pivot: maskedPaths, readonlyPaths, root.readonly, /dev remounts. */
int rootfs_finalize(const struct spec *spec, const struct rootfs_opts *o, struct td_err **err);
/* Write linux.sysctl through a procfs fd verified to be a real procfs. */
int rootfs_apply_sysctl(const struct spec *spec, struct td_err **err);
/* Bind the pty slave at /dev/console (after pivot) for a terminal process. */
int rootfs_bind_console(const char *slave_path, struct td_err **err);
