/* start: stopped containers started, each one's failure printed as docker does, or one
 * attached with its STDOUT/STDERR (and STDIN with -i). */
#include <stdio.h>

#include "cli/tinydocker_cmds.h"
#include "cli/tinydocker_opts.h"
#include "cli/run_flags.h"
#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/strv.h"

static const struct opt_def start_opts[] = {
    {'a', "attach", OPT_BOOL, NULL, "Attach STDOUT/STDERR and forward signals", NULL},
    {0, "detach-keys", OPT_STR, "string", "Override the key sequence for detaching a container",
     NULL},
    {'i', "interactive", OPT_BOOL, NULL, "Attach container's STDIN", NULL},
    {0, NULL, OPT_BOOL, NULL, NULL, NULL},
};
static const struct cmd_info start_info = {"start", "[OPTIONS] CONTAINER [CONTAINER...]",
                                           "Start one or more stopped containers", start_opts,
                                           false};

int cmd_start(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse(&start_info, argc, argv, &r, err);
  if (rc == 0 && !r.help && r.nargs == 0)
    rc = err_set(
        err, 0,
        "\"tinydocker start\" requires at least 1 argument.\nSee 'tinydocker start --help'.");
  const char *keys = rc == 0 ? opt_str(&start_info, &r, "detach-keys") : NULL;
  if (rc == 0 && !r.help)
    rc = run_check_detach_keys(keys, err);
  int code = 0;
  autostrv char **failed = NULL;
  for (int i = 0; rc == 0 && !r.help && i < r.nargs; i++) {
    autofree char *id = NULL;
    struct eng_start_opts o = {.attach = opt_bool(&start_info, &r, "attach"),
                               .interactive = opt_bool(&start_info, &r, "interactive"),
                               .sig_proxy = true,
                               .detach_keys = keys};
    if (eng_lookup(ctx, r.args[i], &id, err) < 0 || eng_start(ctx, id, &o, &code, err) < 0) {
      if (o.attach) {
        rc = -1;
        break;
      }
      /* docker starts the others, printing each failure, and names the failed ones last */
      err_print(NULL, *err);
      err_free(err);
      strv_push(&failed, r.args[i]);
      continue;
    }
    if (!o.attach)
      printf("%s\n", r.args[i]);
  }
  if (rc == 0 && failed) {
    autofree char *names = strv_join(failed, ", ");
    rc = err_set(err, 0, "Error: failed to start containers: %s", names);
  }
  opts_free(&start_info, &r);
  return rc < 0 ? -1 : code;
}
