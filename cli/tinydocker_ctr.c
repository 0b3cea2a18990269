/* The lifecycle and observation commands: ps logs stop restart kill rm wait rename inspect
 * exec attach top stats pause unpause cp container-prune info version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/docker_types.h"
#include "cli/tinydocker_cmds.h"
#include "cli/tinydocker_opts.h"
#include "engine/parse/parse.h"
#include "engine/engine.h"
#include "image/image.h"
#include "image/volume.h"
#include "net/net.h"
#include "util/gotmpl.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define OPT_END                                                                                    \
  {                                                                                                \
    0, NULL, OPT_BOOL, NULL, NULL, NULL                                                            \
  }

/* Run fn for each container argument; docker prints each error and fails at the end. */
static int for_each(struct eng_ctx *ctx, const struct cmd_info *ci, struct opt_result *r, int first,
                    bool print_ref,
                    int (*fn)(struct eng_ctx *, const char *, const struct cmd_info *,
                              struct opt_result *, struct td_err **),
                    struct td_err **err)
{
  int failed = 0;
  for (int i = first; i < r->nargs; i++) {
    autofree char *id = NULL;
    autoerr struct td_err *e = NULL;
    if (eng_lookup(ctx, r->args[i], &id, &e) < 0 || fn(ctx, id, ci, r, &e) < 0) {
      /* the daemon names the container as it was given */
      if (strcmp(ci->name, "kill") == 0 && e->kind == ERR_DAEMON)
        err_prefix(&e, "Cannot kill container: %s", r->args[i]);
      if (i == r->nargs - 1 && failed == 0) {
        *err = steal_ptr(e);
        return -1;
      }
      err_print(NULL, e);
      failed++;
      continue;
    }
    if (print_ref)
      printf("%s\n", r->args[i]);
  }
  if (failed)
    return err_set(err, 0, "%d of the containers failed", failed), err_mark(err, ERR_SILENT);
  return 0;
}

#define DONE(ci, r, rc)                                                                            \
  do {                                                                                             \
    int rc_ = (r)->help ? 0 : (rc);                                                                \
    opts_free(ci, r);                                                                              \
    return rc_;                                                                                    \
  } while (0)

/* ---- ps ---- */

static const struct opt_def ps_opts[] = {
    {'a', "all", OPT_BOOL, NULL, "Show all containers (default shows just running)", NULL},
    {'f', "filter", OPT_LIST, "filter", "Filter output based on conditions provided", NULL},
    {0, "format", OPT_STR, "string", "Format output using a custom template", NULL},
    {'n', "last", OPT_STR, "int", "Show n last created containers (includes all states)", NULL},
    {'l', "latest", OPT_BOOL, NULL, "Show the latest created container (includes all states)",
     NULL},
    {0, "no-trunc", OPT_BOOL, NULL, "Don't truncate output", NULL},
    {'q', "quiet", OPT_BOOL, NULL, "Only display container IDs", NULL},
    {'s', "size", OPT_BOOL, NULL, "Display total file sizes", NULL},
    OPT_END,
};
static const struct cmd_info ps_info = {"ps", "[OPTIONS]", "List containers", ps_opts, false};

