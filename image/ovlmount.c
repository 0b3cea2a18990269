/* overlayfs mounts (image/ovlmount.h): the new mount API with lowerdir+, or the classic
 * option string; the choice probed once per boot. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/ovlmount.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostfeat.h"
#include "util/idmapns.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* A trial that no kernel logs: a lower dir whose name holds a comma. Before 6.5 overlayfs
 * parses options as one legacy string, and the VFS refuses a comma in a value at fsconfig
 * (into the context's own log, not the kernel's); 6.5 to 6.7 refuse the unknown key there;
 * 6.8+ take it, and the create of the superblock proves the rest. */
static bool probe_lowerdir_plus(const char *run_dir)
{
  autoerr struct td_err *e = NULL;
  if (mkdir_p(run_dir, 0700, &e) < 0)
    return false;
  autofree char *dir = xasprintf("%s/.ovl-probe-XXXXXX", run_dir);
  if (mkdtemp(dir) == NULL)
    return false;
  autofree char *l1 = xasprintf("%s/l,1", dir);
  autofree char *l2 = xasprintf("%s/l2", dir);
  bool ok = false;
  if (mkdir(l1, 0700) == 0 && mkdir(l2, 0700) == 0) {
    autoclose int fs = fsopen("overlay", FSOPEN_CLOEXEC);
    ok = fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "source", "tinydocker", 0) == 0 &&
         fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", l1, 0) == 0 &&
         fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", l2, 0) == 0 &&
         fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0;
  }
  rm_rf(dir, &e);
  return ok;
}

bool ovl_has_lowerdir_plus(const char *run_dir)
{
  const char *force = getenv("TD_FORCE_LEGACY_OVERLAY");
  if (force && strcmp(force, "1") == 0)
    return false;
  return hostfeat_get(run_dir, "overlay_lowerdir_plus", probe_lowerdir_plus);
}

static int mount_new_api(const struct ovl_spec *s, const char *target, struct td_err **err)
{
  autoclose int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return err_set(err, errno, "fsopen overlay");
  if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "tinydocker", 0) < 0)
    return err_set(err, errno, "fsconfig source");
  for (size_t i = 0; i < s->n_lowers; i++)
    if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", s->lowers[i], 0) < 0)
      return err_set(err, errno, "fsconfig lowerdir+ %s", s->lowers[i]);
  if (s->upper) {
    if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", s->upper, 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "workdir", s->work, 0) < 0)
      return err_set(err, errno, "fsconfig upperdir/workdir");
    /* a lower dir shared by many containers must not be bound to one upper (index=on) */
    (void)fsconfig(fs, FSCONFIG_SET_STRING, "index", "off", 0);
    /* commit reads the upper dir alone: it must hold whole files and dirs, not redirects or
     * metadata-only copies that point into the lower layers */
    (void)fsconfig(fs, FSCONFIG_SET_STRING, "redirect_dir", "off", 0);
    (void)fsconfig(fs, FSCONFIG_SET_STRING, "metacopy", "off", 0);
    /* a container removed at its exit (--rm) needs no sync of its upper dir: without
     * "volatile" the unmount syncs the whole host filesystem of the upper dir (measured 2 to
     * 170 ms on a busy host); a kernel without it just mounts without */
    if (s->transient)
      (void)fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
  }
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return err_set(err, errno, "create overlay");
  autoclose int mnt = fsmount(fs, FSMOUNT_CLOEXEC, s->upper ? 0 : MOUNT_ATTR_RDONLY);
  if (mnt < 0)
    return err_set(err, errno, "fsmount overlay");
  if (move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return err_set(err, errno, "move_mount overlay to %s", target);
  return 0;
}

/* A path the option string cannot carry: a ',' would start another option (an upperdir of
 * someone else's choosing, say), a ':' another lower dir. Our own dirs are hex ids below the
 * root; a root with such a name is refused rather than escaped. */
static int check_path(const char *p, struct td_err **err)
{
  if (p && strpbrk(p, ",:\\"))
    return err_set(err, EINVAL, "%s: a ',', ':' or '\\' cannot go in overlay's lowerdir= options",
                   p);
  return 0;
}

/* The classic string: "lowerdir=top:...:bottom", within one page (the kernel's limit). */
static int mount_legacy(const struct ovl_spec *s, const char *target, struct td_err **err)
{
  for (size_t i = 0; i < s->n_lowers; i++)
    if (check_path(s->lowers[i], err) < 0)
      return -1;
  if (check_path(s->upper, err) < 0 || check_path(s->work, err) < 0)
    return -1;
  autostrv char **l = xcalloc(s->n_lowers + 1, sizeof(char *));
  for (size_t i = 0; i < s->n_lowers; i++)
    l[i] = xstrdup(s->lowers[i]);
  autofree char *lower = strv_join(l, ":");
  autofree char *opts =
      s->upper ? xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,index=off,redirect_dir=off,"
                           "metacopy=off%s",
                           lower, s->upper, s->work, s->transient ? ",volatile" : "")
               : xasprintf("lowerdir=%s", lower);
  if (strlen(opts) >= (size_t)sysconf(_SC_PAGESIZE))
    return err_set(err, E2BIG, "overlay options for %zu layers exceed a page", s->n_lowers);
  if (mount("tinydocker", target, "overlay", s->upper ? 0 : MS_RDONLY, opts) < 0)
    return err_set(err, errno, "mount overlay on %s", target);
  return 0;
}

