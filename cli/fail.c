/* The one place where the image and volume commands turn an error into docker's message and
 * exit code. */
#include "cli/image_cli.h"

int cli_fail(struct td_err *err)
{
  int code = err_exit_status(err);
  err_print(NULL, err);
  err_free(&err);
  return code;
}