int cmd_ps(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&ps_info, argc, argv, &r, -1, err);
  if (rc == 0) {
    struct eng_ps_opts o = {
        .all = opt_bool(&ps_info, &r, "all"),
        .quiet = opt_bool(&ps_info, &r, "quiet"),
        .size = opt_bool(&ps_info, &r, "size"),
        .no_trunc = opt_bool(&ps_info, &r, "no-trunc"),
        .latest = opt_bool(&ps_info, &r, "latest"),
        .last = opt_str(&ps_info, &r, "last") ? atoi(opt_str(&ps_info, &r, "last")) : -1,
        .filters = opt_list(&ps_info, &r, "filter"),
        .format = opt_str(&ps_info, &r, "format")};
    for (char **f = o.filters; f && *f && rc == 0; f++) {
      static const char *const keys[] = {
          "status=", "name=", "label=", "ancestor=", "id=", "exited=", "health=", NULL};
      bool ok = false;
      for (size_t k = 0; keys[k]; k++)
        ok |= strncmp(*f, keys[k], strlen(keys[k])) == 0;
      /* docker's refusals (its daemon validates the keys and the status values): exit 1 */
      static const char *const docker_keys[] = {"before",  "expose",  "isolation",
                                                "is-task", "network", "publish",
                                                "since",   "volume",  NULL};
      static const char *const states[] = {"created", "restarting", "running", "removing",
                                           "paused",  "exited",     "dead",    NULL};
      const char *eq = strchr(*f, '=');
      size_t kl = eq ? (size_t)(eq - *f) : strlen(*f);
      bool docker_key = false;
      for (size_t k = 0; docker_keys[k]; k++)
        docker_key |= strlen(docker_keys[k]) == kl && strncmp(*f, docker_keys[k], kl) == 0;
      if (!ok && eq && !docker_key) {
        rc = err_set_exit(err, 1, 0, "Invalid filter '%.*s'", (int)kl, *f);
      } else if (!ok) {
        rc = err_set(err, 0, "invalid filter '%s'", *f);
      } else if (strncmp(*f, "status=", 7) == 0) {
        bool known = false;
        for (size_t k = 0; states[k]; k++)
          known |= strcmp(*f + 7, states[k]) == 0;
        if (!known)
          rc = err_set_exit(err, 1, 0, "Invalid filter '%s'", *f);
      } else if (strncmp(*f, "health=", 7) == 0) {
        static const char *const hs[] = {"starting", "healthy", "unhealthy", "none", NULL};
        bool known = false;
        for (size_t k = 0; hs[k]; k++)
          known |= strcmp(*f + 7, hs[k]) == 0;
        if (!known)
          rc = err_set_exit(err, 1, 0, "Unrecognised filter value for health: %s", *f + 7);
      }
    }
    if (rc == 0)
      rc = eng_ps(ctx, &o, err);
  }
  DONE(&ps_info, &r, rc);
}

/* ---- logs ---- */

static const struct opt_def logs_opts[] = {
    {0, "details", OPT_BOOL, NULL, "Show extra details provided to logs", NULL},
    {'f', "follow", OPT_BOOL, NULL, "Follow log output", NULL},
    {0, "since", OPT_STR, "string", "Show logs since timestamp or relative (e.g. 42m)", NULL},
    {'n', "tail", OPT_STR, "string", "Number of lines to show from the end of the logs", NULL},
    {'t', "timestamps", OPT_BOOL, NULL, "Show timestamps", NULL},
    {0, "until", OPT_STR, "string", "Show logs before a timestamp or relative (e.g. 42m)", NULL},
    OPT_END,
};
static const struct cmd_info logs_info = {"logs", "[OPTIONS] CONTAINER",
                                          "Fetch the logs of a container", logs_opts, false};

int cmd_logs(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&logs_info, argc, argv, &r, 1, err);
  if (rc == 0) {
    autofree char *id = NULL;
    struct eng_logs_opts o = {.follow = opt_bool(&logs_info, &r, "follow"),
                              .timestamps = opt_bool(&logs_info, &r, "timestamps"),
                              .details = opt_bool(&logs_info, &r, "details"),
                              .tail = opt_str(&logs_info, &r, "tail"),
                              .since = opt_str(&logs_info, &r, "since"),
                              .until = opt_str(&logs_info, &r, "until")};
    rc = eng_lookup(ctx, r.args[0], &id, err);
    if (rc == 0)
      rc = eng_logs(ctx, id, &o, err);
  }
  DONE(&logs_info, &r, rc);
}

/* ---- stop / restart / kill ---- */

static const struct opt_def stop_opts[] = {
    {'s', "signal", OPT_STR, "string", "Signal to send to the container", NULL},
    {'t', "time", OPT_STR, "int", "Seconds to wait before killing the container", "timeout"},
    OPT_END,
};
static const struct cmd_info stop_info = {"stop", "[OPTIONS] CONTAINER [CONTAINER...]",
                                          "Stop one or more running containers", stop_opts, false};
static const struct cmd_info restart_info = {"restart", "[OPTIONS] CONTAINER [CONTAINER...]",
                                             "Restart one or more containers", stop_opts, false};

static int stop_timeout(const struct cmd_info *ci, struct opt_result *r)
{
  const char *t = opt_str(ci, r, "time");
  return t ? atoi(t) : -1;
}

static int do_stop(struct eng_ctx *ctx, const char *id, const struct cmd_info *ci,
                   struct opt_result *r, struct td_err **err)
{
  return eng_stop(ctx, id, stop_timeout(ci, r), opt_str(ci, r, "signal"), err);
}

static int do_restart(struct eng_ctx *ctx, const char *id, const struct cmd_info *ci,
                      struct opt_result *r, struct td_err **err)
{
  if (eng_stop(ctx, id, stop_timeout(ci, r), opt_str(ci, r, "signal"), err) < 0)
    return -1;
  struct eng_start_opts o = {0};
  int code;
  return eng_start(ctx, id, &o, &code, err);
}

