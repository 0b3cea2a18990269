/* /etc/hosts and /etc/resolv.conf text for containers. Pure string work. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Growable text buffer (hosts files of big networks have hundreds of lines). */
struct buf {
  char *s;
  size_t len, cap;
};

static void buf_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if (b->len + (size_t)n + 1 > b->cap) {
    b->cap = (b->len + (size_t)n + 1) * 2;
    b->s = xrealloc(b->s, b->cap);
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static const char hosts_head[] = "127.0.0.1\tlocalhost\n"
                                 "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                 "fe00::0\tip6-localnet\n"
                                 "ff00::0\tip6-mcastprefix\n"
                                 "ff02::1\tip6-allnodes\n"
                                 "ff02::2\tip6-allrouters\n";

/* --add-host "name:ip" lines ("host-gateway" is left to the engine). */
static void hosts_add_extra(struct buf *buf, char **add_hosts)
{
  for (char **h = add_hosts; h && *h; h++) {
    const char *c = strchr(*h, ':');
    if (!c)
      continue;
    buf_add(buf, "%s\t%.*s\n", c + 1, (int)(c - *h), *h);
  }
}

static void hosts_base(struct buf *b, const char *hostname, const char *ip, char **add_hosts)
{
  buf_add(b, "%s", hosts_head);
  hosts_add_extra(b, add_hosts);
  if (ip && hostname)
    buf_add(b, "%s\t%s\n", ip, hostname);
}

char *net_hosts_render(const char *hostname, const char *ip, char **add_hosts)
{
  struct buf b = {0};
  hosts_base(&b, hostname, ip, add_hosts);
  return b.s;
}

char *net_hosts_render_peers(const char *hostname, const char *ip, char **add_hosts,
                             const struct net_hosts_peer *peers, size_t n_peers)
{
  struct buf b = {0}, *buf = &b;
  hosts_base(buf, hostname, ip, add_hosts);
  for (size_t i = 0; i < n_peers; i++) {
    const struct net_hosts_peer *p = &peers[i];
    if (!p->ip)
      continue;
    buf_add(buf, "%s", p->ip);
    if (p->name)
      buf_add(buf, "\t%s", p->name);
    for (char **a = p->aliases; a && *a; a++)
      buf_add(buf, " %s", *a);
    buf_add(buf, "\n");
  }
  return b.s;
}

/* nameserver lines of the host's file that a container can reach (not loopback). */
static char **host_nameservers(const char *host_resolv, char ***search, char ***opts)
{
  char **ns = NULL;
  autostrv char **lines = strv_split(host_resolv ? host_resolv : "", '\n');
  for (char **l = lines; l && *l; l++) {
    char *s = *l;
    while (*s == ' ' || *s == '\t')
      s++;
    char key[16] = "", val[256] = "";
    if (sscanf(s, "%15s %255[^\n]", key, val) != 2)
      continue;
    if (strcmp(key, "nameserver") == 0) {
      if (strncmp(val, "127.", 4) != 0 && strcmp(val, "::1") != 0)
        strv_push(&ns, val);
    } else if (strcmp(key, "search") == 0 && !*search) {
      *search = strv_split(val, ' ');
    } else if (strcmp(key, "options") == 0 && !*opts) {
      *opts = strv_split(val, ' ');
    }
  }
  return ns;
}

char *net_resolv_render(const struct net_dns_req *req, const char *host_resolv)
{
  autostrv char **hsearch = NULL;
  autostrv char **hopts = NULL;
  autostrv char **hns = host_nameservers(host_resolv, &hsearch, &hopts);
  char **ns = req && req->dns && *req->dns ? req->dns : hns;
  char **search = req && req->dns_search && *req->dns_search ? req->dns_search : hsearch;
  char **opts = req && req->dns_opts && *req->dns_opts ? req->dns_opts : hopts;
  struct buf b = {0}, *buf = &b;
  buf_add(buf, "%s", "");
  if (search && *search && strcmp(*search, ".") != 0) {
    autofree char *j = strv_join(search, " ");
    buf_add(buf, "search %s\n", j);
  }
  if (ns && *ns) {
    for (char **n = ns; *n; n++)
      buf_add(buf, "nameserver %s\n", *n);
  } else {
    /* docker's fallback when the host only has a local resolver the container cannot reach */
    buf_add(buf, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  }
  if (opts && *opts) {
    autofree char *j = strv_join(opts, " ");
    buf_add(buf, "options %s\n", j);
  }
  return b.s;
}
