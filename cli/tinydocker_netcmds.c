/* `network`, `port` (net helper's CLI, fed with the engine's container lookup) and the
 * `container` group's help. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tinydocker_cmds.h"
#include "cli/tinydocker_network.h"
#include "cli/volume_cli.h"
#include "engine/engine.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int lookup(void *ud, const char *ref, struct net_cli_ctr *c, struct td_err **err)
{
  struct eng_ctx *ctx = ud;
  autofree char *id = NULL;
  if (eng_lookup(ctx, ref, &id, err) < 0)
    return -1;
  struct eng_ctr_brief b;
  if (eng_container_brief(ctx, id, &b, err) < 0)
    return -1;
  *c = (struct net_cli_ctr){.id = b.id,
                            .name = b.name,
                            .hostname = b.hostname,
                            .hosts_path = b.hosts_path,
                            .pid = b.pid,
                            .network_mode = b.network_mode};
  free(b.image);
  return 0;
}

static int connect_hook(void *ud, const char *container, struct net_attach_req *req,
                        struct td_err **err)
{
  return eng_network_connect(ud, container, req, err);
}

static int disconnect_hook(void *ud, const char *network, const char *container,
                           struct td_err **err)
{
  return eng_network_disconnect(ud, network, container, err);
}

int cmd_network(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  if (td_group_help("network", argc, argv))
    return 0;
  struct net_cli_hooks h = {
      .lookup = lookup, .connect = connect_hook, .disconnect = disconnect_hook, .ud = ctx};
  return net_cli_network(ctx->root, &h, argc + 1, argv - 1, err);
}

int cmd_port(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  if (td_group_help("port", argc, argv))
    return 0;
  struct net_cli_hooks h = {.lookup = lookup, .ud = ctx};
  return net_cli_port(ctx->root, &h, argc + 1, argv - 1, err);
}

int cmd_container_help(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  (void)ctx, (void)argc, (void)argv, (void)err;
  printf("\nUsage:  tinydocker container COMMAND\n\nManage containers\n\nCommands:\n"
         "  attach cp create exec inspect kill logs ls pause port prune rename restart rm run\n"
         "  start stats stop top unpause wait\n\nRun 'tinydocker container COMMAND --help' for "
         "more information on a command.\n");
  return 0;
}

/* commit / export: find the container, then hand over to tinydocker-image. */
static int container_image_cmd(struct eng_ctx *ctx, const char *cmd, int argc, char **argv,
                               struct td_err **err)
{
  const char *ref = NULL;
  for (int i = 0; i < argc && ref == NULL; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0) {
      /* the image tool prints it: argv for it is [ignored, command, --help] */
      char *av[] = {(char *)"tinydocker", (char *)cmd, (char *)"--help", NULL};
      return image_tool_exec(ctx->root, 3, av, err);
    }
    if (a[0] != '-') {
      ref = a;
    } else if (image_tool_flag_takes_value(a)) {
      i++;
    }
  }
  if (ref == NULL)
    return err_set(err, 0,
                   "\"tinydocker %s\" requires at least 1 argument.\nSee 'tinydocker %s --help'.",
                   cmd, cmd);
  autofree char *id = NULL;
  if (eng_lookup(ctx, ref, &id, err) < 0)
    return -1;
  struct eng_ctr_brief b;
  if (eng_container_brief(ctx, id, &b, err) < 0)
    return -1;
  autofree char *dir = xasprintf("%s/%s", ctx->ctr_dir, id);
  int rc = image_tool_exec_container(ctx->root, dir, b.image && *b.image ? b.image : NULL, argc + 1,
                                     argv - 1, err);
  eng_ctr_brief_clear(&b);
  return rc;
}

int cmd_commit(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  return container_image_cmd(ctx, "commit", argc, argv, err);
}

int cmd_export(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  return container_image_cmd(ctx, "export", argc, argv, err);
}

int cmd_volume(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  (void)err;
  if (td_group_help("volume", argc, argv))
    return 0;
  return volume_cli(ctx->root, argc, argv);
}