int cmd_stop(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&stop_info, argc, argv, &r, 1, err);
  if (rc == 0)
    rc = for_each(ctx, &stop_info, &r, 0, true, do_stop, err);
  DONE(&stop_info, &r, rc);
}

int cmd_restart(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&restart_info, argc, argv, &r, 1, err);
  if (rc == 0)
    rc = for_each(ctx, &restart_info, &r, 0, true, do_restart, err);
  DONE(&restart_info, &r, rc);
}

static const struct opt_def kill_opts[] = {
    {'s', "signal", OPT_STR, "string", "Signal to send to the container (default KILL)", NULL},
    OPT_END,
};
static const struct cmd_info kill_info = {"kill", "[OPTIONS] CONTAINER [CONTAINER...]",
                                          "Kill one or more running containers", kill_opts, false};

static int do_kill(struct eng_ctx *ctx, const char *id, const struct cmd_info *ci,
                   struct opt_result *r, struct td_err **err)
{
  return eng_kill(ctx, id, opt_str(ci, r, "signal"), err);
}

int cmd_kill(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&kill_info, argc, argv, &r, 1, err);
  if (rc == 0)
    rc = for_each(ctx, &kill_info, &r, 0, true, do_kill, err);
  DONE(&kill_info, &r, rc);
}

/* ---- rm ---- */

static const struct opt_def rm_opts[] = {
    {'f', "force", OPT_BOOL, NULL, "Force the removal of a running container (uses SIGKILL)", NULL},
    {'l', "link", OPT_BOOL, NULL, "Remove the specified link", NULL},
    {'v', "volumes", OPT_BOOL, NULL, "Remove anonymous volumes associated with the container",
     NULL},
    OPT_END,
};
static const struct cmd_info rm_info = {"rm", "[OPTIONS] CONTAINER [CONTAINER...]",
                                        "Remove one or more containers", rm_opts, false};

static int do_rm(struct eng_ctx *ctx, const char *id, const struct cmd_info *ci,
                 struct opt_result *r, struct td_err **err)
{
  return eng_rm(ctx, id, opt_bool(ci, r, "force"), opt_bool(ci, r, "volumes"), err);
}

int cmd_rm(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&rm_info, argc, argv, &r, 1, err);
  if (rc == 0) {
    /* docker: rm -f of a missing container is not an error */
    if (opt_bool(&rm_info, &r, "force")) {
      int k = 0;
      for (int i = 0; i < r.nargs; i++) {
        autofree char *id = NULL;
        autoerr struct td_err *e = NULL;
        if (eng_lookup(ctx, r.args[i], &id, &e) == 0)
          r.args[k++] = r.args[i];
      }
      r.nargs = k;
    }
    rc = for_each(ctx, &rm_info, &r, 0, true, do_rm, err);
  }
  DONE(&rm_info, &r, rc);
}

/* ---- wait / rename / pause / unpause ---- */

static const struct opt_def no_opts[] = {OPT_END};
static const struct cmd_info wait_info = {"wait", "CONTAINER [CONTAINER...]",
                                          "Block until one or more containers stop, then print "
                                          "their exit codes",
                                          no_opts, false};

static int do_wait(struct eng_ctx *ctx, const char *id, const struct cmd_info *ci,
                   struct opt_result *r, struct td_err **err)
{
  (void)ci, (void)r;
  int code = 0;
  if (eng_wait(ctx, id, &code, err) < 0)
    return -1;
  printf("%d\n", code);
  fflush(stdout);
  return 0;
}

int cmd_wait(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&wait_info, argc, argv, &r, 1, err);
  if (rc == 0)
    rc = for_each(ctx, &wait_info, &r, 0, false, do_wait, err);
  DONE(&wait_info, &r, rc);
}

static const struct cmd_info rename_info = {"rename", "CONTAINER NEW_NAME", "Rename a container",
                                            no_opts, false};

int cmd_rename(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&rename_info, argc, argv, &r, 2, err);
  if (rc == 0) {
    autofree char *id = NULL;
    rc = eng_lookup(ctx, r.args[0], &id, err);
    if (rc == 0)
      rc = eng_rename(ctx, id, r.args[1], err);
    if (rc < 0) { /* docker: the daemon's answer, then its own */
      err_print(NULL, *err);
      err_free(err);
      err_set(err, 0, "Error: failed to rename container named %s", r.args[0]);
    }
  }
  DONE(&rename_info, &r, rc);
}

static const struct cmd_info pause_info = {"pause", "CONTAINER [CONTAINER...]",
                                           "Pause all processes within one or more containers",
                                           no_opts, false};
