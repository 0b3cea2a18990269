/* User-namespace remapping: engine/container/userns.h. tinydocker creates no host users:
 * docker's `default` makes the user dockremap, we only read the ranges that the name
 * dockremap already has. */
#include "engine/container/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "image/tarwrite.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostuser.h"
#include "util/xalloc.h"

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
/* every id an image may hold (0..65535): fewer would leave files unowned in the container */
#define REMAP_MIN 65536

static int ranges(const char *value, const char *file, const char *name, struct idmap_line *out,
                  size_t *n, struct td_err **err)
{
  autofree char *text = NULL;
  size_t len = 0;
  if (file_read_all(AT_FDCWD, file, &text, &len, err) < 0)
    return err_prefix(err, "--userns-remap %s: read %s", value, file);
  struct subid_range r[SUBID_MAX];
  if (subid_parse(text, len, name, r, n, err) < 0)
    return err_prefix(err, "--userns-remap %s: %s", value, file);
  /* a line may name the user (or group) by its number, or by its name (subid(5)) */
  autofree char *alt = *n == 0 ? host_id_alias(name, strcmp(file, SUBGID_FILE) == 0) : NULL;
  if (alt && subid_parse(text, len, alt, r, n, err) < 0)
    return err_prefix(err, "--userns-remap %s: %s", value, file);
  if (*n == 0)
    return err_set(err, 0,
                   "--userns-remap %s: no %s ranges found for user \"%s\" in %s (tinydocker "
                   "creates no users: add a line such as \"%s:100000:65536\" to %s and %s)",
                   value, strcmp(file, SUBUID_FILE) == 0 ? "subuid" : "subgid", name, file, name,
                   SUBUID_FILE, SUBGID_FILE);
  uint64_t inside = 0;
  for (size_t i = 0; i < *n; i++) {
    out[i] = (struct idmap_line){(uint32_t)inside, r[i].start, r[i].count};
    inside += r[i].count;
    if (inside > UINT32_MAX - 1)
      return err_set(err, ERANGE, "--userns-remap %s: %s: the ranges of %s add up past 2^32-2",
                     value, file, name);
  }
  if (inside < REMAP_MIN)
    return err_set(err, 0,
                   "--userns-remap %s: the ranges of \"%s\" in %s hold %llu ids, fewer than the "
                   "%d an image's files may use",
                   value, name, file, (unsigned long long)inside, REMAP_MIN);
  return 0;
}

int eng_remap_resolve(const char *value, struct eng_remap *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  const char *v = strcmp(value, "default") == 0 ? "dockremap" : value;
  autofree char *user = xstrdup(v);
  char *group = strchr(user, ':');
  if (group)
    *group++ = '\0';
  else
    group = user;
  if (*user == '\0' || *group == '\0' || strchr(group, ':'))
    return err_set(err, 0, "--userns-remap %s: want default, USER[:GROUP] or UID[:GID]", value);
  if (ranges(value, SUBUID_FILE, user, out->uid, &out->nu, err) < 0 ||
      ranges(value, SUBGID_FILE, group, out->gid, &out->ng, err) < 0) {
    out->nu = out->ng = 0;
    return -1;
  }
  return 0;
}

int eng_remap_check(const struct eng_ctx *ctx, const struct eng_run_req *req, bool *remapped,
                    struct td_err **err)
{
  *remapped = ctx->userns_remap && *ctx->userns_remap &&
              !(req->userns_mode && strcmp(req->userns_mode, "host") == 0);
  if (!*remapped)
    return 0;
  /* docker 20.10's verifyPlatformContainerSettings, word for word */
  if (req->privileged)
    return err_set(err, 0,
                   "privileged mode is incompatible with user namespaces.  You must run the "
                   "container in the host namespace when running privileged mode");
  if (req->network && strcmp(req->network, "host") == 0)
    return err_set(err, 0,
                   "cannot share the host's network namespace when user namespaces are enabled");
  if (req->pid_mode && strcmp(req->pid_mode, "host") == 0)
    return err_set(err, 0, "cannot share the host PID namespace when user namespaces are enabled");
  /* not docker's (it has no --rootfs): a plain dir is not shifted, its files would be nobody's */
  if (req->rootfs)
    return err_set(err, 0,
                   "--rootfs is not shifted for user namespaces: use --userns host, or an image");
  return 0;
}

