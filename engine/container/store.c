#include "engine/container/container.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

char *store_new_id(void)
{
  unsigned char b[32];
  size_t got = 0;
  while (got < sizeof(b)) {
    ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      abort();
    got += (size_t)r;
  }
  char *s = xmalloc(65);
  for (size_t i = 0; i < 32; i++) {
    static const char hex[] = "0123456789abcdef";
    s[2 * i] = hex[b[i] >> 4];
    s[2 * i + 1] = hex[b[i] & 15];
  }
  s[64] = '\0';
  /* docker never hands out an all-digit short id (it could parse as a number) */
  return s;
}

char *store_random_name(void)
{
  static const char *const adj[] = {
      "admiring", "agitated", "amazing",  "awesome", "bold",    "brave",   "busy",
      "clever",   "cool",     "dazzling", "eager",   "elastic", "festive", "focused",
      "gallant",  "happy",    "jolly",    "keen",    "loving",  "nifty",   "quirky",
      "relaxed",  "serene",   "sharp",    "stoic",   "tender",  "vibrant", "zealous"};
  static const char *const who[] = {
      "turing",  "hopper",  "lovelace", "ritchie",  "thompson", "knuth",    "dijkstra",
      "curie",   "noether", "hamilton", "lamport",  "liskov",   "torvalds", "kernighan",
      "babbage", "shannon", "neumann",  "goldberg", "pike",     "mccarthy", "wozniak"};
  unsigned int r[2];
  if (getrandom(r, sizeof(r), 0) != sizeof(r))
    r[0] = r[1] = (unsigned)getpid();
  return xasprintf("%s_%s", adj[r[0] % (sizeof(adj) / sizeof(adj[0]))],
                   who[r[1] % (sizeof(who) / sizeof(who[0]))]);
}

char *store_dir(const struct eng_ctx *ctx, const char *id)
{
  return xasprintf("%s/%s", ctx->ctr_dir, id);
}

static char *name_path(const struct eng_ctx *ctx, const char *name)
{
  return xasprintf("%s/names/%s", ctx->ctr_dir, name[0] == '/' ? name + 1 : name);
}

