/* Small host facts and knobs: routes (from /proc/net/route), sysctls, name hashing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net-int.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

uint64_t net_hash(const char *a, const char *b)
{
  uint64_t h = 1469598103934665603ull;
  for (const char *s = a; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  h = (h ^ 0xff) * 1099511628211ull;
  for (const char *s = b; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  /* FNV's high bits barely change between similar ids; finish with a mixer */
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

size_t net_host_routes(struct net_cidr **out)
{
  *out = NULL;
  autofclose FILE *f = fopen("/proc/net/route", "re");
  if (!f)
    return 0;
  char line[512];
  size_t n = 0;
  if (!fgets(line, sizeof(line), f))
    return 0;
  while (fgets(line, sizeof(line), f)) {
    char ifname[64];
    unsigned dst, gw, flags, refcnt, use, metric, mask;
    if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags, &refcnt, &use, &metric,
               &mask) != 8)
      continue;
    if (mask == 0)
      continue; /* the default route covers everything; it is not a collision */
    /* the file holds network byte order printed as a native integer */
    uint32_t d = __builtin_bswap32(dst), m = __builtin_bswap32(mask);
    *out = xrealloc(*out, (n + 1) * sizeof(**out));
    (*out)[n].addr = d;
    (*out)[n].prefix = __builtin_popcount(m);
    n++;
  }
  return n;
}

int net_sysctl(const char *path, const char *value, struct td_err **err)
{
  autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", path);
  if (write_all(fd, value, strlen(value)) < 0)
    return err_set(err, errno, "write %s", path);
  return 0;
}
