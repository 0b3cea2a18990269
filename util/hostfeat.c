/* The per-boot cache of kernel probes: "boot_id ID" then "key 0|1" lines (util/hostfeat.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostfeat.h"
#include "util/xalloc.h"

static char *boot_id(void)
{
  autofree char *s = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, "/proc/sys/kernel/random/boot_id", &s, NULL, &e) < 0)
    return xstrdup("unknown");
  s[strcspn(s, "\n")] = '\0';
  return steal_ptr(s);
}

/* The value of key in a cache file for this boot: 0, 1, or -1 when absent or stale. */
static int lookup(const char *doc, const char *boot, const char *key)
{
  size_t kl = strlen(key);
  autofree char *first = xasprintf("boot_id %s\n", boot);
  if (strncmp(doc, first, strlen(first)) != 0)
    return -1;
  for (const char *l = doc; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
    if (strncmp(l, key, kl) == 0 && l[kl] == ' ' && (l[kl + 1] == '0' || l[kl + 1] == '1'))
      return l[kl + 1] - '0';
  return -1;
}

bool hostfeat_get(const char *run_dir, const char *key, bool (*probe)(const char *run_dir))
{
  autofree char *path = xasprintf("%s/features", run_dir);
  autofree char *boot = boot_id();
  autofree char *doc = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, path, &doc, NULL, &e) == 0) {
    int v = lookup(doc, boot, key);
    if (v >= 0)
      return v == 1;
  }
  bool ok = probe(run_dir);
  /* keep the other keys of this boot; a stale file starts over */
  autofree char *first = xasprintf("boot_id %s\n", boot);
  autofree char *keep = NULL;
  if (doc && strncmp(doc, first, strlen(first)) == 0)
    keep = xstrdup(doc + strlen(first));
  autofree char *out = xasprintf("%s%s%s %d\n", first, keep ? keep : "", key, ok ? 1 : 0);
  err_free(&e);
  if (mkdir_p(run_dir, 0700, &e) == 0)
    file_write_atomic(AT_FDCWD, path, out, strlen(out), 0644, &e);
  return ok;
}

char *hostfeat_run_dir(const char *root)
{
  if (strcmp(root, "/var/lib/tinydocker") == 0)
    return xstrdup("/run/tinydocker");
  return xasprintf("%s/run", root);
}