/* A name is a symlink to its container's id, written in base64url (43 characters): ext4
 * keeps a target under 60 bytes in the inode, while a 64-character one takes a block,
 * allocated at create and freed at rm (a synchronous discard on a filesystem mounted with
 * `discard`, ~0.3 ms on the --rm path here). Older stores' 64-hex targets still read. */
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int hexval(char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool store_id_to_link(const char *id, char out[STORE_LINK_ID_LEN + 1])
{
  unsigned char raw[33] = {0};
  for (int i = 0; i < 64; i++) {
    int v = hexval(id[i]);
    if (v < 0)
      return false;
    raw[i / 2] = (unsigned char)(raw[i / 2] | (v << (i % 2 ? 0 : 4)));
  }
  if (id[64] != '\0')
    return false;
  for (int i = 0, bit = 0; i < STORE_LINK_ID_LEN; i++, bit += 6) {
    unsigned w = ((unsigned)raw[bit / 8] << 8) | raw[bit / 8 + 1];
    out[i] = b64url[(w >> (10 - bit % 8)) & 63];
  }
  out[STORE_LINK_ID_LEN] = '\0';
  return true;
}

bool store_link_to_id(const char *s, char out[65])
{
  unsigned char raw[34] = {0};
  for (int i = 0, bit = 0; i < STORE_LINK_ID_LEN; i++, bit += 6) {
    const char *p = s[i] ? strchr(b64url, s[i]) : NULL;
    if (p == NULL)
      return false;
    unsigned v = (unsigned)(p - b64url) << (10 - bit % 8);
    raw[bit / 8] = (unsigned char)(raw[bit / 8] | (v >> 8));
    raw[bit / 8 + 1] = (unsigned char)(raw[bit / 8 + 1] | (v & 0xff));
  }
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", raw[i]);
  return true;
}

char *store_name_lookup(const struct eng_ctx *ctx, const char *name)
{
  autofree char *p = name_path(ctx, name);
  char buf[128];
  ssize_t n = readlink(p, buf, sizeof(buf) - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  char id[65];
  if (n == STORE_LINK_ID_LEN && store_link_to_id(buf, id))
    return xstrdup(id);
  return xstrdup(buf);
}

int store_name_reserve(const struct eng_ctx *ctx, const char *name, const char *id,
                       struct td_err **err)
{
  autofree char *p = name_path(ctx, name);
  const char *bare = name[0] == '/' ? name + 1 : name;
  char link[STORE_LINK_ID_LEN + 1];
  const char *target = store_id_to_link(id, link) ? link : id;
  for (int attempt = 0; attempt < 2; attempt++) {
    if (symlink(target, p) == 0)
      return 0;
    if (errno != EEXIST)
      return err_set(err, errno, "reserve name %s", bare);
    /* a name left by a crash between reservation and record: reclaim it under the lock */
    autofree char *owner = store_name_lookup(ctx, bare);
    if (owner) {
      autofree char *d = store_dir(ctx, owner);
      if (access(d, F_OK) == 0)
        return err_set(err, 0,
                       "Conflict. The container name \"/%s\" is already in use by "
                       "container \"%s\". You have to remove (or rename) that "
                       "container to be able to reuse that name.",
                       bare, owner);
      autoerr struct td_err *e2 = NULL;
      int lk = store_lock_all(ctx, &e2);
      if (lk < 0)
        return err_set(err, 0, "name %s is in use", bare);
      autofree char *again = store_name_lookup(ctx, bare);
      if (again && strcmp(again, owner) == 0 && access(d, F_OK) != 0)
        unlink(p);
      lock_release(lk);
    }
  }
  return err_set(err, 0, "Conflict. The container name \"/%s\" is already in use.", bare);
}

void store_name_release(const struct eng_ctx *ctx, const char *name, const char *id)
{
  if (name == NULL)
    return;
  autofree char *owner = store_name_lookup(ctx, name);
  if (owner && strcmp(owner, id) == 0) {
    autofree char *p = name_path(ctx, name);
    unlink(p);
  }
}

static bool is_id(const char *s)
{
  size_t n = 0;
  for (; s[n]; n++)
    if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
      return false;
  return n == 64;
}

int store_list(const struct eng_ctx *ctx, char ***ids, struct td_err **err)
{
  autoclosedir DIR *d = opendir(ctx->ctr_dir);
  if (d == NULL)
    return err_set(err, errno, "open %s", ctx->ctr_dir);
  char **v = xcalloc(1, sizeof(char *));
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (is_id(de->d_name))
      strv_push(&v, de->d_name);
  *ids = v;
  return 0;
}

int store_lookup(const struct eng_ctx *ctx, const char *ref, char **id, struct td_err **err)
{
  if (ref == NULL || *ref == '\0')
    return err_set(err, 0, "No such container: %s", ref ? ref : "");
  autofree char *byname = store_name_lookup(ctx, ref);
  if (byname) {
    autofree char *d = store_dir(ctx, byname);
    if (access(d, F_OK) == 0) {
      *id = steal_ptr(byname);
      return 0;
    }
  }
  bool hex = true;
  for (const char *p = ref; *p; p++)
    if (!isxdigit((unsigned char)*p))
      hex = false;
  if (hex) {
    if (strlen(ref) == 64) {
      autofree char *d = store_dir(ctx, ref);
      if (access(d, F_OK) == 0) {
        *id = xstrdup(ref);
        return 0;
      }
    } else {
      autostrv char **ids = NULL;
      if (store_list(ctx, &ids, err) < 0)
        return -1;
      const char *found = NULL;
      size_t n = strlen(ref);
      for (char **p = ids; *p; p++) {
        if (strncmp(*p, ref, n) == 0) {
          if (found)
            return err_set(err, 0, "multiple IDs found with provided prefix: %s", ref);
          found = *p;
        }
      }
      if (found) {
        *id = xstrdup(found);
        return 0;
      }
    }
  }
  return err_set(err, 0, "No such container: %s", ref);
}

int store_write(const char *path, const void *buf, size_t len, mode_t mode, struct td_err **err)
{
  autofree char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return err_set(err, errno, "create %s", tmp);
  if (write_all(fd, buf, len) < 0) {
    int saved = errno;
    unlink(tmp);
    return err_set(err, saved, "write %s", tmp);
  }
  if (rename(tmp, path) < 0) {
    int saved = errno;
    unlink(tmp);
    return err_set(err, saved, "rename %s", path);
  }
  return 0;
}

int store_write_json(const char *path, json_t *j, mode_t mode, struct td_err **err)
{
  autofree char *s = json_dumps(j, JSON_COMPACT);
  if (s == NULL)
    return err_set(err, ENOMEM, "serialise %s", path);
  return store_write(path, s, strlen(s), mode, err);
}

/* Copy rec[a][b] into out[a][b] (b NULL: the whole rec[a]). */
static void summary_copy(json_t *out, json_t *rec, const char *a, const char *b)
{
  json_t *v = json_object_get(rec, a);
  if (v == NULL)
    return;
  if (b == NULL) {
    json_object_set(out, a, v);
    return;
  }
  json_t *sub = json_object_get(out, a);
  if (sub == NULL) {
    sub = json_object();
    json_object_set_new(out, a, sub);
  }
  if (json_object_get(v, b))
    json_object_set(sub, b, json_object_get(v, b));
}

json_t *store_summary(json_t *rec)
{
  json_t *o = json_object();
  static const char *const whole[] = {"Id",   "Created", "Name",  "Path",
                                      "Args", "State",   "Image", "Mounts"};
  for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
    summary_copy(o, rec, whole[i], NULL);
  static const char *const parts[][2] = {
      {"Config", "Image"},          {"Config", "Labels"},  {"HostConfig", "NetworkMode"},
      {"NetworkSettings", "Ports"}, {"Td", "MonitorPid"},  {"Td", "MonitorStart"},
      {"Td", "InitStart"},          {"Td", "RootfsIsDir"}, {"Td", "Rootfs"},
      {"Config", "Healthcheck"}};
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
    summary_copy(o, rec, parts[i][0], parts[i][1]);
  return o;
}

static struct {
  char id[80];
  json_t *doc;
} doc_cache[STORE_CACHE_SLOTS];

void store_cache_put(enum store_cache_slot slot, const char *id, json_t *doc)
{
  json_decref(doc_cache[slot].doc);
  snprintf(doc_cache[slot].id, sizeof(doc_cache[slot].id), "%s", id);
  doc_cache[slot].doc = json_incref(doc);
}

json_t *store_cache_take(enum store_cache_slot slot, const char *id)
{
  if (doc_cache[slot].doc == NULL || strcmp(doc_cache[slot].id, id) != 0)
    return NULL;
  json_t *d = doc_cache[slot].doc;
  doc_cache[slot].doc = NULL;
  return d;
}

int store_lock(const struct eng_ctx *ctx, const char *id, struct td_err **err)
{
  autofree char *p = xasprintf("%s/%s/lock", ctx->ctr_dir, id);
  autofree char *what = xasprintf("container %.12s", id);
  return lock_acquire(p, what, err);
}

int store_lock_all(const struct eng_ctx *ctx, struct td_err **err)
{
  autofree char *p = xasprintf("%s/.lock", ctx->ctr_dir);
  return lock_acquire(p, "the container store", err);
}

uint64_t proc_starttime(pid_t pid)
{
  if (pid <= 0)
    return 0;
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (p == NULL)
    return 0;
  /* after ") " comes field 3 (state); starttime is field 22 */
  p += 2;
  if (*p == 'Z' || *p == 'X')
    return 0;
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p, ' ');
    if (p)
      p++;
  }
  return p ? strtoull(p, NULL, 10) : 0;
}

