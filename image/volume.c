/* The volume store: records, names, users (symlinks to container dirs, like image holds). */
#include "image/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/sha256.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define ANON_LABEL "com.docker.volume.anonymous"

bool volume_name_valid(const char *n)
{
  size_t len = n ? strlen(n) : 0;
  if (len < 2 || len > 255)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = n[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
      return false;
  }
  return true;
}

static char *vol_dir(const char *root, const char *name)
{
  return xasprintf("%s/volumes/%s", root, name);
}

static int vol_lock(const char *root, struct td_err **err)
{
  autofree char *d = xasprintf("%s/volumes", root);
  if (mkdir_p(d, 0700, err) < 0)
    return -1;
  autofree char *l = xasprintf("%s/.lock", d);
  return lock_acquire(l, "the volume store", err);
}

bool volume_err_is_not_found(struct td_err *e)
{
  return e && e->msg && strstr(e->msg, "No such volume: ") != NULL;
}

static int create_locked(const char *root, const char *name, json_t *labels, bool anonymous,
                         struct td_err **err);

static int read_record(const char *root, const char *name, json_t **out, struct td_err **err)
{
  if (!volume_name_valid(name))
    return err_set_exit(err, 1, 0, "No such volume: %s", name ? name : "");
  autofree char *p = xasprintf("%s/volumes/%s/volume.json", root, name);
  if (access(p, F_OK) < 0) {
    /* a <name>/_data made without a record (by an older engine) is adopted as a volume */
    autofree char *data = xasprintf("%s/volumes/%s/_data", root, name);
    struct stat st;
    if (stat(data, &st) < 0 || !S_ISDIR(st.st_mode))
      return err_set_exit(err, 1, 0, "No such volume: %s", name);
    if (create_locked(root, name, NULL, false, err) < 0)
      return -1;
  }
  return file_read_json(AT_FDCWD, p, out, err);
}

static int create_locked(const char *root, const char *name, json_t *labels, bool anonymous,
                         struct td_err **err)
{
  autofree char *d = vol_dir(root, name);
  autofree char *rec = xasprintf("%s/volume.json", d);
  if (access(rec, F_OK) == 0)
    return 0;
  autofree char *data = xasprintf("%s/_data", d);
  bool existed = access(d, F_OK) == 0; /* an older engine's <name>/_data, adopted */
  if (mkdir_p(data, 0755, err) < 0) {
    autoerr struct td_err *rmerr = NULL;
    if (!existed)
      rm_rf(d, &rmerr);
    return err_prefix(err, "create volume %s", name);
  }
  autofree char *created = time_now_rfc3339(false);
  json_t *lab = labels ? json_deep_copy(labels) : json_object();
  if (anonymous)
    json_object_set_new(lab, ANON_LABEL, json_string(""));
  autojson json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:o,s:{},s:s,s:b}", "CreatedAt", created,
                                 "Driver", "local", "Mountpoint", data, "Name", name, "Labels", lab,
                                 "Options", "Scope", "local", "Populated", false);
  if (file_write_json(AT_FDCWD, rec, j, 0600, err) < 0) {
    autoerr struct td_err *rmerr = NULL;
    if (!existed) /* no volume dir without its record (a full disk) */
      rm_rf(d, &rmerr);
    return err_prefix(err, "create volume %s", name);
  }
  return 0;
}

int volume_create(const char *root, const char *name, json_t *labels, bool anonymous,
                  char **name_out, struct td_err **err)
{
  autofree char *n = NULL;
  if (name == NULL) {
    unsigned char rnd[32];
    if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
      return err_set(err, errno, "getrandom");
    n = xmalloc(65);
    for (int i = 0; i < 32; i++)
      snprintf(n + 2 * i, 3, "%02x", rnd[i]);
    anonymous = true;
  } else if (!volume_name_valid(name)) {
    return err_set_exit(err, 1, 0,
                        "create %s: \"%s\" includes invalid characters for a local volume name, "
                        "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass "
                        "a host directory, use absolute path",
                        name, name);
  } else {
    n = xstrdup(name);
  }
  int lock = vol_lock(root, err);
  if (lock < 0)
    return -1;
  int rc = create_locked(root, n, labels, anonymous, err);
  lock_release(lock);
  if (rc == 0)
    events_log(root, "volume", "create", n, "driver", "local", NULL);
  if (rc == 0 && name_out)
    *name_out = steal_ptr(n);
  return rc;
}

static json_t *public_view(json_t *rec)
{
  json_t *o = json_deep_copy(rec);
  json_object_del(o, "Populated");
  return o;
}

