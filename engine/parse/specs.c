/* The specs of docker's mount and device flags: -v, --mount, --tmpfs, --device (parse.h). */
#include "engine/parse/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

void eng_mount_clear(struct eng_mount *m)
{
  free(m->source);
  free(m->target);
  free(m->propagation);
  free(m->tmpfs_opts);
  memset(m, 0, sizeof(*m));
}

static bool is_propagation(const char *o)
{
  static const char *const p[] = {"private", "rprivate", "shared", "rshared",
                                  "slave",   "rslave",   NULL};
  for (size_t i = 0; p[i]; i++)
    if (strcmp(p[i], o) == 0)
      return true;
  return false;
}

int eng_parse_volume(const char *s, struct eng_mount *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  autostrv char **parts = strv_split(s ? s : "", ':');
  size_t n = strv_len(parts);
  if (n == 0 || n > 3 || **parts == '\0')
    return err_set(err, 0, "invalid spec: %s: invalid volume specification", s ? s : "");
  const char *src = NULL, *dst, *opts = NULL;
  if (n == 1) {
    dst = parts[0];
  } else if (n == 2 && parts[1][0] != '/' && strchr(parts[1], '/') == NULL && parts[0][0] == '/') {
    /* "/dst:ro" */
    dst = parts[0];
    opts = parts[1];
  } else {
    src = parts[0];
    dst = parts[1];
    opts = n == 3 ? parts[2] : NULL;
  }
  if (dst[0] != '/')
    return err_set(err, 0,
                   "invalid volume specification: '%s': invalid mount config: "
                   "mount path must be absolute",
                   s);
  if (strcmp(dst, "/") == 0)
    return err_set(err, 0,
                   "invalid volume specification: '%s': invalid mount config: "
                   "destination can't be '/'",
                   s);
  out->type = src == NULL || src[0] != '/' ? MOUNT_VOLUME : MOUNT_BIND;
  out->create_source = out->type == MOUNT_BIND;
  if (src && src[0] == '\0')
    return err_set(err, 0, "invalid spec: %s: empty section between colons", s);
  if (src && out->type == MOUNT_VOLUME && !eng_valid_name(src))
    return err_set(err, 0,
                   "create %s: \"%s\" includes invalid characters for a local volume "
                   "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                   src, src);
  if (opts) {
    autostrv char **ov = strv_split(opts, ',');
    for (char **o = ov; *o; o++) {
      if (strcmp(*o, "ro") == 0)
        out->readonly = true;
      else if (strcmp(*o, "rw") == 0)
        out->readonly = false;
      else if (strcmp(*o, "nocopy") == 0)
        out->nocopy = true;
      else if (is_propagation(*o)) {
        free(out->propagation);
        out->propagation = xstrdup(*o);
      } else if (strcmp(*o, "z") == 0 || strcmp(*o, "Z") == 0)
        continue;
      else {
        eng_mount_clear(out);
        return err_set(err, 0, "invalid mode: %s", *o);
      }
    }
  }
  out->source = xstrdup(src);
  out->target = xstrdup(dst);
  return 0;
}

int eng_parse_mount(const char *s, struct eng_mount *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  autostrv char **fields = strv_split(s ? s : "", ',');
  bool have_type = false;
  out->type = MOUNT_VOLUME;
  for (char **f = fields; *f; f++) {
    char *eq = strchr(*f, '=');
    autofree char *k = eq ? xstrndup(*f, (size_t)(eq - *f)) : xstrdup(*f);
    const char *v = eq ? eq + 1 : NULL;
    if (strcmp(k, "type") == 0 && v) {
      have_type = true;
      if (strcmp(v, "bind") == 0)
        out->type = MOUNT_BIND;
      else if (strcmp(v, "volume") == 0)
        out->type = MOUNT_VOLUME;
      else if (strcmp(v, "tmpfs") == 0)
        out->type = MOUNT_TMPFS;
      else
        goto bad_value;
    } else if ((strcmp(k, "source") == 0 || strcmp(k, "src") == 0) && v) {
      free(out->source);
      out->source = xstrdup(v);
    } else if ((strcmp(k, "target") == 0 || strcmp(k, "destination") == 0 ||
                strcmp(k, "dst") == 0) &&
               v) {
      free(out->target);
      out->target = xstrdup(v);
    } else if (strcmp(k, "readonly") == 0 || strcmp(k, "ro") == 0) {
      out->readonly = v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
    } else if (strcmp(k, "bind-propagation") == 0 && v && is_propagation(v)) {
      free(out->propagation);
      out->propagation = xstrdup(v);
    } else if (strcmp(k, "volume-nocopy") == 0) {
      out->nocopy = true;
    } else if (strcmp(k, "tmpfs-size") == 0 && v) {
      struct td_err *e2 = NULL;
      if (eng_parse_size(v, &out->tmpfs_size, &e2) < 0) {
        err_free(&e2);
        goto bad_value;
      }
    } else if (strcmp(k, "tmpfs-mode") == 0 && v) {
      char *e = NULL;
      unsigned long m = strtoul(v, &e, 8);
      if (*v == '\0' || *e || m > 07777)
        goto bad_value;
      out->tmpfs_mode = (uint32_t)m;
    } else {
      eng_mount_clear(out);
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"--mount\" flag: unexpected key '%s' "
                     "in '%s'",
                     s, k, *f);
    }
    continue;
  bad_value:
    eng_mount_clear(out);
    return err_set(err, 0,
                   "invalid argument \"%s\" for \"--mount\" flag: invalid value for "
                   "'%s'",
                   s, k);
  }
  if (!have_type) {
    eng_mount_clear(out);
    return err_set(err, 0, "invalid argument \"%s\" for \"--mount\" flag: type is required", s);
  }
  if (out->target == NULL || out->target[0] != '/') {
    eng_mount_clear(out);
    return err_set(err, 0, "invalid mount config: mount path must be absolute (%s)", s);
  }
  if (out->type == MOUNT_BIND && (out->source == NULL || out->source[0] != '/')) {
    eng_mount_clear(out);
    return err_set(err, 0,
                   "invalid mount config for type \"bind\": field Source must not be "
                   "empty and must be absolute");
  }
  if (out->type == MOUNT_TMPFS && out->source) {
    eng_mount_clear(out);
    return err_set(err, 0,
                   "invalid mount config for type \"tmpfs\": field Source must not be "
                   "specified");
  }
  return 0;
}