bool proc_alive(pid_t pid, uint64_t starttime)
{
  if (pid <= 0)
    return false;
  uint64_t st = proc_starttime(pid);
  if (st == 0)
    return false;
  return starttime == 0 || st == starttime;
}

bool store_monitor_gone(const struct ctr_record *rec)
{
  const struct ctr_state *s = &rec->state;
  if (s->status == NULL || (strcmp(s->status, "running") != 0 && strcmp(s->status, "paused") != 0 &&
                            strcmp(s->status, "restarting") != 0))
    return false;
  return !proc_alive(rec->td.monitor_pid, rec->td.monitor_start);
}

bool store_refresh_state(struct ctr_record *rec)
{
  struct ctr_state *s = &rec->state;
  if (!store_monitor_gone(rec))
    return false;
  if (s->pid > 0 && proc_alive(s->pid, rec->td.init_start))
    return false; /* orphaned but really running: rm -f / stop still work by pid */
  if (strcmp(s->status, "restarting") != 0) {
    /* nobody heard the exit: the monitor, its init's parent, was gone before it */
    s->exit_code = 255;
    free(s->error);
    s->error = xstrdup(STORE_ERR_EXIT_LOST);
  } else {
    free(s->error);
    s->error = xstrdup(STORE_ERR_NO_RESTART);
  }
  free(s->status);
  s->status = xstrdup("exited");
  s->running = s->paused = s->restarting = false;
  s->pid = 0;
  return true;
}

char *store_name_of(const struct eng_ctx *ctx, const char *id)
{
  autofree char *names = xasprintf("%s/names", ctx->ctr_dir);
  autoclosedir DIR *d = opendir(names);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *owner = store_name_lookup(ctx, de->d_name);
    if (owner && strcmp(owner, id) == 0)
      return xstrdup(de->d_name);
  }
  return NULL;
}

void store_mark_creator(const struct eng_ctx *ctx, const char *id)
{
  autofree char *p = xasprintf("%s/%s/creator", ctx->ctr_dir, id);
  autofree char *s =
      xasprintf("%d %llu\n", (int)getpid(), (unsigned long long)proc_starttime(getpid()));
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    write_all(fd, s, strlen(s));
    close(fd);
  }
}
