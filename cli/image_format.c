/* A small subset of docker's Go-template --format for image inspect: text with {{.A.B}} and
 * {{json .A}} actions. Values print like Go's fmt: strings raw, arrays as [a b], maps as
 * map[k:v]; json prints JSON. */
#include <stdio.h>
#include <string.h>

#include "cli/image_cli.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void print_go(FILE *out, json_t *v)
{
  if (v == NULL || json_is_null(v)) {
    fprintf(out, "<no value>");
  } else if (json_is_string(v)) {
    fprintf(out, "%s", json_string_value(v));
  } else if (json_is_array(v)) {
    size_t i;
    json_t *e;
    fprintf(out, "[");
    json_array_foreach(v, i, e)
    {
      if (i)
        fprintf(out, " ");
      print_go(out, e);
    }
    fprintf(out, "]");
  } else if (json_is_object(v)) {
    const char *k;
    json_t *e;
    bool first = true;
    fprintf(out, "map[");
    json_object_foreach(v, k, e)
    {
      fprintf(out, "%s%s:", first ? "" : " ", k);
      print_go(out, e);
      first = false;
    }
    fprintf(out, "]");
  } else {
    autofree char *s = json_dumps(v, JSON_ENCODE_ANY);
    fprintf(out, "%s", s);
  }
}

static json_t *lookup(json_t *obj, const char *path)
{
  if (strcmp(path, ".") == 0)
    return obj;
  autostrv char **parts = strv_split(path + 1, '.');
  json_t *cur = obj;
  for (char **p = parts; *p && cur; p++)
    cur = json_object_get(cur, *p);
  return cur;
}

/* Literal text with docker's escapes: "\t" and "\n" as typed on a command line. */
static void put_text(FILE *out, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      fputc(s[i + 1] == 't' ? '\t' : '\n', out);
      i++;
    } else {
      fputc(s[i], out);
    }
  }
}

char *cli_format_render(const char *fmt, json_t *obj)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  if (out == NULL)
    return xstrdup("");
  const char *s = fmt;
  while (*s) {
    const char *open = strstr(s, "{{");
    const char *close = open ? strstr(open, "}}") : NULL;
    if (open == NULL || close == NULL) {
      put_text(out, s, strlen(s));
      break;
    }
    put_text(out, s, (size_t)(open - s));
    autofree char *act = xstrndup(open + 2, (size_t)(close - open - 2));
    char *a = act + strspn(act, " ");
    for (char *e = a + strlen(a); e > a && e[-1] == ' ';)
      *--e = '\0';
    bool as_json = strncmp(a, "json ", 5) == 0;
    if (as_json)
      a += 5 + strspn(a + 5, " ");
    json_t *v = a[0] == '.' ? lookup(obj, a) : NULL;
    if (as_json) {
      autofree char *js = json_dumps(v ? v : json_null(), JSON_ENCODE_ANY | JSON_COMPACT);
      fprintf(out, "%s", js);
    } else {
      print_go(out, v);
    }
    s = close + 2;
  }
  fclose(out);
  return buf;
}

int cli_format_print(const char *fmt, json_t *obj)
{
  autofree char *s = cli_format_render(fmt, obj);
  printf("%s\n", s);
  return 0;
}
