/* "tmpcopyup": a tmpfs mounted over a directory of the image starts with a copy of what it
 * hides (podman and runc give --tmpfs this). util/treecopy.c copies by fd, never following
 * symlinks. */
#include "runtime/rootfs/rootfs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/treecopy.h"
#include "util/xalloc.h"

int rootfs_copyup(int under_fd, int top_fd, struct td_err **err)
{
  struct stat st;
  if (fstat(under_fd, &st) < 0)
    return err_set(err, errno, "tmpcopyup: stat");
  const struct treecopy_opts o = {.devices = true};
  if (tree_copy(under_fd, top_fd, &o, err) < 0)
    return err_prefix(err, "tmpcopyup");
  if (fchown(top_fd, st.st_uid, st.st_gid) < 0 || fchmod(top_fd, st.st_mode & 07777) < 0)
    return err_set(err, errno, "tmpcopyup: owner and mode");
  return 0;
}
