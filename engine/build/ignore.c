/* .dockerignore, docker's rules (moby fileutils.PatternMatcher): one pattern a line, "#"
 * comments, "!" exceptions, patterns cleaned like a path (a leading "/" dropped), "*" and "?"
 * within one path element, "**" across any number of them; the last pattern that matches a
 * path decides, and a pattern that matches a parent directory matches what is under it. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/build.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct pat {
  regex_t re;
  bool exclusion;
  size_t n_dirs; /* path elements of the pattern */
};

struct df_ignore {
  struct pat *v;
  size_t n;
  bool exceptions;
};

/* filepath.Clean for a relative slash path (".." kept at the front) */
static char *clean(const char *p)
{
  bool abs = p[0] == '/';
  autostrv char **parts = strv_split(p, '/');
  char **out = xcalloc(strv_len(parts) + 1, sizeof(char *));
  size_t n = 0;
  for (char **s = parts; *s; s++) {
    if (**s == '\0' || strcmp(*s, ".") == 0)
      continue;
    if (strcmp(*s, "..") == 0) {
      if (n > 0 && strcmp(out[n - 1], "..") != 0) {
        n--;
        continue;
      }
      if (abs)
        continue;
    }
    out[n++] = *s;
  }
  out[n] = NULL;
  char *j = strv_join(out, "/");
  free(out);
  if (*j == '\0') {
    free(j);
    return xstrdup(abs ? "/" : ".");
  }
  if (abs) {
    char *a = xasprintf("/%s", j);
    free(j);
    return a;
  }
  return j;
}

static char *to_regex(const char *p)
{
  size_t n = strlen(p);
  char *r = xcalloc(n * 8 + 8, 1);
  size_t k = 0;
  r[k++] = '^';
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == '*') {
      if (p[i + 1] == '*') {
        i++;
        if (p[i + 1] == '/')
          i++;
        if (p[i + 1] == '\0') {
          memcpy(r + k, ".*", 2);
          k += 2;
        } else {
          memcpy(r + k, "(.*/)?", 6);
          k += 6;
        }
      } else {
        memcpy(r + k, "[^/]*", 5);
        k += 5;
      }
    } else if (c == '?') {
      memcpy(r + k, "[^/]", 4);
      k += 4;
    } else if (c == '\\' && p[i + 1]) {
      r[k++] = '\\';
      r[k++] = p[++i];
    } else if (strchr(".$()+{}|^", c)) {
      r[k++] = '\\';
      r[k++] = c;
    } else {
      r[k++] = c;
    }
  }
  r[k++] = '$';
  r[k] = '\0';
  return r;
}

struct df_ignore *df_ignore_parse(const char *text)
{
  struct df_ignore *ig = xcalloc(1, sizeof(*ig));
  if (text == NULL)
    return ig;
  autostrv char **lines = strv_split(text, '\n');
  for (char **l = lines; *l; l++) {
    char *s = *l;
    while (*s == ' ' || *s == '\t')
      s++;
    size_t e = strlen(s);
    while (e && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
      s[--e] = '\0';
    if (*s == '\0' || *s == '#')
      continue;
    bool excl = false;
    if (*s == '!') {
      excl = true;
      s++;
      while (*s == ' ' || *s == '\t')
        s++;
      if (*s == '\0')
        continue; /* docker: "illegal exclusion pattern: \"!\"" (ignored here) */
    }
    char *c = clean(s);
    const char *pat = c;
    if (strlen(pat) > 1 && pat[0] == '/')
      pat++;
    char *re = to_regex(pat);
    struct pat pt = {.exclusion = excl, .n_dirs = 1};
    for (const char *q = pat; *q; q++)
      pt.n_dirs += *q == '/';
    if (regcomp(&pt.re, re, REG_EXTENDED | REG_NOSUB) == 0) {
      ig->v = xrealloc(ig->v, (ig->n + 1) * sizeof(*ig->v));
      ig->v[ig->n++] = pt;
      ig->exceptions |= excl;
    }
    free(re);
    free(c);
  }
  return ig;
}

void df_ignore_free(struct df_ignore *ig)
{
  if (ig == NULL)
    return;
  for (size_t i = 0; i < ig->n; i++)
    regfree(&ig->v[i].re);
  free(ig->v);
  free(ig);
}

bool df_ignore_has_exceptions(const struct df_ignore *ig)
{
  return ig && ig->exceptions;
}

bool df_ignore_match(const struct df_ignore *ig, const char *path)
{
  if (ig == NULL || ig->n == 0)
    return false;
  char *file = clean(path);
  char **dirs = strv_split(file, '/');
  size_t nd = strv_len(dirs);
  bool matched = false;
  for (size_t i = 0; i < ig->n; i++) {
    const struct pat *p = &ig->v[i];
    bool m = regexec(&p->re, file, 0, NULL, 0) == 0;
    /* a pattern matching a parent directory of the file (parentPath in docker) */
    if (!m && nd > 1 && p->n_dirs <= nd - 1) {
      char *save = dirs[p->n_dirs];
      dirs[p->n_dirs] = NULL;
      char *parent = strv_join(dirs, "/");
      dirs[p->n_dirs] = save;
      m = regexec(&p->re, parent, 0, NULL, 0) == 0;
      free(parent);
    }
    if (m)
      matched = !p->exclusion;
  }
  strv_free(dirs);
  free(file);
  return matched;
}
