/* Endpoint state that grows with the number of containers, kept so that one attach touches
 * O(1) files whatever the size of the network:
 *   <root>/networks/<netid>/<cid>.json      one endpoint (loaded on demand)
 *   <root>/networks/<netid>/ips/<ip>        symlink -> cid: the address is taken
 *   <root>/networks/<netid>/next            next-fit hint of the allocator
 *   <root>/networks/ports/<proto>-<port>/<hostip>  symlink -> cid: the host port is taken
 * In memory the endpoints loaded so far sit in the network's "Endpoints" object; "_All"
 * marks that the whole directory has been read. All of it is touched under the root lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net-int.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

static char *net_dir(struct net_ctx *ctx, json_t *net)
{
  return xasprintf("%s/%s", ctx->dir, json_string_value(json_object_get(net, "Id")));
}

static json_t *eps_obj(json_t *net)
{
  json_t *e = json_object_get(net, "Endpoints");
  if (!json_is_object(e)) {
    e = json_object();
    json_object_set_new(net, "Endpoints", e);
  }
  return e;
}

static json_t *ep_read(const char *path)
{
  autofree char *text = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, path, &text, NULL, &e) < 0)
    return NULL;
  return json_loads(text, 0, NULL);
}

json_t *net_eps(struct net_ctx *ctx, json_t *net)
{
  json_t *eps = eps_obj(net);
  if (json_is_true(json_object_get(net, "_All")))
    return eps;
  autofree char *dir = net_dir(ctx, net);
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
      continue;
    autofree char *cid = xstrndup(de->d_name, l - 5);
    if (json_object_get(eps, cid))
      continue;
    autofree char *p = xasprintf("%s/%s", dir, de->d_name);
    json_t *ep = ep_read(p);
    if (ep)
      json_object_set_new(eps, cid, ep);
  }
  json_object_set_new(net, "_All", json_true());
  return eps;
}

json_t *net_ep_get(struct net_ctx *ctx, json_t *net, const char *cid)
{
  json_t *eps = eps_obj(net);
  json_t *ep = json_object_get(eps, cid);
  if (ep || json_is_true(json_object_get(net, "_All")) || strchr(cid, '/') || !*cid)
    return ep;
  autofree char *dir = net_dir(ctx, net);
  autofree char *p = xasprintf("%s/%s.json", dir, cid);
  ep = ep_read(p);
  if (ep)
    json_object_set_new(eps, cid, ep);
  return ep;
}

/* temp + rename, no fsync (see net_ctx_save for why). Only for a new file: on ext4 a rename
 * over an existing file starts writeback of the new one (auto_da_alloc), ~2 ms here. */
static int write_small(const char *path, const char *text, struct td_err **err)
{
  autofree char *tmp = xasprintf("%s.tmp", path);
  autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return err_set(err, errno, "create %s", tmp);
  if (write_all(fd, text, strlen(text)) < 0 || rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return err_set(err, e, "write %s", path);
  }
  return 0;
}

int net_write_in_place(const char *path, const char *text, bool create)
{
  /* no O_TRUNC: on ext4 a truncate to 0 starts writeback at close (auto_da_alloc), ~2 ms
   * here; one pwrite then a truncate to the new length cost ~0.05 ms. A process crash cannot
   * tear a one-page write; a reader sees the old or the new bytes */
  autoclose int fd = open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  size_t len = strlen(text);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return -1;
  /* a shorter text is padded with blanks over the old one's length in the same write (up to a
   * page): a kill -9 before the ftruncate leaves a valid record (JSON with trailing
   * whitespace; a hosts file with a blank tail), never the new text followed by the old one's
   * tail */
  char page[4096];
  size_t wlen = len;
  if (len < (size_t)st.st_size && (size_t)st.st_size <= sizeof(page)) {
    memcpy(page, text, len);
    memset(page + len, ' ', (size_t)st.st_size - len);
    text = page;
    wlen = (size_t)st.st_size;
  }
  if (pwrite(fd, text, wlen, 0) != (ssize_t)wlen || ftruncate(fd, (off_t)len) < 0)
    return -1;
  return 0;
}

/* mkdir_p only when the first try finds the directory missing (it almost never is) */
static int make_parent(const char *path, struct td_err **err)
{
  autofree char *dir = xstrdup(path);
  *strrchr(dir, '/') = '\0';
  return mkdir_p(dir, 0700, err);
}

int net_ep_put(struct net_ctx *ctx, json_t *net, const char *cid, json_t *ep, bool update,
               struct td_err **err)
{
  autofree char *dir = net_dir(ctx, net);
  autofree char *p = xasprintf("%s/%s.json", dir, cid);
  autofree char *text = json_dumps(ep, JSON_COMPACT);
  /* one page: a process crash cannot tear the write */
  if (update && strlen(text) <= 4096 && net_write_in_place(p, text, false) == 0) {
    json_object_set(eps_obj(net), cid, ep);
    return 0;
  }
  if (write_small(p, text, err) < 0) {
    if ((*err)->errnum != ENOENT || (err_free(err), make_parent(p, err)) < 0 ||
        write_small(p, text, err) < 0)
      return -1;
  }
  json_object_set(eps_obj(net), cid, ep);
  return 0;
}

void net_ep_del(struct net_ctx *ctx, json_t *net, const char *cid)
{
  autofree char *dir = net_dir(ctx, net);
  autofree char *p = xasprintf("%s/%s.json", dir, cid);
  unlink(p);
  json_object_del(eps_obj(net), cid);
}

static char *ip_path(struct net_ctx *ctx, json_t *net, uint32_t ip)
{
  char b[16];
  autofree char *dir = net_dir(ctx, net);
  return xasprintf("%s/ips/%s", dir, net_ip_fmt(ip, b));
}

