/* Network records: one JSON file per network under <root>/networks, every change under
 * <root>/networks/.lock. A record holds the network's config and its endpoints:
 *   {"Id","Name","Created","Driver","Internal","Subnet","Gateway","IPRange",
 *    "AuxiliaryAddresses":{name: ip},"IPAMConfig":[docker's IPAM.Config],"Bridge","MTU",
 *    "Labels":{},"Options":{}}; endpoints in <root>/networks/<id>/ (epstore.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "net/net-int.h"
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/xalloc.h"

/* Our nft table: "tinydocker" for the default root, a per-root name otherwise, so that
 * engines with private roots (tests) never touch each other's rules. */
static char *table_name(const char *root)
{
  char real[PATH_MAX];
  const char *r = realpath(root, real) ? real : root;
  if (strcmp(r, "/var/lib/tinydocker") == 0)
    return xstrdup("tinydocker");
  return xasprintf("tinydocker-%08x", (unsigned)(net_hash(r, "table") & 0xffffffffu));
}

static int ctx_load(struct net_ctx *ctx, struct td_err **err)
{
  autoclosedir DIR *d = opendir(ctx->dir);
  if (!d)
    return err_set(err, errno, "open %s", ctx->dir);
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    /* a temp record of a writer that died (writes run under the lock we hold) */
    if (de->d_name[0] == '.' && l > 9 && strcmp(de->d_name + l - 9, ".json.tmp") == 0)
      unlinkat(dirfd(d), de->d_name, 0);
    if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
      continue;
    autofree char *p = xasprintf("%s/%s", ctx->dir, de->d_name);
    json_t *j = NULL;
    if (file_read_json(AT_FDCWD, p, &j, err) < 0)
      return -1;
    json_object_del(j, "Endpoints"); /* endpoints live in <id>/ (epstore.c) */
    json_array_append_new(ctx->nets, j);
  }
  return 0;
}

/* A network whose creator died while plumbing it (net_ctx_create marks its record "creating"
 * until done; creation runs under the lock we hold, so a marked one belongs to a dead process):
 * its bridge and nft elements undone, its record removed. */
static void sweep_unfinished(struct net_ctx *ctx)
{
  for (size_t i = 0; i < json_array_size(ctx->nets);) {
    json_t *net = json_array_get(ctx->nets, i);
    const char *st = json_string_value(json_object_get(net, "State"));
    if (st == NULL || strcmp(st, "creating") != 0) {
      i++;
      continue;
    }
    net_plumb_down(ctx, net);
    net_ep_dir_remove(ctx, net);
    autofree char *p =
        xasprintf("%s/%s.json", ctx->dir, json_string_value(json_object_get(net, "Id")));
    unlink(p);
    json_array_remove(ctx->nets, i);
  }
}

int net_ctx_open(const char *root, struct net_ctx *ctx, struct td_err **err)
{
  memset(ctx, 0, sizeof(*ctx));
  ctx->lock_fd = -1;
  ctx->root = xstrdup(root);
  ctx->dir = xasprintf("%s/networks", root);
  ctx->nets = json_array();
  autofree char *lp = xasprintf("%s/.lock", ctx->dir);
  if (mkdir_p(ctx->dir, 0700, err) == 0) {
    ctx->lock_fd = lock_acquire(lp, "the network store", err);
    if (ctx->lock_fd < 0) {
      net_ctx_close(ctx);
      return -1; /* the message names the store and its holder */
    }
    if (ctx_load(ctx, err) == 0) {
      ctx->table = table_name(root);
      sweep_unfinished(ctx);
      return 0;
    }
  }
  net_ctx_close(ctx);
  return err_prefix(err, "networks in %s", root);
}

void net_ctx_close(struct net_ctx *ctx)
{
  nft_close(ctx->nft);
  lock_release(ctx->lock_fd);
  json_decref(ctx->nets);
  free(ctx->table);
  free(ctx->dir);
  free(ctx->root);
  memset(ctx, 0, sizeof(*ctx));
  ctx->lock_fd = -1;
}

