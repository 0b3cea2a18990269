#include "util/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/xalloc.h"

char *time_now_rfc3339(bool nanos)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char frac[16] = "";
  if (nanos)
    snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
  return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                   tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int64_t fraction_ns(const char **p)
{
  int64_t frac = 0;
  int digits = 0;
  if (**p != '.')
    return 0;
  for ((*p)++; isdigit((unsigned char)**p); (*p)++)
    if (digits < 9) {
      frac = frac * 10 + (**p - '0');
      digits++;
    }
  while (digits++ < 9)
    frac *= 10;
  return frac;
}

int64_t time_parse_rfc3339(const char *s)
{
  int y, mo, d, h, mi, sec, n = 0;
  if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
    return 0;
  struct tm tm = {.tm_year = y - 1900,
                  .tm_mon = mo - 1,
                  .tm_mday = d,
                  .tm_hour = h,
                  .tm_min = mi,
                  .tm_sec = sec};
  int64_t t = (int64_t)timegm(&tm);
  const char *p = s + n;
  int64_t frac = fraction_ns(&p);
  int oh = 0, om = 0;
  if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
    t += (*p == '+' ? -1 : 1) * (oh * 3600 + om * 60);
  return t * 1000000000LL + frac;
}

char *time_go_string(int64_t ns, bool utc)
{
  time_t sec = (time_t)(ns / 1000000000LL);
  long frac = (long)(ns % 1000000000LL);
  if (frac < 0) {
    frac += 1000000000L;
    sec--;
  }
  struct tm tm;
  if (utc)
    gmtime_r(&sec, &tm);
  else
    localtime_r(&sec, &tm);
  char f[16] = "";
  if (frac) {
    snprintf(f, sizeof(f), ".%09ld", frac);
    for (size_t n = strlen(f); f[n - 1] == '0'; n--)
      f[n - 1] = '\0';
  }
  char zone[64];
  if (utc)
    snprintf(zone, sizeof(zone), "+0000 UTC");
  else if (strftime(zone, sizeof(zone), "%z %Z", &tm) == 0)
    snprintf(zone, sizeof(zone), "+0000 UTC");
  return xasprintf("%04d-%02d-%02d %02d:%02d:%02d%s %s", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, f, zone);
}
