#include "image/ops.h"
int image_commit_dir(const char *root, const char *upper_dir, const char *parent_image,
                     char *const *changes, const char *message, const char *author,
                     const char *ref, char **id_out, struct td_err **err)
{
  (void)root; (void)upper_dir; (void)parent_image; (void)changes; (void)message; (void)author; (void)ref; (void)id_out;
  return err_set(err, 0, "commit: not yet");
}
int image_export_rootfs(const char *rootfs_dir, int out_fd, struct td_err **err)
{
  (void)rootfs_dir; (void)out_fd;
  return err_set(err, 0, "export: not yet");
}
