#include "runtime/rootfs/rootfs_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static char *unescape(const char *s)
{
  char *out = xmalloc(strlen(s) + 1), *o = out;
  while (*s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
        s[3] <= '7') {
      *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 4;
    } else {
      *o++ = *s++;
    }
  }
  *o = '\0';
  return out;
}

static bool parse_line(char *line, struct mountinfo *mi)
{
  autostrv char **f = strv_split(line, ' ');
  size_t n = strv_len(f);
  if (n < 10)
    return false;
  size_t sep = 6;
  bool shared = false, unbindable = false;
  while (sep < n && strcmp(f[sep], "-") != 0) {
    if (strncmp(f[sep], "shared:", 7) == 0)
      shared = true;
    if (strcmp(f[sep], "unbindable") == 0)
      unbindable = true;
    sep++;
  }
  if (sep + 2 >= n)
    return false;
  mi->root = unescape(f[3]);
  mi->mountpoint = unescape(f[4]);
  mi->fstype = unescape(f[sep + 1]);
  mi->source = unescape(f[sep + 2]);
  mi->super_opts = sep + 3 < n ? unescape(f[sep + 3]) : xstrdup("");
  mi->shared = shared;
  mi->unbindable = unbindable;
  return true;
}

int mountinfo_read(struct mountinfo **out, size_t *count, struct td_err **err)
{
  autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL)
    return err_set(err, errno, "open /proc/self/mountinfo");
  /* stdio would read procfs 1 KB at a time (its st_blksize): one read for most hosts */
  setvbuf(f, NULL, _IOFBF, 32768);
  autofree char *line = NULL;
  size_t cap = 0, n = 0, alloc = 0;
  struct mountinfo *v = NULL;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    if (n == alloc) {
      alloc = alloc ? alloc * 2 : 64;
      v = xrealloc(v, alloc * sizeof(*v));
    }
    memset(&v[n], 0, sizeof(v[n]));
    if (parse_line(line, &v[n]))
      n++;
  }
  *out = v;
  *count = n;
  return 0;
}

void mountinfo_free(struct mountinfo *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(v[i].root);
    free(v[i].mountpoint);
    free(v[i].fstype);
    free(v[i].source);
    free(v[i].super_opts);
  }
  free(v);
}

bool rootfs_path_under(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  if (n == 1 && dir[0] == '/')
    return path[0] == '/';
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *rootfs_clean_path(const char *path)
{
  autostrv char **parts = strv_split(path, '/');
  autostrv char **kept = NULL;
  for (char **p = parts; p && *p; p++) {
    if (**p == '\0' || strcmp(*p, ".") == 0)
      continue;
    if (strcmp(*p, "..") == 0) {
      size_t k = strv_len(kept);
      if (k > 0) {
        free(kept[k - 1]);
        kept[k - 1] = NULL;
      }
      continue;
    }
    strv_push(&kept, *p);
  }
  autofree char *j = kept ? strv_join(kept, "/") : xstrdup("");
  return xasprintf("/%s", j);
}
