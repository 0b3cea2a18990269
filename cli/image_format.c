/* A small subset of docker's Go-template --format for image inspect: text with {{.A.B}} and
 * {{json .A}} actions. Values print like Go's fmt: strings raw, arrays as [a b], maps as
 * map[k:v]; json prints JSON. */
#include <stdio.h>
#include <string.h>

#include "cli/image_cli.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void print_go(json_t *v)
{
  if (v == NULL || json_is_null(v)) {
    printf("<no value>");
  } else if (json_is_string(v)) {
    printf("%s", json_string_value(v));
  } else if (json_is_array(v)) {
    size_t i;
    json_t *e;
    printf("[");
    json_array_foreach(v, i, e)
    {
      if (i)
        printf(" ");
      print_go(e);
    }
    printf("]");
  } else if (json_is_object(v)) {
    const char *k;
    json_t *e;
    bool first = true;
    printf("map[");
    json_object_foreach(v, k, e)
    {
      printf("%s%s:", first ? "" : " ", k);
      print_go(e);
      first = false;
    }
    printf("]");
  } else {
    autofree char *s = json_dumps(v, JSON_ENCODE_ANY);
    printf("%s", s);
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

int cli_format_print(const char *fmt, json_t *obj)
{
  const char *s = fmt;
  while (*s) {
    const char *open = strstr(s, "{{");
    if (open == NULL) {
      printf("%s", s);
      break;
    }
    printf("%.*s", (int)(open - s), s);
    const char *close = strstr(open, "}}");
    if (close == NULL) {
      printf("%s", open);
      break;
    }
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
      printf("%s", js);
    } else {
      print_go(v);
    }
    s = close + 2;
  }
  printf("\n");
  return 0;
}