static const struct cmd_info unpause_info = {"unpause", "CONTAINER [CONTAINER...]",
                                             "Unpause all processes within one or more containers",
                                             no_opts, false};

static int do_pause(struct eng_ctx *ctx, const char *id, const struct cmd_info *ci,
                    struct opt_result *r, struct td_err **err)
{
  (void)r;
  return eng_pause(ctx, id, ci == &pause_info, err);
}

int cmd_pause(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&pause_info, argc, argv, &r, 1, err);
  if (rc == 0)
    rc = for_each(ctx, &pause_info, &r, 0, true, do_pause, err);
  DONE(&pause_info, &r, rc);
}

int cmd_unpause(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&unpause_info, argc, argv, &r, 1, err);
  if (rc == 0)
    rc = for_each(ctx, &unpause_info, &r, 0, true, do_pause, err);
  DONE(&unpause_info, &r, rc);
}

/* ---- inspect ---- */

static const struct opt_def inspect_opts[] = {
    {'f', "format", OPT_STR, "string", "Format the output using the given Go template", NULL},
    {'s', "size", OPT_BOOL, NULL, "Display total file sizes if the type is container", NULL},
    {0, "type", OPT_STR, "string", "Return JSON for specified type", NULL},
    OPT_END,
};
static const struct cmd_info inspect_info = {"inspect", "[OPTIONS] NAME|ID [NAME|ID...]",
                                             "Return low-level information on Docker objects",
                                             inspect_opts, false};

enum obj_kind { OBJ_ANY, OBJ_CONTAINER, OBJ_IMAGE, OBJ_NETWORK, OBJ_VOLUME };

/* One object of the kind (OBJ_ANY: a container, a network or a volume, docker's order; an
 * image is the image tool's, see cmd_inspect). */
static int inspect_one(struct eng_ctx *ctx, enum obj_kind kind, const char *name, bool size,
                       json_t **doc, enum cli_docker_type *type, struct td_err **e)
{
  *type = CLI_DOCKER_OTHER;
  if (kind == OBJ_CONTAINER || kind == OBJ_ANY) {
    autofree char *id = NULL;
    *type = CLI_DOCKER_CONTAINER;
    if (eng_lookup(ctx, name, &id, e) == 0)
      return eng_inspect_doc(ctx, id, size, doc, e);
    if (kind == OBJ_CONTAINER || strncmp(err_text(*e), "No such container", 17) != 0)
      return -1;
    err_free(e);
  }
  *type = CLI_DOCKER_OTHER;
  if (kind == OBJ_NETWORK || kind == OBJ_ANY) {
    if (net_inspect(ctx->root, name, doc, e) == 0)
      return 0;
    if (kind == OBJ_NETWORK) {
      err_free(e);
      return err_set(e, 0, "No such network: %s", name);
    }
    err_free(e);
  }
  if (volume_inspect(ctx->root, name, doc, e) == 0)
    return 0;
  err_free(e);
  if (kind == OBJ_VOLUME)
    return err_set(e, 0, "No such volume: %s", name);
  return err_set(e, 0, "No such object: %s", name);
}

static bool is_image(const char *root, const char *name)
{
  struct image_info *img = NULL;
  autoerr struct td_err *e = NULL;
  if (image_resolve(root, name, &img, &e) < 0)
    return false;
  image_info_free(img);
  return true;
}

/* Images are the image tool's (it links what image inspect needs): `inspect --type image`,
 * and `inspect NAME...` where every NAME is an image and no other object, go to its `image
 * inspect`. */
static int inspect_images(struct eng_ctx *ctx, const char *fmt, bool size, int n, char **names,
                          struct td_err **err)
{
  if (size)
    fprintf(stderr, "WARNING: --size ignored for image\n");
  char **av = xcalloc((size_t)n + 6, sizeof(char *));
  int k = 0;
  av[k++] = (char *)"tinydocker";
  av[k++] = (char *)"image";
  av[k++] = (char *)"inspect";
  if (fmt) {
    av[k++] = (char *)"--format";
    av[k++] = (char *)fmt;
  }
  av[k++] = (char *)"--";
  for (int i = 0; i < n; i++)
    av[k++] = names[i];
  if (err_style_env())
    setenv(ERR_STYLE_ENV, err_style_env(), 1);
  int rc = image_tool_exec(ctx->root, k, av, err);
  free(av);
  return rc;
}

