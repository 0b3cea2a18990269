#include "util/strv.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

size_t strv_len(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void strv_push_owned(char ***v, char *s)
{
  size_t n = strv_len(*v);
  *v = xrealloc(*v, (n + 2) * sizeof(char *));
  (*v)[n] = s;
  (*v)[n + 1] = NULL;
}

void strv_push(char ***v, const char *s)
{
  strv_push_owned(v, xstrdup(s));
}

char **strv_dup(char *const *v)
{
  if (v == NULL)
    return NULL;
  size_t n = strv_len(v);
  char **d = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++)
    d[i] = xstrdup(v[i]);
  return d;
}

void strv_free(char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

long strv_find(char *const *v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp(v[i], s) == 0)
      return (long)i;
  return -1;
}

char **strv_split(const char *s, char sep)
{
  char **v = xcalloc(1, sizeof(char *));
  const char *start = s;
  for (const char *p = s;; p++) {
    if (*p == sep || *p == '\0') {
      strv_push_owned(&v, xstrndup(start, (size_t)(p - start)));
      if (*p == '\0')
        break;
      start = p + 1;
    }
  }
  return v;
}

char *strv_join(char *const *v, const char *sep)
{
  size_t total = 1, seplen = strlen(sep);
  for (size_t i = 0; v && v[i]; i++)
    total += strlen(v[i]) + seplen;
  char *out = xmalloc(total);
  char *p = out;
  for (size_t i = 0; v && v[i]; i++) {
    if (i) {
      memcpy(p, sep, seplen);
      p += seplen;
    }
    size_t l = strlen(v[i]);
    memcpy(p, v[i], l);
    p += l;
  }
  *p = '\0';
  return out;
}
