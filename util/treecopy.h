/* Copying files and directory trees by fd, never following a symlink and never leaving the
 * source or destination directory: the tmpfs copy-up of a mount (runtime), the first fill
 * of a volume from the image (image), the data of `cp` (engine). */
#pragma once
#include <stdbool.h>

#include "util/err.h"

struct treecopy_opts {
  bool devices;    /* recreate device nodes, fifos and sockets (mknod); else skip them */
  bool times;      /* keep access and modification times */
  bool owner_soft; /* a failed chown is not an error (a volume filled without CAP_CHOWN) */
};

/* Read in until EOF and write everything to out; -1 with errno. */
int fd_copy_data(int in, int out);
/* Copy the entries of the directory src_dir into dst_dir (both fds, dst_dir may already hold
 * directories of the same names): regular files, directories, symlinks as links, owners,
 * modes (set after the owner, so set-id bits survive) and, as asked, times and other file
 * types. Files are created 0600 and directories 0700 until their content is in. */
int tree_copy(int src_dir, int dst_dir, const struct treecopy_opts *o, struct td_err **err);