static json_t *maps_json(const struct idmap_line *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_pack("{s:I,s:I,s:I}", "containerID", (json_int_t)v[i].inside,
                                       "hostID", (json_int_t)v[i].outside, "size",
                                       (json_int_t)v[i].count));
  return a;
}

/* With the host's ipc namespace the kernel refuses an mqueue mount from the container's user
 * namespace, and the runtime's fallback binds the host's /dev/mqueue, which a host may not have
 * mounted: the container goes without /dev/mqueue then (its queues are the host's ipc
 * namespace's, reachable by mq_open all the same). */
static bool type_is(json_t *o, const char *t)
{
  const char *v = json_string_value(json_object_get(o, "type"));
  return v && strcmp(v, t) == 0;
}

static void drop_host_mqueue(json_t *spec)
{
  json_t *ns = json_object_get(json_object_get(spec, "linux"), "namespaces");
  size_t i;
  json_t *e;
  json_array_foreach (ns, i, e)
    if (type_is(e, "ipc"))
      return; /* an ipc namespace of its own (or another container's): mqueue mounts */
  struct stat st;
  if (stat("/dev/mqueue", &st) == 0 && S_ISDIR(st.st_mode))
    return; /* the runtime binds the host's */
  json_t *mounts = json_object_get(spec, "mounts");
  for (i = json_array_size(mounts); i-- > 0;)
    if (type_is(json_array_get(mounts, i), "mqueue"))
      json_array_remove(mounts, i);
}

void eng_remap_spec(const struct eng_remap *r, json_t *spec)
{
  drop_host_mqueue(spec);
  json_t *linux_ = json_object_get(spec, "linux");
  json_array_append_new(json_object_get(linux_, "namespaces"), json_pack("{s:s}", "type", "user"));
  json_object_set_new(linux_, "uidMappings", maps_json(r->uid, r->nu));
  json_object_set_new(linux_, "gidMappings", maps_json(r->gid, r->ng));
}

static json_t *lines_json(const struct idmap_line *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_sprintf("%u %u %u", v[i].inside, v[i].outside, v[i].count));
  return a;
}

void eng_remap_to_td(const struct eng_remap *r, json_t *td)
{
  json_object_set_new(td, "UidMap", lines_json(r->uid, r->nu));
  json_object_set_new(td, "GidMap", lines_json(r->gid, r->ng));
}

static size_t lines_parse(char **v, struct idmap_line *out)
{
  size_t n = 0;
  for (; v && v[n] && n < SUBID_MAX; n++)
    if (sscanf(v[n], "%u %u %u", &out[n].inside, &out[n].outside, &out[n].count) != 3)
      return 0;
  return n;
}

void eng_remap_from_record(const struct ctr_record *rec, struct eng_remap *r)
{
  memset(r, 0, sizeof(*r));
  r->nu = lines_parse(rec->td.uid_map, r->uid);
  r->ng = lines_parse(rec->td.gid_map, r->gid);
  if (r->nu == 0 || r->ng == 0)
    r->nu = r->ng = 0;
}

int eng_remap_userns(const struct eng_remap *r, struct td_err **err)
{
  int fd = idmapns_open(r->uid, r->nu, r->gid, r->ng, err);
  return fd < 0 ? err_prefix(err, "user namespace of the remapped root") : fd;
}

int eng_remap_chown_etc(const struct eng_remap *r, const char *dir, struct td_err **err)
{
  if (r->nu == 0)
    return 0;
  static const char *const files[] = {"hostname", "hosts", "resolv.conf"};
  autoclose int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return err_set(err, errno, "open %s", dir);
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
    if (fchownat(dfd, files[i], r->uid[0].outside, r->gid[0].outside, AT_SYMLINK_NOFOLLOW) < 0 &&
        errno != ENOENT)
      return err_set(err, errno, "chown %s/%s to the remapped root", dir, files[i]);
  return 0;
}