int cmd_inspect(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&inspect_info, argc, argv, &r, 1, err);
  if (rc != 0)
    DONE(&inspect_info, &r, rc);
  const char *fmt = opt_str(&inspect_info, &r, "format");
  const char *type = opt_str(&inspect_info, &r, "type");
  bool size = opt_bool(&inspect_info, &r, "size");
  static const char *const kinds[] = {"", "container", "image", "network", "volume"};
  enum obj_kind kind = OBJ_ANY;
  if (type) {
    size_t k = 1;
    while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[k], type) != 0)
      k++;
    if (k == sizeof(kinds) / sizeof(kinds[0])) {
      rc = err_set_exit(err, 1, 0, "\"%s\" is not a valid value for --type", type);
      err_mark(err, ERR_BARE);
      DONE(&inspect_info, &r, rc);
    }
    kind = (enum obj_kind)k;
  }
  if (kind == OBJ_IMAGE)
    DONE(&inspect_info, &r, inspect_images(ctx, fmt, size, r.nargs, r.args, err));
  if (kind == OBJ_ANY) {
    bool all_images = true;
    for (int i = 0; i < r.nargs && all_images; i++) {
      autofree char *id = NULL;
      autoerr struct td_err *e = NULL;
      all_images = eng_lookup(ctx, r.args[i], &id, &e) < 0 && is_image(ctx->root, r.args[i]);
    }
    if (all_images)
      DONE(&inspect_info, &r, inspect_images(ctx, fmt, false, r.nargs, r.args, err));
  }
  autojson json_t *all = json_array();
  int failed = 0;
  struct gotmpl_inspect tin = {0};
  if (fmt && (rc = gotmpl_inspect_begin(&tin, fmt)) != 0)
    DONE(&inspect_info, &r, rc);
  for (int i = 0; i < r.nargs; i++) {
    autoerr struct td_err *e = NULL;
    json_t *doc = NULL;
    enum cli_docker_type dt;
    if (inspect_one(ctx, kind, r.args[i], size && kind != OBJ_NETWORK && kind != OBJ_VOLUME, &doc,
                    &dt, &e) < 0) {
      fprintf(stderr, "Error: %s\n", err_text(e));
      failed++;
      continue;
    }
    if (fmt) {
      autojson json_t *raw = json_deep_copy(doc);
      cli_docker_typed_view(doc, dt);
      gotmpl_inspect_typed(&tin, doc, raw);
      json_decref(doc);
    } else {
      json_array_append_new(all, doc);
    }
  }
  if (!fmt) {
    autofree char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
  } else {
    rc = gotmpl_inspect_end(&tin);
  }
  if (failed) {
    rc = err_set_exit(err, 1, 0, "%d of the objects were not found", failed);
    err_mark(err, ERR_SILENT);
  }
  DONE(&inspect_info, &r, rc);
}

/* ---- prune / info / version ---- */

static const struct opt_def prune_opts[] = {
    {0, "filter", OPT_LIST, "filter", "Provide filter values (e.g. 'label=<key>=<value>')", NULL},
    {'f', "force", OPT_BOOL, NULL, "Do not prompt for confirmation", NULL},
    OPT_END,
};
static const struct cmd_info prune_info = {"container prune", "[OPTIONS]",
                                           "Remove all stopped containers", prune_opts, false};

int cmd_container_prune(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&prune_info, argc, argv, &r, 0, err);
  if (rc == 0) {
    if (opt_bool(&prune_info, &r, "force") ||
        cli_confirm("WARNING! This will remove all stopped containers.\n"))
      rc = eng_prune(ctx, opt_list(&prune_info, &r, "filter"), true, err);
    else
      printf("Total reclaimed space: 0B\n"); /* docker's CLI, declined too */
  }
  DONE(&prune_info, &r, rc);
}

static const struct opt_def fmt_opts[] = {
    {'f', "format", OPT_STR, "string", "Format the output using the given Go template", NULL},
    OPT_END,
};
static const struct cmd_info info_info = {"info", "[OPTIONS]", "Display system-wide information",
                                          fmt_opts, false};
static const struct cmd_info version_info = {
    "version", "[OPTIONS]", "Show the tinydocker version information", fmt_opts, false};

int cmd_info(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&info_info, argc, argv, &r, 0, err);
  if (rc == 0)
    rc = eng_info(ctx, opt_str(&info_info, &r, "format"), err);
  DONE(&info_info, &r, rc);
}

int cmd_version(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&version_info, argc, argv, &r, 0, err);
  if (rc == 0)
    rc = eng_version(ctx, opt_str(&version_info, &r, "format"), err);
  DONE(&version_info, &r, rc);
}
