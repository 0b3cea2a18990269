/* The services every command shares about one container: its short id, the runtime context,
 * its rootfs mount and image hold, its record loaded and refreshed, whether its network mode
 * gives it endpoints, and its teardown and removal (rm, --rm and crash recovery). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/container/internal.h"
#include "engine/container/runflags.h"
#include "image/image.h"
#include "image/volume.h"
#include "net/net.h"
#include "runtime/cgroup/cgroup.h"
#include "engine/container/userns.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

const char *eng_short_id(const char *id, char *buf)
{
  snprintf(buf, 13, "%.12s", id);
  return buf;
}

int eng_ncpu(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

void eng_rt_ctx(const struct eng_ctx *ctx, struct rt_ctx *rt)
{
  /* found once a process: every container process execs its program through it (a
   * missing helper, as in sanitizer builds, means a direct exec) */
  static char *entry;
  static bool looked;
  if (!looked) {
    entry = helper_find("tinydocker-entry");
    looked = true;
  }
  memset(rt, 0, sizeof(*rt));
  rt->state_root = ctx->run_root;
  rt->cgroup_parent = ENG_CGROUP_PARENT;
  rt->debug = ctx->debug;
  rt->entry = entry;
}

int eng_rootfs_mount(const struct eng_ctx *ctx, struct ctr_record *rec, struct td_err **err)
{
  if (rec->td.rootfs_is_dir)
    return 0;
  const char *id = rec->id;
  autofree char *dir = store_dir(ctx, id);
  autofree char *rootfs = xasprintf("%s/rootfs", dir);
  struct stat a, b;
  if (stat(rootfs, &a) == 0 && stat(dir, &b) == 0 && a.st_dev != b.st_dev)
    return 0; /* already mounted */
  struct image_info *img = NULL;
  if (image_resolve(ctx->root, rec->image, &img, err) < 0)
    return err_prefix(err, "image of container %s", id);
  autofree char *path = NULL;
  struct eng_remap remap;
  eng_remap_from_record(rec, &remap);
  int rc = eng_remap_rootfs(ctx, img, dir, rec->host.auto_remove, &remap, &path, err);
  image_info_free(img);
  return rc;
}

void eng_rootfs_umount(const struct eng_ctx *ctx, struct ctr_record *rec)
{
  if (rec->td.rootfs_is_dir)
    return;
  autofree char *dir = store_dir(ctx, rec->id);
  autoerr struct td_err *err = NULL;
  image_rootfs_umount(dir, &err);
}

void eng_image_release(const struct eng_ctx *ctx, struct ctr_record *rec)
{
  if (rec->td.rootfs_is_dir)
    return;
  autofree char *dir = store_dir(ctx, rec->id);
  autoerr struct td_err *err = NULL;
  image_release(ctx->root, dir, &err);
}

int eng_lookup(struct eng_ctx *ctx, const char *ref, char **id, struct td_err **err)
{
  return store_lookup(ctx, ref, id, err);
}

int eng_container_brief(struct eng_ctx *ctx, const char *id, struct eng_ctr_brief *out,
                        struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  const char *name = rec->name;
  *out = (struct eng_ctr_brief){
      .id = xstrdup(id),
      .name = xstrdup(name && name[0] == '/' ? name + 1 : (name ? name : "")),
      .hostname = xstrdup(rec->config.hostname),
      .hosts_path = eng_hosts_file(ctx, rec),
      .network_mode = xstrdup(rec->host.network_mode),
      .image = xstrdup(rec->image),
      .pid = rec->state.pid,
  };
  return 0;
}

void eng_ctr_brief_clear(struct eng_ctr_brief *b)
{
  free(b->id);
  free(b->name);
  free(b->hostname);
  free(b->hosts_path);
  free(b->network_mode);
  free(b->image);
  memset(b, 0, sizeof(*b));
}

/* A container directory without a record: its creator died before writing it (kill -9 of
 * `run`/`create`), or `rm` died half way. Shown as "dead" so that `rm -f` can clean it. */
static struct ctr_record *dead_record(const struct eng_ctx *ctx, const char *id)
{
  autofree char *dir = store_dir(ctx, id);
  autofree char *creator = xasprintf("%s/creator", dir);
  autofree char *text = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, creator, &text, NULL, &e) == 0) {
    int pid = 0;
    unsigned long long st = 0;
    if (sscanf(text, "%d %llu", &pid, &st) == 2 && proc_alive(pid, st))
      return NULL; /* still being created */
  }
  autofree char *name = store_name_of(ctx, id);
  return record_dead(id, name);
}

void (*eng_orphan_hook)(const struct eng_ctx *ctx, const char *id);

