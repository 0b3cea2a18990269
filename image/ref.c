/* Image references with docker's grammar and normalisation (distribution/reference rules):
 * name := [domain '/'] component ('/' component)*, then [':' tag] ['@' digest]. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define REF_NAME_MAX 255

void image_ref_free(struct image_ref *r)
{
  if (r == NULL)
    return;
  free(r->domain);
  free(r->path);
  free(r->tag);
  free(r->digest);
  free(r);
}

static bool is_lower_alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* component := [a-z0-9]+ (sep [a-z0-9]+)*, sep := '.' | '_' | '__' | '-'+ */
static bool component_valid(const char *s, size_t n)
{
  size_t i = 0;
  if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
    return false;
  while (i < n) {
    if (is_lower_alnum(s[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < n && !is_lower_alnum(s[j]))
      j++;
    size_t len = j - i;
    const char *sep = s + i;
    bool ok = (len == 1 && (sep[0] == '.' || sep[0] == '_' || sep[0] == '-')) ||
              (len == 2 && sep[0] == '_' && sep[1] == '_');
    if (!ok) {
      ok = true;
      for (size_t k = 0; k < len; k++)
        ok = ok && sep[k] == '-';
    }
    if (!ok)
      return false;
    i = j;
  }
  return true;
}

/* domain := label ('.' label)* [':' port], label := alnum ([alnum-]* alnum)? */
static bool domain_valid(const char *s, size_t n)
{
  const char *colon = memchr(s, ':', n);
  size_t host_n = colon ? (size_t)(colon - s) : n;
  if (host_n == 0)
    return false;
  size_t start = 0;
  for (size_t i = 0; i <= host_n; i++) {
    if (i < host_n && s[i] != '.') {
      if (!isalnum((unsigned char)s[i]) && s[i] != '-')
        return false;
      continue;
    }
    if (i == start || s[start] == '-' || s[i - 1] == '-')
      return false;
    start = i + 1;
  }
  if (colon) {
    size_t pn = n - host_n - 1;
    if (pn == 0 || pn > 5)
      return false;
    for (size_t i = host_n + 1; i < n; i++)
      if (!isdigit((unsigned char)s[i]))
        return false;
  }
  return true;
}

static bool tag_valid(const char *t)
{
  size_t n = strlen(t);
  if (n == 0 || n > 128)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    bool word = isalnum((unsigned char)c) || c == '_';
    if (!(word || (i > 0 && (c == '.' || c == '-'))))
      return false;
  }
  return true;
}

static bool digest_valid(const char *d)
{
  if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
    return false;
  for (const char *p = d + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

/* docker's words (distribution's reference errors), found by the CLI before anything is sent */
static int bad_ref(struct td_err **err, const char *s, const char *why)
{
  (void)s;
  if (why)
    err_set(err, 0, "invalid reference format: %s", why);
  else
    err_set(err, 0, "invalid reference format");
  return err_mark(err, ERR_CLI);
}

static bool has_upper(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (isupper((unsigned char)s[i]))
      return true;
  return false;
}

/* Split the name into domain and path (docker 20.10's splitDockerDomain, distribution 2.7: a
 * first component is a domain when it has a '.' or a ':' or is localhost; "UPPER/x" is a path,
 * and so refused as not lowercase, never looked up as a host) and check both. */
static int ref_split_name(const char *s, const char *name, struct image_ref *r, struct td_err **err)
{
  const char *slash = strchr(name, '/');
  size_t first_n = slash ? (size_t)(slash - name) : 0;
  bool has_domain = slash && (memchr(name, '.', first_n) || memchr(name, ':', first_n) ||
                              (first_n == 9 && strncmp(name, "localhost", 9) == 0));
  const char *path = name;
  if (has_domain) {
    if (!domain_valid(name, first_n))
      return bad_ref(err, s, NULL);
    r->domain = xstrndup(name, first_n);
    path = slash + 1;
  } else {
    r->domain = xstrdup("docker.io");
  }
  if (strcmp(r->domain, "index.docker.io") == 0) {
    free(r->domain);
    r->domain = xstrdup("docker.io");
  }
  if (has_upper(path, strlen(path)))
    return bad_ref(err, s, "repository name must be lowercase");
  for (const char *c = path;;) {
    const char *e = strchr(c, '/');
    size_t n = e ? (size_t)(e - c) : strlen(c);
    if (!component_valid(c, n))
      return bad_ref(err, s, NULL);
    if (!e)
      break;
    c = e + 1;
  }
  if (strcmp(r->domain, "docker.io") == 0 && strchr(path, '/') == NULL)
    r->path = xasprintf("library/%s", path);
  else
    r->path = xstrdup(path);
  return 0;
}

int image_ref_parse(const char *s, struct image_ref **out, struct td_err **err)
{
  if (s == NULL || *s == '\0')
    return bad_ref(err, s ? s : "", NULL);
  autofree char *copy = xstrdup(s);
  struct image_ref *r = xcalloc(1, sizeof(*r));
  char *at = strchr(copy, '@');
  if (at) {
    *at = '\0';
    if (!digest_valid(at + 1)) {
      image_ref_free(r);
      return bad_ref(err, s, NULL);
    }
    r->digest = xstrdup(at + 1);
  }
  /* a tag colon comes after the last slash (a domain port colon comes before it) */
  char *last_slash = strrchr(copy, '/');
  char *colon = strrchr(last_slash ? last_slash : copy, ':');
  if (colon) {
    *colon = '\0';
    if (!tag_valid(colon + 1)) {
      image_ref_free(r);
      return bad_ref(err, s, NULL);
    }
    r->tag = xstrdup(colon + 1);
  }
  /* docker counts the normalised name ("docker.io/library/x") against the limit */
  if (ref_split_name(s, copy, r, err) < 0) {
    image_ref_free(r);
    return -1;
  }
  if (strlen(r->domain) + 1 + strlen(r->path) > REF_NAME_MAX) {
    image_ref_free(r);
    return bad_ref(err, s, "repository name must not be more than 255 characters");
  }
  if (r->tag == NULL && r->digest == NULL)
    r->tag = xstrdup("latest");
  *out = r;
  return 0;
}

char *image_ref_full(const struct image_ref *r)
{
  return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
                   r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *image_ref_familiar_repo(const struct image_ref *r)
{
  if (strcmp(r->domain, "docker.io") != 0)
    return xasprintf("%s/%s", r->domain, r->path);
  const char *p = r->path;
  if (strncmp(p, "library/", 8) == 0 && strchr(p + 8, '/') == NULL)
    p += 8;
  return xstrdup(p);
}

char *image_ref_familiar(const struct image_ref *r)
{
  autofree char *repo = image_ref_familiar_repo(r);
  return xasprintf("%s%s%s%s%s", repo, r->tag ? ":" : "", r->tag ? r->tag : "",
                   r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *image_name_familiar(const char *full)
{
  struct image_ref *r = NULL;
  autoerr struct td_err *e = NULL;
  if (image_ref_parse(full, &r, &e) < 0)
    return xstrdup(full);
  char *f = image_ref_familiar(r);
  image_ref_free(r);
  return f;
}
