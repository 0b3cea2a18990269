/* The parser of /etc/subuid and /etc/subgid (util/subid.h). */
#include "util/subid.h"

#include <errno.h>
#include <string.h>

/* A decimal number of at most 10 digits, no sign, no spaces; false otherwise. */
static bool parse_u32(const char *s, size_t n, uint32_t *out)
{
  if (n == 0 || n > 10)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > UINT32_MAX)
    return false;
  *out = (uint32_t)v;
  return true;
}

/* "name:start:count" -> the fields; false unless there are exactly three, none empty. */
static bool split(const char *s, size_t n, const char *f[3], size_t fl[3])
{
  size_t k = 0, b = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != ':')
      continue;
    if (k == 3)
      return false;
    f[k] = s + b;
    fl[k++] = i - b;
    b = i + 1;
  }
  return k == 3 && fl[0] > 0;
}

static bool overlaps(const struct subid_range *a, const struct subid_range *b)
{
  uint64_t ae = (uint64_t)a->start + a->count, be = (uint64_t)b->start + b->count;
  return a->start < be && b->start < ae;
}

int subid_parse(const char *text, size_t len, const char *name, struct subid_range *out, size_t *n,
                struct td_err **err)
{
  *n = 0;
  size_t nl = strlen(name);
  unsigned line = 0;
  for (size_t p = 0; p < len;) {
    const char *s = text + p;
    const char *e = memchr(s, '\n', len - p);
    size_t l = e ? (size_t)(e - s) : len - p;
    p += l + 1;
    line++;
    while (l > 0 && (s[l - 1] == '\r' || s[l - 1] == ' ' || s[l - 1] == '\t'))
      l--;
    if (l == 0 || s[0] == '#')
      continue;
    const char *f[3];
    size_t fl[3];
    bool ok = split(s, l, f, fl);
    bool mine = ok ? (fl[0] == nl && memcmp(f[0], name, nl) == 0)
                   : (l > nl && memcmp(s, name, nl) == 0 && s[nl] == ':');
    if (!mine)
      continue;
    struct subid_range r;
    if (!ok || !parse_u32(f[1], fl[1], &r.start) || !parse_u32(f[2], fl[2], &r.count) ||
        r.count == 0)
      return err_set(err, EINVAL, "line %u: malformed range of %s (want NAME:START:COUNT)", line,
                     name);
    if ((uint64_t)r.start + r.count > UINT32_MAX) /* (uid_t)-1 is never an id */
      return err_set(err, ERANGE, "line %u: range %u:%u of %s ends past 4294967294", line, r.start,
                     r.count, name);
    for (size_t i = 0; i < *n; i++)
      if (overlaps(&out[i], &r))
        return err_set(err, EINVAL, "line %u: range %u:%u of %s overlaps another", line, r.start,
                       r.count, name);
    if (*n == SUBID_MAX)
      return err_set(err, E2BIG, "line %u: more than %d ranges for %s", line, SUBID_MAX, name);
    out[(*n)++] = r;
  }
  return 0;
}
