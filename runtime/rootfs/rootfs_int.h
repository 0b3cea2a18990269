/* Internal to runtime/rootfs: the pieces rootfs.c strings together. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "runtime/rootfs/rootfs.h"

/* One line of /proc/self/mountinfo (escapes like \040 decoded). */
struct mountinfo {
  char *root;       /* path of the mount's root inside its filesystem */
  char *mountpoint; /* where it is mounted */
  char *fstype;
  char *source;
  char *super_opts; /* per-superblock options (cgroup controllers live here) */
  bool shared;      /* propagation: has a shared:N tag */
  bool unbindable;  /* propagation: unbindable */
};

/* Read /proc/self/mountinfo; free with mountinfo_free. */
int mountinfo_read(struct mountinfo **out, size_t *n, struct td_err **err);
/* Free what mountinfo_read returned. */
void mountinfo_free(struct mountinfo *v, size_t n);
/* Is path equal to dir or below it (path-component-wise)? */
bool rootfs_path_under(const char *path, const char *dir);
/* Lexically clean an absolute container path: "//a/./b/../c/" -> "/a/c". */
char *rootfs_clean_path(const char *path);

/* Forget that /proc/self/fd was checked to be a procfs: called where a new phase begins
 * (mounts.c says why once per phase is enough). */
void rootfs_proc_recheck(void);
/* mount(2) onto an fd through /proc/self/fd/N, so the target cannot be swapped for a symlink. */
int rootfs_mount_fd(const char *src, int fd, const char *type, unsigned long flags,
                    const char *data, struct td_err **err);
/* Remount a bind mount's per-mount flags (ro, nosuid, ...); retries with the flags the kernel
 * locked (in a user namespace) when the plain remount is refused. */
int rootfs_remount_bind(int fd, unsigned long flags, struct td_err **err);
/* mount_setattr() for the recursive options (rro, rnosuid, ...) of a spec mount. */
int rootfs_setattr(int fd, const struct spec_mount *m, struct td_err **err);
/* Apply one spec mount inside the rootfs (rootfd: an O_PATH fd of the rootfs). */
int rootfs_mount_one(int rootfd, const struct spec *spec, const struct spec_mount *m,
                     const struct rootfs_opts *o, struct td_err **err);
/* Copy the directory tree under_fd hides into top_fd (a fresh tmpfs), by fd, no symlink
 * followed; the tmpfs root takes the owner and mode of the hidden directory. */
int rootfs_copyup(int under_fd, int top_fd, struct td_err **err);
/* A procfs of our own pid namespace that nothing in the container can have mounted over:
 * a new detached instance, else a clone of /proc, else /proc (checked to be procfs). */
int rootfs_open_procfs(struct td_err **err);
/* Attach an idmapped clone of src (mappings of the mount, else the container's) at target_fd. */
int rootfs_mount_idmapped(const char *src, int target_fd, const struct spec *spec,
                          const struct spec_mount *m, const struct rootfs_opts *o,
                          struct td_err **err);
/* The cgroup mount: cgroup2, or a tmpfs with the container's v1 hierarchies bound in. */
int rootfs_mount_cgroup(int rootfd, const struct spec *spec, const struct spec_mount *m,
                        struct td_err **err);
/* /dev: standard nodes, linux.devices, the fd/std* /ptmx/core symlinks. */
int rootfs_setup_dev(int rootfd, const struct spec *spec, const struct rootfs_opts *o,
                     struct td_err **err);
/* Does the spec bind something over /dev (then /dev is the user's and left alone)? */
bool rootfs_dev_is_bind(const struct spec *spec);