static int mount_any(const char *run_dir, const struct ovl_spec *s, const char *target,
                     struct td_err **err)
{
  if (ovl_has_lowerdir_plus(run_dir))
    return mount_new_api(s, target, err);
  return mount_legacy(s, target, err);
}

/* overlayfs itself cannot be idmapped (EINVAL); its lower layers can (Linux 5.19+): each one as
 * a detached idmapped clone, named to overlayfs by /proc/self/fd/N, which the overlay keeps.
 * The upper dir is not idmapped: overlayfs writes it with its mounter's ids (host root), which
 * such a map does not hold (EOVERFLOW, and the kernel mounts read-only); the caller owns it by
 * the container's root instead, as the files the container writes there. */
/* Kernels before 6.15 or so refuse a detached mount as a layer (clone_private_mount wants a
 * mount of the caller's namespace: EINVAL, measured on 6.1): the clones are attached at
 * <target>/../.idmap/N for the overlay's mount, then detached again (the overlay keeps its own
 * private clones of them). */
static int mount_staged(const char *run_dir, const struct ovl_spec *m, const int *fds,
                        const char *target, struct td_err **err)
{
  autofree char *base = xasprintf("%s/../.idmap", target);
  if (mkdir(base, 0700) < 0 && errno != EEXIST)
    return err_set(err, errno, "mkdir %s", base);
  autostrv char **paths = xcalloc(m->n_lowers + 1, sizeof(char *));
  size_t attached = 0;
  int rc = 0;
  for (; attached < m->n_lowers && rc == 0; attached++) {
    paths[attached] = xasprintf("%s/%zu", base, attached);
    if ((mkdir(paths[attached], 0700) < 0 && errno != EEXIST) ||
        move_mount(fds[attached], "", AT_FDCWD, paths[attached], MOVE_MOUNT_F_EMPTY_PATH) < 0)
      rc = err_set(err, errno, "attach idmapped layer at %s", paths[attached]);
  }
  struct ovl_spec sm = *m;
  sm.lowers = paths;
  if (rc == 0)
    rc = mount_any(run_dir, &sm, target, err);
  for (size_t i = 0; i < attached; i++) {
    umount2(paths[i], MNT_DETACH);
    rmdir(paths[i]);
  }
  rmdir(base);
  return rc;
}

static int mount_idmapped(const char *run_dir, const struct ovl_spec *s, const char *target,
                          struct td_err **err)
{
  struct ovl_spec m = *s;
  autostrv char **lowers = xcalloc(s->n_lowers + 1, sizeof(char *));
  autofree int *fds = xcalloc(s->n_lowers + 1, sizeof(int));
  size_t nfd = 0;
  int rc = -1;
  for (size_t i = 0; i < s->n_lowers; i++) {
    if ((fds[nfd] = idmap_clone(s->lowers[i], s->idmap_userns, err)) < 0)
      goto out;
    lowers[i] = xasprintf("/proc/self/fd/%d", fds[nfd++]);
  }
  m.lowers = lowers;
  /* TD_FORCE_IDMAP_STAGED=1: the older kernels' path (tests) */
  const char *force = getenv("TD_FORCE_IDMAP_STAGED");
  if (force && strcmp(force, "1") == 0)
    rc = mount_staged(run_dir, &m, fds, target, err);
  else
    rc = mount_any(run_dir, &m, target, err);
  if (rc < 0 && (*err)->errnum == EINVAL && !(force && strcmp(force, "1") == 0)) {
    err_free(err);
    if (s->transient &&
        s->work) { /* the refused try left work/incompat/volatile, which fails the next */
      autofree char *incompat = xasprintf("%s/work/incompat", s->work);
      rm_rf(incompat, err);
      err_free(err);
    }
    rc = mount_staged(run_dir, &m, fds, target, err);
  }
out:
  for (size_t i = 0; i < nfd; i++)
    close(fds[i]);
  return rc < 0 ? err_prefix(err, "idmapped rootfs") : 0;
}

int ovl_mount(const char *run_dir, const struct ovl_spec *s, const char *target,
              struct td_err **err)
{
  if (s->idmap_userns > 0)
    return mount_idmapped(run_dir, s, target, err);
  return mount_any(run_dir, s, target, err);
}
