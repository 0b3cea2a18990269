/* RUN: the command runs in the step's overlay through the runtime core by function call (no
 * monitor, no record), with docker's defaults for a container (engine/container's build
 * spec: capabilities, seccomp, masked paths, /dev), our stdout and stderr, no stdin; then its
 * runtime state and cgroup are deleted, whatever the outcome. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "net/net.h"
#include "runtime/core/runtime.h"
#include "runtime/spec/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

int run_step(struct builder *b, const struct bstate *s, struct fsstep *f, char **argv, char **env,
             json_t *mounts, int *code, struct td_err **err)
{
  autofree char *id = store_new_id();
  char sid[13];
  fprintf(b->out, " ---> Running in %s\n", eng_short_id(id, sid));
  fflush(b->out);
  const char *mode = b->req->network ? b->req->network : "default";
  bool host = strcmp(mode, "host") == 0, none = strcmp(mode, "none") == 0;
  const char *net = host ? "host" : none ? "none" : "default";
  struct eng_build_spec_req r = {.id = id,
                                 .dir = f->dir,
                                 .rootfs = f->rootfs,
                                 .imgcfg = json_object_get(s->cfg, "config"),
                                 .argv = argv,
                                 .env = env,
                                 .network = net,
                                 .remap = f->remap};
  autojson json_t *spec_json = NULL;
  if (eng_build_spec(&b->ctx, &r, &spec_json, err) < 0)
    return err_prefix(err, "RUN");
  /* RUN --mount: the staged mounts (runmount.c), after the defaults */
  json_t *sm = json_object_get(spec_json, "mounts");
  if (mounts && json_is_array(sm))
    json_array_extend(sm, mounts);
  autofree char *cfgp = xasprintf("%s/config.json", f->dir);
  if (file_write_json(AT_FDCWD, cfgp, spec_json, 0600, err) < 0)
    return -1;
  spec_autofree struct spec *spec = NULL;
  if (spec_from_json(spec_json, &spec, err) < 0)
    return err_prefix(err, "RUN");
  struct rt_ctx rt;
  eng_rt_ctx(&b->ctx, &rt);
  autoclose int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  fflush(b->out);
  fflush(stdout);
  fflush(stderr);
  /* the command writes where the step lines go (progress.c) */
  int o1 = b->out_fd >= 0 ? b->out_fd : 1, o2 = b->out_fd >= 0 ? b->out_fd : 2;
  struct rt_create_opts o = {.id = id, .bundle = f->dir, .spec = spec, .stdio = {devnull, o1, o2}};
  /* the watchdog removes it if this build is killed; a marker for a later build too */
  if (b->watch_fd < 0 && watchdog_start(b, err) < 0)
    return -1;
  autofree char *marker = xasprintf("%s/ctr-%s", b->work, id);
  if (file_write_atomic(AT_FDCWD, marker, "", 0, 0600, err) < 0)
    return -1;
  watchdog_send(b, '+', id);
  pid_t pid = 0;
  sigset_t saved;
  sigprocmask(SIG_SETMASK, NULL, &saved);
  rt_prepare_foreground();
  if (rt_create(&rt, &o, &pid, err) < 0) { /* undone by rt_create itself */
    sigprocmask(SIG_SETMASK, &saved, NULL);
    unlink(marker);
    watchdog_send(b, '-', id);
    return err_prefix(err, "RUN");
  }
  /* default: the RUN joins the engine's default bridge network, as docker's classic builder
   * runs it on docker0; attached once its namespace exists, before it starts */
  int rc = 0;
  if (!host && !none) {
    char nspath[64];
    snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
    autofree char *hosts = xasprintf("%s/hosts", f->dir);
    struct net_attach_req nreq = {.hostname = sid, .hosts_path = hosts};
    struct net_attach_result res = {0};
    rc = net_attach(b->req->root, id, nspath, &nreq, &res, err);
    if (rc < 0)
      err_prefix(err, "RUN: network");
    net_attach_result_free(&res);
  }
  if (rc == 0)
    rc = rt_start(&rt, id, err);
  if (rc == 0) {
    int st = rt_wait_forward(pid, -1);
    if (st < 0)
      rc = err_set(err, errno, "wait for the RUN command");
    else
      *code = st;
  }
  sigprocmask(SIG_SETMASK, &saved, NULL);
  autoerr struct td_err *e2 = NULL;
  if (!host && !none) {
    autoerr struct td_err *e3 = NULL;
    if (net_detach(b->req->root, id, &e3) < 0)
      err_warn(&e3, "detach the RUN container %s from its network", sid);
  }
  if (rt_delete(&rt, id, true, &e2) < 0)
    err_warn(&e2, "remove the RUN container %s", sid);
  else {
    unlink(marker);
    watchdog_send(b, '-', id);
  }
  fprintf(b->out, "Removing intermediate container %s\n", sid);
  return rc;
}