static int group_x(const char *path, gid_t gid, struct td_err **err)
{
  struct stat st;
  if (stat(path, &st) < 0)
    return err_set(err, errno, "stat %s", path);
  if (st.st_gid != gid && chown(path, (uid_t)-1, gid) < 0)
    return err_set(err, errno, "chown %s to group %u", path, (unsigned)gid);
  if ((st.st_mode & 07777) != 0710 && chmod(path, 0710) < 0)
    return err_set(err, errno, "chmod %s", path);
  return 0;
}

/* The runtime reaches the rootfs from inside the user namespace: every dir above the store root
 * must let the remapped root search it (a 0700 /tmp/x holding the root does not). */
static int parents_searchable(const char *root, const struct eng_remap *r, struct td_err **err)
{
  autofree char *p = realpath(root, NULL);
  if (p == NULL)
    return err_set(err, errno, "realpath %s", root);
  for (char *s = strrchr(p, '/'); s; s = strrchr(p, '/')) {
    *s = '\0';
    const char *d = *p ? p : "/";
    struct stat st;
    if (stat(d, &st) < 0)
      return err_set(err, errno, "stat %s", d);
    bool ok = (st.st_mode & 0001) || (st.st_gid == r->gid[0].outside && (st.st_mode & 0010)) ||
              (st.st_uid == r->uid[0].outside && (st.st_mode & 0100));
    if (!ok)
      return err_set(err, EACCES,
                     "--userns-remap: %s (above the store root) is not searchable by the "
                     "remapped root (uid %u): give it o+x or another --root",
                     d, r->uid[0].outside);
    if (*p == '\0')
      break;
  }
  return 0;
}

int eng_remap_dirs(const struct eng_ctx *ctx, const struct eng_remap *r, const char *dir,
                   struct td_err **err)
{
  if (r->nu == 0)
    return 0;
  if (parents_searchable(ctx->root, r, err) < 0)
    return -1;
  gid_t g = r->gid[0].outside;
  autofree char *vols = xasprintf("%s/volumes", ctx->root);
  if (mkdir(vols, 0700) < 0 && errno != EEXIST)
    return err_set(err, errno, "--userns-remap: mkdir %s", vols);
  if (group_x(ctx->root, g, err) < 0 || group_x(ctx->ctr_dir, g, err) < 0 ||
      group_x(vols, g, err) < 0)
    return err_prefix(err, "--userns-remap");
  /* dir itself stays root's, 0711: behind containers/ (0710) only the remapped root gets here,
   * and its upper/ and work/ go through the idmapped clone of dir, where a group outside the
   * map would leave the mounter (host root) without its override */
  if (chmod(dir, 0711) < 0)
    return err_set(err, errno, "--userns-remap: chmod %s", dir);
  return 0;
}

/* Whether dir has no entries (an error reads as "not empty": nothing is changed then). */
static bool dir_empty(int fd)
{
  autoclose int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *ds = d >= 0 ? fdopendir(d) : NULL;
  if (ds == NULL)
    return false;
  d = -1; /* the DIR owns it */
  bool empty = true;
  for (struct dirent *e; empty && (e = readdir(ds));)
    empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
  closedir(ds);
  return empty;
}

int eng_remap_volumes(const struct eng_remap *r, json_t *mounts, struct td_err **err)
{
  if (r->nu == 0)
    return 0;
  size_t i;
  json_t *m;
  json_array_foreach (mounts, i, m) {
    const char *type = json_string_value(json_object_get(m, "Type"));
    const char *src = json_string_value(json_object_get(m, "Source"));
    if (type == NULL || strcmp(type, "volume") != 0 || src == NULL)
      continue;
    autoclose int fd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
      return err_set(err, errno, "volume %s", src);
    if (st.st_uid == 0 && st.st_gid == 0 && dir_empty(fd) &&
        fchown(fd, r->uid[0].outside, r->gid[0].outside) < 0)
      return err_set(err, errno, "chown volume %s to the remapped root", src);
  }
  return 0;
}