int eng_parse_tmpfs(const char *s, struct eng_mount *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  if (s == NULL || s[0] != '/')
    return err_set(err, 0, "invalid tmpfs mount: %s: mount path must be absolute", s ? s : "");
  out->type = MOUNT_TMPFS;
  const char *c = strchr(s, ':');
  out->target = c ? xstrndup(s, (size_t)(c - s)) : xstrdup(s);
  if (c && c[1]) {
    autostrv char **ov = strv_split(c + 1, ',');
    for (char **o = ov; *o; o++) {
      if (strncmp(*o, "size=", 5) == 0) {
        if (eng_parse_size(*o + 5, &out->tmpfs_size, err) < 0) {
          eng_mount_clear(out);
          return err_prefix(err, "invalid tmpfs option");
        }
      } else if (strcmp(*o, "ro") == 0) {
        out->readonly = true;
      }
    }
    out->tmpfs_opts = xstrdup(c + 1);
  }
  return 0;
}

int eng_parse_device(const char *s, struct eng_device *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  autostrv char **p = strv_split(s ? s : "", ':');
  size_t n = strv_len(p);
  if (n == 0 || n > 3 || p[0][0] != '/')
    return err_set(err, 0, "invalid device specification: %s", s ? s : "");
  const char *perms = "rwm";
  const char *ctr = p[0];
  if (n >= 2) {
    if (p[1][0] == '/')
      ctr = p[1];
    else if (n == 2)
      perms = p[1];
    else
      return err_set(err, 0, "invalid device specification: %s", s);
  }
  if (n == 3)
    perms = p[2];
  if (*perms == '\0' || strlen(perms) > 3 || strspn(perms, "rwm") != strlen(perms))
    return err_set(err, 0, "invalid device mode: %s", perms);
  out->host = xstrdup(p[0]);
  out->container = xstrdup(ctr);
  memcpy(out->perms, perms, strlen(perms) + 1);
  return 0;
}

void eng_device_clear(struct eng_device *d)
{
  free(d->host);
  free(d->container);
  memset(d, 0, sizeof(*d));
}
