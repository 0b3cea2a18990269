#include "engine/container/container.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

int eng_open_in_root(int rootfd, const char *path, int flags)
{
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  while (*path == '/')
    path++;
  return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
}

static bool all_digits(const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s))
      return false;
  return true;
}

/* The lines of <rootfs>/<path>, or NULL when the file is missing. */
static char **read_db(int rootfd, const char *path)
{
  autoclose int fd = eng_open_in_root(rootfd, path, O_RDONLY);
  if (fd < 0)
    return NULL;
  size_t cap = 8192, n = 0;
  autofree char *buf = xmalloc(cap + 1);
  for (;;) {
    if (n == cap) {
      if (cap >= (16u << 20))
        break; /* a passwd file this big is not one we trust */
      cap *= 2;
      buf = xrealloc(buf, cap + 1);
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  return strv_split(buf, '\n');
}

void eng_user_clear(struct eng_user *u)
{
  free(u->groups);
  free(u->home);
  memset(u, 0, sizeof(*u));
}

static int find_group(char **grp, const char *g, gid_t *out)
{
  if (all_digits(g)) {
    *out = (gid_t)strtoul(g, NULL, 10);
    return 0;
  }
  for (char **l = grp; l && *l; l++) {
    autostrv char **f = strv_split(*l, ':');
    if (strv_len(f) >= 3 && strcmp(f[0], g) == 0 && all_digits(f[2])) {
      *out = (gid_t)strtoul(f[2], NULL, 10);
      return 0;
    }
  }
  return -1;
}

int eng_user_resolve(const char *rootfs, const char *spec, struct eng_user *out,
                     struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  if (spec == NULL || *spec == '\0')
    spec = "0";
  autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open rootfs %s", rootfs);
  autofree char *user = xstrdup(spec);
  char *group = strchr(user, ':');
  if (group)
    *group++ = '\0';
  autostrv char **pw = read_db(rootfd, "/etc/passwd");
  autostrv char **grp = read_db(rootfd, "/etc/group");
  bool found = false;
  const char *uname = NULL;
  autofree char *uname_buf = NULL;
  for (char **l = pw; l && *l && !found; l++) {
    autostrv char **f = strv_split(*l, ':');
    if (strv_len(f) < 7)
      continue;
    if (strcmp(f[0], user) == 0 || (all_digits(user) && strcmp(f[2], user) == 0)) {
      found = true;
      out->uid = (uid_t)strtoul(f[2], NULL, 10);
      out->gid = (gid_t)strtoul(f[3], NULL, 10);
      out->home = xstrdup(f[5]);
      uname_buf = xstrdup(f[0]);
      uname = uname_buf;
    }
  }
  if (!found) {
    if (!all_digits(user))
      return err_set(err, 0, "unable to find user %s: no matching entries in passwd file", user);
    out->uid = (uid_t)strtoul(user, NULL, 10);
    out->gid = 0;
  }
  if (group) {
    if (find_group(grp, group, &out->gid) < 0) {
      eng_user_clear(out);
      return err_set(err, 0, "unable to find group %s: no matching entries in group file", group);
    }
  } else if (uname) {
    /* supplementary groups the user is listed in */
    for (char **l = grp; l && *l; l++) {
      autostrv char **f = strv_split(*l, ':');
      if (strv_len(f) < 4 || !all_digits(f[2]))
        continue;
      autostrv char **mem = strv_split(f[3], ',');
      if (strv_find(mem, uname) >= 0) {
        out->groups = xrealloc(out->groups, (out->n_groups + 1) * sizeof(gid_t));
        out->groups[out->n_groups++] = (gid_t)strtoul(f[2], NULL, 10);
      }
    }
  }
  /* docker since the supplementary-group fix (GHSA-rc4r-wh2q-q6c4, 20.10.24): the primary gid
   * heads the additional gids, so `-u 1000:1000 id` says groups=1000 and no image's group
   * file can leave a process without its own group (a negative-group ACL still applies) */
  bool has = false;
  for (size_t i = 0; i < out->n_groups; i++)
    has = has || out->groups[i] == out->gid;
  if (!has) {
    out->groups = xrealloc(out->groups, (out->n_groups + 1) * sizeof(gid_t));
    memmove(out->groups + 1, out->groups, out->n_groups * sizeof(gid_t));
    out->groups[0] = out->gid;
    out->n_groups++;
  }
  return 0;
}

int eng_user_add_groups(const char *rootfs, char *const *names, struct eng_user *u,
                        struct td_err **err)
{
  if (names == NULL || names[0] == NULL)
    return 0;
  autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open rootfs %s", rootfs);
  autostrv char **grp = read_db(rootfd, "/etc/group");
  for (char *const *n = names; *n; n++) {
    gid_t g;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(*n, &end, 10);
    if (**n && *end == '\0') { /* a number, as docker's user.GetAdditionalGroups takes it */
      if (errno || v < 0 || v > 2147483647LL)
        return err_set(err, 0, "uids and gids must be in range 0-2147483647");
      g = (gid_t)v;
    } else if (find_group(grp, *n, &g) < 0) {
      return err_set(err, 0, "Unable to find group %s: no matching entries in group file", *n);
    }
    bool has = false;
    for (size_t i = 0; i < u->n_groups; i++)
      has = has || u->groups[i] == g;
    if (!has) {
      u->groups = xrealloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));
      u->groups[u->n_groups++] = g;
    }
  }
  return 0;
}