int eng_remap_rootfs(const struct eng_ctx *ctx, const struct image_info *img, const char *dir,
                     bool transient, const struct eng_remap *r, char **rootfs, struct td_err **err)
{
  if (r == NULL || r->nu == 0)
    return transient ? image_rootfs_mount_transient(ctx->root, img, dir, rootfs, err)
                     : image_rootfs_mount(ctx->root, img, dir, rootfs, err);
  /* the upper dir (the rootfs's own "/" and everything the container writes) is the remapped
   * root's on disk; the image's layers are shown through idmapped mounts */
  autofree char *upper = xasprintf("%s/upper", dir);
  if (mkdir(upper, 0755) < 0 && errno != EEXIST)
    return err_set(err, errno, "mkdir %s", upper);
  if (lchown(upper, r->uid[0].outside, r->gid[0].outside) < 0)
    return err_set(err, errno, "chown %s to the remapped root", upper);
  autoclose int ns = eng_remap_userns(r, err);
  if (ns < 0)
    return -1;
  return image_rootfs_mount_idmapped(ctx->root, img, dir, transient, ns, rootfs, err);
}

static uint32_t map_one(const struct idmap_line *v, size_t n, bool to_host, uint32_t id)
{
  for (size_t i = 0; i < n; i++) {
    uint32_t from = to_host ? v[i].inside : v[i].outside, to = to_host ? v[i].outside : v[i].inside;
    if (id >= from && id - from < v[i].count)
      return to + (id - from);
  }
  return to_host ? map_one(v, n, true, 65534) : 65534;
}

void eng_remap_id(const struct ctr_record *rec, bool to_host, uid_t *uid, gid_t *gid)
{
  if (rec == NULL || rec->td.uid_map == NULL)
    return;
  struct eng_remap r;
  eng_remap_from_record(rec, &r);
  if (r.nu == 0)
    return;
  *uid = map_one(r.uid, r.nu, to_host, *uid);
  *gid = map_one(r.gid, r.ng, to_host, *gid);
}

/* A build's RUN steps (engine/build): the same maps, user namespace and dirs as a remapped
 * container's, without a record (container.h). */
int eng_build_remap_new(const struct eng_ctx *ctx, const char *network, struct eng_remap **out,
                        struct td_err **err)
{
  *out = NULL;
  if (ctx->userns_remap == NULL || *ctx->userns_remap == '\0')
    return 0;
  if (network &&
      strcmp(network, "host") == 0) /* docker's words (verifyPlatformContainerSettings) */
    return err_set(err, 0,
                   "cannot share the host's network namespace when user namespaces are enabled");
  struct eng_remap *r = xcalloc(1, sizeof(*r));
  if (eng_remap_resolve(ctx->userns_remap, r, err) < 0) {
    free(r);
    return -1;
  }
  *out = r;
  return 0;
}

void eng_build_remap_free(struct eng_remap *r)
{
  free(r);
}

void eng_build_remap_ids(const struct eng_remap *r, uid_t *uid, gid_t *gid)
{
  *uid = map_one(r->uid, r->nu, true, *uid);
  *gid = map_one(r->gid, r->ng, true, *gid);
}

int eng_build_remap_userns(const struct eng_remap *r, struct td_err **err)
{
  return eng_remap_userns(r, err);
}

int eng_build_remap_dirs(const struct eng_ctx *ctx, const struct eng_remap *r, const char *work,
                         struct td_err **err)
{
  if (parents_searchable(ctx->root, r, err) < 0)
    return -1;
  autofree char *builds = xasprintf("%s/builds", ctx->root);
  if (group_x(ctx->root, r->gid[0].outside, err) < 0 || group_x(builds, r->gid[0].outside, err) < 0)
    return err_prefix(err, "--userns-remap");
  if (chmod(work, 0711) < 0)
    return err_set(err, errno, "--userns-remap: chmod %s", work);
  return 0;
}

char *eng_build_remap_tag(const struct eng_remap *r)
{
  return xasprintf("%u.%u", r->uid[0].outside, r->gid[0].outside);
}

void eng_build_remap_shift(const struct eng_remap *r, struct tar_idshift *s)
{
  memset(s, 0, sizeof(*s));
  memcpy(s->u, r->uid, r->nu * sizeof(r->uid[0]));
  memcpy(s->g, r->gid, r->ng * sizeof(r->gid[0]));
  s->nu = r->nu;
  s->ng = r->ng;
}