bool net_ip_claimed(struct net_ctx *ctx, json_t *net, uint32_t ip)
{
  autofree char *p = ip_path(ctx, net, ip);
  struct stat st;
  return lstat(p, &st) == 0;
}

int net_ip_claim(struct net_ctx *ctx, json_t *net, uint32_t ip, const char *cid,
                 struct td_err **err)
{
  autofree char *p = ip_path(ctx, net, ip);
  if (symlink(cid, p) < 0 && (errno != ENOENT || make_parent(p, err) < 0 || symlink(cid, p) < 0))
    return err_set(err, errno, "claim address %s", strrchr(p, '/') + 1);
  return 0;
}

/* Release ip only if cid holds it (a stale record must not free someone else's address). */
void net_ip_unclaim(struct net_ctx *ctx, json_t *net, uint32_t ip, const char *cid)
{
  autofree char *p = ip_path(ctx, net, ip);
  char target[128];
  ssize_t n = readlink(p, target, sizeof(target) - 1);
  if (n < 0)
    return;
  target[n] = '\0';
  if (!strcmp(target, cid))
    unlink(p);
}

uint32_t net_ip_hint(struct net_ctx *ctx, json_t *net)
{
  autofree char *dir = net_dir(ctx, net);
  autofree char *p = xasprintf("%s/next", dir);
  autofree char *text = NULL;
  autoerr struct td_err *e = NULL;
  uint32_t ip = 0;
  if (file_read_all(AT_FDCWD, p, &text, NULL, &e) == 0) {
    text[strcspn(text, "\n")] = '\0';
    net_ip_parse(text, &ip, NULL);
  }
  return ip;
}

void net_ip_hint_set(struct net_ctx *ctx, json_t *net, uint32_t ip)
{
  autofree char *dir = net_dir(ctx, net);
  autofree char *p = xasprintf("%s/next", dir);
  char b[16];
  /* a crash between the write and the truncate can leave a wrong address: only a hint */
  net_write_in_place(p, net_ip_fmt(ip, b), true);
}

static char *port_dir(struct net_ctx *ctx, const struct net_port *p)
{
  return xasprintf("%s/ports/%s-%u", ctx->dir, p->proto, p->host_port);
}

char *net_port_holder(struct net_ctx *ctx, const struct net_port *p)
{
  autofree char *dir = port_dir(ctx, p);
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  char b[16];
  net_ip_fmt(p->host_ip, b);
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    /* any address overlaps the wildcard, and the wildcard overlaps every address */
    if (p->host_ip && strcmp(de->d_name, b) != 0 && strcmp(de->d_name, "0.0.0.0") != 0)
      continue;
    autofree char *l = xasprintf("%s/%s", dir, de->d_name);
    char target[128];
    ssize_t n = readlink(l, target, sizeof(target) - 1);
    if (n < 0)
      continue;
    target[n] = '\0';
    return xstrdup(target);
  }
  return NULL;
}

int net_port_claim(struct net_ctx *ctx, const struct net_port *p, const char *cid,
                   struct td_err **err)
{
  autofree char *dir = port_dir(ctx, p);
  char b[16];
  autofree char *l = xasprintf("%s/%s", dir, net_ip_fmt(p->host_ip, b));
  if (symlink(cid, l) < 0 && (errno != ENOENT || make_parent(l, err) < 0 || symlink(cid, l) < 0))
    return err_set(err, errno, "claim port %s:%u/%s", b, p->host_port, p->proto);
  return 0;
}

void net_port_unclaim(struct net_ctx *ctx, const struct net_port *p, const char *cid)
{
  autofree char *dir = port_dir(ctx, p);
  char b[16];
  autofree char *l = xasprintf("%s/%s", dir, net_ip_fmt(p->host_ip, b));
  char target[128];
  ssize_t n = readlink(l, target, sizeof(target) - 1);
  if (n < 0)
    return;
  target[n] = '\0';
  if (strcmp(target, cid) != 0)
    return;
  unlink(l);
  rmdir(dir); /* fails while another address still holds this port: fine */
}

void net_ep_dir_remove(struct net_ctx *ctx, json_t *net)
{
  autofree char *dir = net_dir(ctx, net);
  autoerr struct td_err *e = NULL;
  rm_rf(dir, &e);
}

void net_hosts_mark(struct net_ctx *ctx, json_t *net, const char *cid, bool on)
{
  autofree char *dir = net_dir(ctx, net);
  autofree char *hd = xasprintf("%s/hosts", dir);
  autofree char *p = xasprintf("%s/%s", hd, cid);
  if (!on) {
    unlink(p);
    return;
  }
  autoerr struct td_err *e = NULL;
  int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ENOENT && mkdir_p(hd, 0700, &e) == 0)
    fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close(fd);
}

char **net_hosts_list(struct net_ctx *ctx, json_t *net)
{
  autofree char *dir = net_dir(ctx, net);
  autofree char *hd = xasprintf("%s/hosts", dir);
  autoclosedir DIR *d = opendir(hd);
  char **v = NULL;
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.')
      strv_push(&v, de->d_name);
  return v;
}

/* An endpoint's ports as structs; *n gets the count. */
struct net_port *net_ep_ports(json_t *ep, size_t *n)
{
  json_t *a = json_object_get(ep, "Ports");
  *n = json_array_size(a);
  struct net_port *v = *n ? xcalloc(*n, sizeof(*v)) : NULL;
  for (size_t i = 0; i < *n; i++)
    net_port_from_json(json_array_get(a, i), &v[i]);
  return v;
}

uint32_t net_ep_ip(json_t *ep)
{
  uint32_t ip = 0;
  net_ip_parse(json_string_value(json_object_get(ep, "IP")), &ip, NULL);
  return ip;
}
