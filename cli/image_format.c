/* --format for the image and volume commands: docker's Go-template subset of util/gotmpl.h,
 * the same renderer as the container commands use. */
#include <stdio.h>

#include "cli/image_cli.h"
#include "util/cleanup.h"
#include "util/gotmpl.h"
#include "util/xalloc.h"

char *cli_format_render(const char *fmt, json_t *obj)
{
  char *out = NULL;
  autoerr struct td_err *err = NULL;
  if (gotmpl_render(fmt, obj, &out, &err) < 0) {
    err_print(NULL, err);
    return xstrdup("");
  }
  return out;
}

int cli_format_print(const char *fmt, json_t *obj)
{
  char *out = NULL;
  autoerr struct td_err *err = NULL;
  if (gotmpl_render(fmt, obj, &out, &err) < 0)
    return cli_fail(steal_ptr(err));
  printf("%s\n", out);
  free(out);
  return 0;
}