struct nft *net_ctx_nft(struct net_ctx *ctx, struct td_err **err)
{
  if (!ctx->nft)
    ctx->nft = nft_open(ctx->table, ctx->root, err);
  return ctx->nft;
}

json_t *net_ctx_find(struct net_ctx *ctx, const char *name_or_id)
{
  size_t i;
  json_t *n, *hit = NULL;
  int hits = 0;
  json_array_foreach (ctx->nets, i, n) {
    const char *name = json_string_value(json_object_get(n, "Name"));
    const char *id = json_string_value(json_object_get(n, "Id"));
    if ((name && strcmp(name, name_or_id) == 0) || (id && strcmp(id, name_or_id) == 0))
      return n;
    if (id && strlen(name_or_id) >= 3 && strncmp(id, name_or_id, strlen(name_or_id)) == 0) {
      hit = n;
      hits++;
    }
  }
  return hits == 1 ? hit : NULL;
}

/* Temp file + rename without fsync: a record must survive a crash of the process (rename is
 * atomic), but not a power loss: after a reboot every veth and rule it describes is gone too,
 * and the records are reconciled (net_gc, net_plumb_ensure). fsync cost ~10 ms per save here. */
int net_ctx_save(struct net_ctx *ctx, json_t *net, struct td_err **err)
{
  const char *id = json_string_value(json_object_get(net, "Id"));
  autofree char *p = xasprintf("%s/%s.json", ctx->dir, id);
  autofree char *tmp = xasprintf("%s/.%s.json.tmp", ctx->dir, id);
  /* only the network's config: endpoints have their own files */
  autojson json_t *cfg = json_copy(net);
  json_object_del(cfg, "Endpoints");
  json_object_del(cfg, "_All");
  autofree char *text = json_dumps(cfg, JSON_COMPACT);
  autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return err_set(err, errno, "create %s", tmp);
  if (!text || write_all(fd, text, strlen(text)) < 0) {
    unlink(tmp);
    return err_set(err, errno, "write %s", tmp);
  }
  if (rename(tmp, p) < 0) {
    unlink(tmp);
    return err_set(err, errno, "rename %s", tmp);
  }
  return 0;
}

void net_info_get(json_t *net, struct net_info *info)
{
  memset(info, 0, sizeof(*info));
  info->id = json_string_value(json_object_get(net, "Id"));
  info->name = json_string_value(json_object_get(net, "Name"));
  info->bridge = json_string_value(json_object_get(net, "Bridge"));
  info->internal = json_is_true(json_object_get(net, "Internal"));
  info->mtu = (unsigned)json_integer_value(json_object_get(net, "MTU"));
  net_cidr_parse(json_string_value(json_object_get(net, "Subnet")), true, &info->subnet, NULL);
  const char *r = json_string_value(json_object_get(net, "IPRange"));
  if (!r || net_cidr_parse(r, true, &info->range, NULL) < 0)
    info->range = info->subnet;
  net_ip_parse(json_string_value(json_object_get(net, "Gateway")), &info->gateway, NULL);
  info->aux = json_object_get(net, "AuxiliaryAddresses");
}

char *net_new_id(void)
{
  unsigned char b[32];
  if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t h = net_hash("id", "x") ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
    for (size_t i = 0; i < sizeof(b); i++, h = h * 6364136223846793005ull + 1)
      b[i] = (unsigned char)(h >> 56);
  }
  char *s = xmalloc(65);
  for (size_t i = 0; i < 32; i++)
    snprintf(s + 2 * i, 3, "%02x", b[i]);
  return s;
}

bool net_is_default(json_t *net)
{
  return !strcmp(json_string_value(json_object_get(net, "Name")), NET_DEFAULT_NAME);
}