int volume_inspect(const char *root, const char *name, json_t **out, struct td_err **err)
{
  autojson json_t *rec = NULL;
  if (read_record(root, name, &rec, err) < 0)
    return -1;
  *out = public_view(rec);
  return 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **volume_names(const char *root)
{
  autofree char *d = xasprintf("%s/volumes", root);
  autoclosedir DIR *dir = opendir(d);
  char **v = xcalloc(1, sizeof(char *));
  struct dirent *de;
  while (dir && (de = readdir(dir)) != NULL)
    if (de->d_name[0] != '.' && volume_name_valid(de->d_name))
      strv_push(&v, de->d_name);
  qsort(v, strv_len(v), sizeof(char *), cmp_str);
  return v;
}

int volume_list(const char *root, json_t **out, struct td_err **err)
{
  (void)err;
  autostrv char **names = volume_names(root);
  json_t *arr = json_array();
  for (char **n = names; *n; n++) {
    json_t *o = NULL;
    autoerr struct td_err *e = NULL;
    if (volume_inspect(root, *n, &o, &e) == 0)
      json_array_append_new(arr, o);
  }
  *out = arr;
  return 0;
}

static char *user_key(const char *container_dir)
{
  char hex[65];
  image_sha256_str(container_dir, hex);
  hex[32] = '\0';
  return xstrdup(hex);
}

/* Containers (dirs) that use a volume; stale users are dropped. */
static char **volume_users(const char *root, const char *name)
{
  autofree char *d = xasprintf("%s/volumes/%s/users", root, name);
  autoclosedir DIR *dir = opendir(d);
  char **v = xcalloc(1, sizeof(char *));
  struct dirent *de;
  while (dir && (de = readdir(dir)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *p = xasprintf("%s/%s", d, de->d_name);
    char target[4096];
    ssize_t n = readlink(p, target, sizeof(target) - 1);
    if (n < 0)
      continue;
    target[n] = '\0';
    struct stat st;
    if (stat(target, &st) < 0 && errno == ENOENT) {
      unlink(p);
      continue;
    }
    strv_push(&v, target);
  }
  return v;
}

static int remove_locked(const char *root, const char *name, struct td_err **err)
{
  autojson json_t *rec = NULL;
  if (read_record(root, name, &rec, err) < 0)
    return -1;
  autostrv char **users = volume_users(root, name);
  if (strv_len(users) > 0) {
    const char *u = strrchr(users[0], '/');
    err_set_exit(err, 1, 0, "remove %s: volume is in use - [%s]", name, u ? u + 1 : users[0]);
    return err_mark(err, ERR_SERVER); /* the daemon's answer in docker */
  }
  autofree char *d = vol_dir(root, name);
  autofree char *gone = xasprintf("%s/volumes/.rm-%s", root, name);
  /* rename first: a half-removed volume never looks like a volume */
  if (rename(d, gone) < 0)
    return err_set(err, errno, "remove volume %s", name);
  return rm_rf(gone, err);
}

int volume_remove(const char *root, const char *name, bool force, struct td_err **err)
{
  int lock = vol_lock(root, err);
  if (lock < 0)
    return -1;
  int rc = remove_locked(root, name, err);
  if (rc == 0)
    events_log(root, "volume", "destroy", name, "driver", "local", NULL);
  if (rc < 0 && force && volume_err_is_not_found(*err)) {
    err_free(err);
    rc = 0;
  }
  lock_release(lock);
  return rc;
}

static unsigned long long du(const char *path)
{
  unsigned long long total = 0;
  autoclosedir DIR *d = opendir(path);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    autofree char *p = xasprintf("%s/%s", path, de->d_name);
    struct stat st;
    if (lstat(p, &st) < 0)
      continue;
    total += S_ISDIR(st.st_mode) ? du(p) : (unsigned long long)st.st_size;
  }
  return total;
}

int volume_prune(const char *root, bool all, json_t *removed, unsigned long long *freed,
                 struct td_err **err)
{
  int lock = vol_lock(root, err);
  if (lock < 0)
    return -1;
  autostrv char **names = volume_names(root);
  int rc = 0;
  for (char **n = names; *n && rc == 0; n++) {
    autojson json_t *rec = NULL;
    autoerr struct td_err *e = NULL;
    if (read_record(root, *n, &rec, &e) < 0)
      continue;
    bool anon = json_object_get(json_object_get(rec, "Labels"), ANON_LABEL) != NULL;
    autostrv char **users = volume_users(root, *n);
    if ((!all && !anon) || strv_len(users) > 0)
      continue;
    autofree char *data = xasprintf("%s/volumes/%s/_data", root, *n);
    unsigned long long sz = du(data);
    rc = remove_locked(root, *n, err);
    if (rc == 0)
      events_log(root, "volume", "destroy", *n, "driver", "local", NULL);
    if (rc == 0) {
      if (freed)
        *freed += sz;
      if (removed)
        json_array_append_new(removed, json_string(*n));
    }
  }
  lock_release(lock);
  return rc;
}

int volume_use(const char *root, const char *name, const char *container_dir, struct td_err **err)
{
  autofree char *d = xasprintf("%s/volumes/%s/users", root, name);
  if (mkdir_p(d, 0700, err) < 0)
    return -1;
  autofree char *key = user_key(container_dir);
  autofree char *p = xasprintf("%s/%s", d, key);
  if (symlink(container_dir, p) < 0 && errno != EEXIST)
    return err_set(err, errno, "record volume %s use", name);
  return 0;
}

int volume_release(const char *root, const char *container_dir, char ***anon, struct td_err **err)
{
  (void)err;
  autostrv char **names = volume_names(root);
  autofree char *key = user_key(container_dir);
  if (anon)
    *anon = xcalloc(1, sizeof(char *));
  for (char **n = names; *n; n++) {
    autofree char *p = xasprintf("%s/volumes/%s/users/%s", root, *n, key);
    if (unlink(p) < 0)
      continue;
    autojson json_t *rec = NULL;
    autoerr struct td_err *e = NULL;
    if (anon && read_record(root, *n, &rec, &e) == 0 &&
        json_object_get(json_object_get(rec, "Labels"), ANON_LABEL))
      strv_push(anon, *n);
  }
  return 0;
}
