#include "util/human.h"

#include <stddef.h>

#include "util/xalloc.h"

static char *scaled(double v, double base, const char *const *units, size_t n, int precision)
{
  size_t i = 0;
  while (v >= base && i + 1 < n) {
    v /= base;
    i++;
  }
  return xasprintf("%.*g%s", precision, v, units[i]);
}

char *human_size(double bytes, int precision)
{
  static const char *const u[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  return scaled(bytes, 1000.0, u, sizeof(u) / sizeof(u[0]), precision);
}

char *human_size_binary(double bytes)
{
  static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  return scaled(bytes, 1024.0, u, sizeof(u) / sizeof(u[0]), 4);
}

char *human_duration(int64_t secs)
{
  if (secs < 1)
    return xstrdup("Less than a second");
  if (secs == 1)
    return xstrdup("1 second");
  if (secs < 60)
    return xasprintf("%lld seconds", (long long)secs);
  int64_t m = secs / 60;
  if (m == 1)
    return xstrdup("About a minute");
  if (m < 60)
    return xasprintf("%lld minutes", (long long)m);
  int64_t h = (int64_t)((double)secs / 3600.0 + 0.5); /* docker rounds hours */
  if (h == 1)
    return xstrdup("About an hour");
  if (h < 48)
    return xasprintf("%lld hours", (long long)h);
  if (h < 24 * 7 * 2)
    return xasprintf("%lld days", (long long)(h / 24));
  if (h < 24 * 30 * 2)
    return xasprintf("%lld weeks", (long long)(h / 24 / 7));
  if (h < 24 * 365 * 2)
    return xasprintf("%lld months", (long long)(h / 24 / 30));
  return xasprintf("%lld years", (long long)(secs / 3600 / 24 / 365));
}
