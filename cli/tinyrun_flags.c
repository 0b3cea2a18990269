/* runc-style flag parsing (urfave/cli accepts -name and --name alike). */
#include <stdlib.h>
#include <string.h>

#include "cli/tinyrun.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const struct tr_flag *find_flag(const struct tr_flag *flags, const char *name, size_t len)
{
  for (const struct tr_flag *f = flags; f->name; f++) {
    if (len == 1 && f->shortname == name[0])
      return f;
    if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
      return f;
  }
  return NULL;
}

static int set_value(const struct tr_flag *f, const char *v, struct td_err **err)
{
  switch (f->kind) {
  case TR_BOOL:
    *(bool *)f->out = v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
    return 0;
  case TR_STR:
    *(const char **)f->out = v;
    return 0;
  case TR_INT: {
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < 0 || n > 1 << 20)
      return err_set(err, 0, "invalid value %s for flag --%s", v, f->name);
    *(int *)f->out = (int)n;
    return 0;
  }
  case TR_STRV:
    strv_push((char ***)f->out, v);
    return 0;
  }
  return 0;
}

int tr_parse_flags(int argc, char **argv, const struct tr_flag *flags, bool stop_at_arg,
                   char ***pos, bool *help, struct td_err **err)
{
  char **out = xcalloc((size_t)argc + 1, sizeof(char *));
  size_t n = 0;
  int i = 1;
  for (; i < argc; i++) {
    char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0') {
      if (stop_at_arg)
        break;
      out[n++] = a;
      continue;
    }
    const char *name = a + 1 + (a[1] == '-');
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    if ((len == 4 && strncmp(name, "help", 4) == 0) || (len == 1 && name[0] == 'h')) {
      *help = true;
      continue;
    }
    const struct tr_flag *f = find_flag(flags, name, len);
    if (f == NULL) {
      free(out);
      return err_set(err, 0, "flag provided but not defined: -%.*s", (int)len, name);
    }
    const char *v = eq ? eq + 1 : NULL;
    if (f->kind != TR_BOOL && v == NULL) {
      if (i + 1 >= argc) {
        free(out);
        return err_set(err, 0, "flag needs an argument: -%s", f->name);
      }
      v = argv[++i];
    }
    if (set_value(f, v, err) < 0) {
      free(out);
      return -1;
    }
  }
  for (; i < argc; i++)
    out[n++] = argv[i];
  out[n] = NULL;
  *pos = out;
  return 0;
}
