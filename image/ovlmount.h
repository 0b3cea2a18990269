/* One overlayfs mount for every overlay the image code makes (a container's rootfs, export's
 * read-only merge): fsopen + one fsconfig("lowerdir+") per layer where the kernel has it
 * (Linux 6.8+), else the classic "lowerdir=a:b:c" string (page-size limited), chosen by a
 * probe made once per boot (util/hostfeat.h), so an older kernel never logs an unknown
 * option per container. TD_FORCE_LEGACY_OVERLAY=1 forces the classic string (tests);
 * TD_FORCE_IDMAP_STAGED=1 attaches idmapped layers before the mount, as kernels that refuse a
 * detached layer need (tests). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct ovl_spec {
  char *const *lowers; /* top first */
  size_t n_lowers;
  const char *upper, *work; /* both NULL: a read-only overlay of the lowers alone */
  bool transient;           /* volatile: no sync of the upper dir at unmount */
  int idmap_userns;         /* > 0: every lower dir idmapped through this user namespace */
};

int ovl_mount(const char *run_dir, const struct ovl_spec *s, const char *target,
              struct td_err **err);
/* Does this kernel take "lowerdir+" (cached per boot under run_dir)? */
bool ovl_has_lowerdir_plus(const char *run_dir);
