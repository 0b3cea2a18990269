/* Resolving `-u user[:group]` through the image's /etc/passwd and /etc/group, read inside
 * the container rootfs with openat2(RESOLVE_IN_ROOT) so a symlinked /etc/passwd cannot point
 * at the host's. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

struct eng_user {
  uid_t uid;
  gid_t gid;
  gid_t *groups; /* supplementary groups */
  size_t n_groups;
  char *home; /* from passwd, or NULL */
};

/* Resolve spec ("", "1000", "1000:1000", "nobody", "app:staff") against rootfs. */
int eng_user_resolve(const char *rootfs, const char *spec, struct eng_user *out,
                     struct td_err **err);
/* Free what a user holds. */
void eng_user_clear(struct eng_user *u);
/* Open path inside root (openat2 RESOLVE_IN_ROOT); -1 with errno on failure. */
int eng_open_in_root(int rootfd, const char *path, int flags);
