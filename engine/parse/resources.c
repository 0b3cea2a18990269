/* issue 16's resource flag values: DEVICE:RATE / DEVICE:WEIGHT, device cgroup rules, the
 * cgroup path under a --cgroup-parent (parse.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/parse/parse.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* docker's units.RAMInBytes for a throttle: a number and an optional k/m/g/t/p unit with an
 * optional "b"/"ib" ending (eng_parse_size's grammar); negative values are refused. */
static bool parse_rate(const char *v, enum eng_blkio_kind kind, uint64_t *out)
{
  if (kind == BLKIO_BPS) {
    int64_t n;
    autoerr struct td_err *e = NULL;
    if (eng_parse_size(v, &n, &e) < 0 || n < 0)
      return false;
    *out = (uint64_t)n;
    return true;
  }
  if (!isdigit((unsigned char)*v))
    return false;
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || *end != '\0')
    return false;
  if (kind == BLKIO_WEIGHT && (n > 65535 || (n > 0 && (n < 10 || n > 1000))))
    return false;
  *out = n;
  return true;
}

int eng_parse_blkio_dev(const char *s, enum eng_blkio_kind kind, struct eng_blkio_dev *out,
                        struct td_err **err)
{
  const char *c = strchr(s, ':');
  if (c == NULL || c == s) /* Go's strings.Cut: a second ':' is the rate's */
    return err_set(err, 0, "bad format: %s", s);
  if (strncmp(s, "/dev/", 5) != 0)
    return err_set(err, 0, "bad format for device path: %s", s);
  uint64_t v;
  if (!parse_rate(c + 1, kind, &v)) {
    if (kind == BLKIO_WEIGHT)
      return err_set(err, 0, "invalid weight for device: %s", s);
    if (kind == BLKIO_IOPS)
      return err_set(err, 0,
                     "invalid rate for device: %s. The correct format is <device-path>:<number>. "
                     "Number must be a positive integer",
                     s);
    return err_set(err, 0,
                   "invalid rate for device: %s. The correct format is "
                   "<device-path>:<number>[<unit>]. Number must be a positive integer. Unit is "
                   "optional and can be kb, mb, or gb",
                   s);
  }
  out->path = xstrndup(s, (size_t)(c - s));
  out->value = v;
  return 0;
}

void eng_blkio_list_clear(struct eng_blkio_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i].path);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* "[0-9]+" or "*" (-1); false for anything else or a number past int64 */
static bool rule_num(const char *p, size_t n, int64_t *out)
{
  if (n == 1 && *p == '*') {
    *out = -1;
    return true;
  }
  if (n == 0 || n > 18)
    return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)p[i]))
      return false;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return true;
}

int eng_parse_dev_rule(const char *s, struct eng_dev_rule *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  const char *p = s;
  if ((p[0] != 'a' && p[0] != 'b' && p[0] != 'c') || p[1] != ' ')
    goto bad;
  out->type = p[0];
  p += 2;
  size_t n1 = strcspn(p, ":");
  if (p[n1] != ':' || !rule_num(p, n1, &out->major))
    goto bad;
  p += n1 + 1;
  size_t n2 = strcspn(p, " ");
  if (p[n2] != ' ' || !rule_num(p, n2, &out->minor))
    goto bad;
  p += n2 + 1;
  size_t n3 = strlen(p);
  if (n3 < 1 || n3 > 3 || strspn(p, "rwm") != n3)
    goto bad;
  memcpy(out->access, p, n3);
  out->access[n3] = '\0';
  return 0;
bad:
  return err_set(err, 0, "invalid device cgroup format '%s'", s);
}

char *eng_cgroup_path(const char *parent, const char *dflt, const char *id)
{
  if (parent == NULL || *parent == '\0')
    return xasprintf("/%s/%s", dflt, id);
  size_t cap = strlen(parent) + strlen(id) + 3;
  char *out = xmalloc(cap);
  size_t len = 0;
  const char *p = parent;
  while (*p) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      while (len > 0 && out[len - 1] != '/') /* back to the slash before the last part */
        len--;
      if (len > 0)
        len--;
    } else if (n > 0 && !(n == 1 && p[0] == '.')) {
      out[len++] = '/';
      memcpy(out + len, p, n);
      len += n;
    }
    p += n;
    if (*p == '/')
      p++;
  }
  snprintf(out + len, cap - len, "/%s", id);
  return out;
}