int eng_load_refreshed(const struct eng_ctx *ctx, const char *id, struct ctr_record **rec,
                       struct td_err **err)
{
  json_t *cached = store_cache_take(STORE_CACHE_RECORD, id);
  if (cached)
    *rec = record_from_json(cached);
  else if (record_load(ctx, id, rec, err) < 0) {
    autofree char *dir = store_dir(ctx, id);
    struct ctr_record *dead = access(dir, F_OK) == 0 ? dead_record(ctx, id) : NULL;
    if (dead == NULL)
      return -1;
    err_free(err);
    *rec = dead;
    return 0;
  }
  if (eng_orphan_hook && store_monitor_gone(*rec))
    eng_orphan_hook(ctx, id);
  store_refresh_state(*rec);
  return 0;
}

void eng_teardown_runtime(const struct eng_ctx *ctx, const char *id, bool net)
{
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  /* a container never started has no runtime state: nothing to warn about then */
  autofree char *state = xasprintf("%s/%s", rt.state_root, id);
  bool had_state = access(state, F_OK) == 0;
  autoerr struct td_err *e1 = NULL;
  if (rt_delete(&rt, id, true, &e1) < 0 && had_state)
    err_warn(&e1, "container %s", id);
  /* a cgroup left by a runtime that died mid-create (none after a clean delete: not found) */
  autofree char *cgpath = bundle_cgroups_path(ctx, id);
  struct cgroup *cg = NULL;
  autoerr struct td_err *e2 = NULL;
  if (cgroup_open(cgpath, &cg, &e2) == 0) {
    autoerr struct td_err *e3 = NULL;
    if (cgroup_destroy(cg, &e3) < 0)
      err_warn(&e3, "container %s", id);
    cgroup_free(cg);
  }
  runflags_forget_state(ctx, id); /* --runtime runc/crun */
  autoerr struct td_err *e4 = NULL;
  if (net && net_detach(ctx->root, id, &e4) < 0) /* idempotent */
    err_warn(&e4, "container %s: network detach", id);
}

/* Whether pid's parent is a live monitor (or adopter): /proc's PPid, then its name. */
static bool parent_is_monitor(pid_t pid)
{
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
  if (n <= 0)
    return false;
  buf[n] = '\0';
  const char *pp = strstr(buf, "\nPPid:");
  if (pp == NULL)
    return false;
  snprintf(path, sizeof(path), "/proc/%d/comm", atoi(pp + 6));
  autofree char *comm = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, path, &comm, NULL, &e) < 0)
    return false;
  return strncmp(comm, "td-monitor", 10) == 0 || strncmp(comm, "td-adopter", 10) == 0;
}

void eng_clear_stale_runtime(const struct eng_ctx *ctx, const char *id)
{
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  autofree char *state = xasprintf("%s/%s", rt.state_root, id);
  if (access(state, F_OK) != 0)
    return; /* the usual case */
  struct rt_state st = {0};
  autoerr struct td_err *e = NULL;
  bool owned = rt_state(&rt, id, &st, &e) == 0 && st.pid > 0 && parent_is_monitor(st.pid);
  rt_state_clear(&st);
  if (!owned)
    eng_teardown_runtime(ctx, id, true);
}

/* The part of eng_cleanup_container after the runtime state, cgroup and network are gone:
 * rootfs mount, image hold, volumes, name, dir. */
static int eng_cleanup_files(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                             bool remove_record, bool remove_volumes, struct td_err **err)
{
  eng_rootfs_umount(ctx, rec);
  if (!remove_record)
    return 0;
  eng_unpublish(ctx, id, rec, remove_volumes);
  autofree char *dir = store_dir(ctx, id);
  eng_storage_release(dir); /* --storage-opt size: the project's limit goes with it */
  if (rm_rf(dir, err) < 0 && (*err)->errnum != ENOENT)
    return err_prefix(err, "remove container %s", id);
  err_free(err);
  return 0;
}

int eng_cleanup_container(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                          bool remove_record, bool remove_volumes, struct td_err **err)
{
  eng_teardown_runtime(ctx, id, true);
  return eng_cleanup_files(ctx, id, rec, remove_record, remove_volumes, err);
}

void eng_unpublish(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                   bool remove_volumes)
{
  eng_image_release(ctx, rec);
  autofree char *cdir = store_dir(ctx, id);
  autostrv char **anon = NULL;
  autoerr struct td_err *e = NULL;
  if (volume_release(ctx->root, cdir, &anon, &e) < 0)
    err_warn(&e, "container %s: release its volumes", id);
  /* docker: --rm removes anonymous volumes too, rm only with -v */
  for (char **a = anon; a && *a && (remove_volumes || rec->host.auto_remove); a++) {
    autoerr struct td_err *e2 = NULL;
    if (volume_remove(ctx->root, *a, true, &e2) < 0)
      err_warn(&e2, "container %s: remove its anonymous volume", id);
  }
  store_name_release(ctx, rec->name, id);
  eng_event(ctx, id, rec, "destroy", NULL);
}

bool eng_mode_has_endpoints(const char *mode)
{
  return mode == NULL || (strcmp(mode, "none") != 0 && strcmp(mode, "host") != 0 &&
                          strncmp(mode, "container:", 10) != 0);
}

bool eng_net_endpoints(struct ctr_record *rec)
{
  return eng_mode_has_endpoints(rec ? rec->host.network_mode : NULL);
}
