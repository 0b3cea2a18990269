/* Published ports: their record form, the kernel's and the claims' view of a host port, the
 * check `run` does before it creates anything, and a container's ports on all its networks. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net-int.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

void net_port_from_json(json_t *p, struct net_port *o)
{
  memset(o, 0, sizeof(*o));
  snprintf(o->proto, sizeof(o->proto), "%s", json_string_value(json_object_get(p, "Proto")));
  net_ip_parse(json_string_value(json_object_get(p, "HostIp")), &o->host_ip, NULL);
  o->host_port = (uint16_t)json_integer_value(json_object_get(p, "HostPort"));
  o->ctr_port = (uint16_t)json_integer_value(json_object_get(p, "ContainerPort"));
}

json_t *net_port_to_json(const struct net_port *p)
{
  char b[16];
  return json_pack("{s:s,s:s,s:i,s:i}", "Proto", p->proto, "HostIp", net_ip_fmt(p->host_ip, b),
                   "HostPort", (int)p->host_port, "ContainerPort", (int)p->ctr_port);
}

/* Ask the kernel whether a host process holds the port; port 0 asks it for a free one. */
static int port_probe(struct net_port *p, struct td_err **err)
{
  int type = strcmp(p->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
  autoclose int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return err_set(err, errno, "socket");
  struct sockaddr_in sa = {
      .sin_family = AF_INET, .sin_port = htons(p->host_port), .sin_addr.s_addr = htonl(p->host_ip)};
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    char b[16];
    if (errno == EADDRNOTAVAIL)
      return err_set(err, errno, "host address %s is not on this host", net_ip_fmt(p->host_ip, b));
    return err_set(err, errno, "bind %s:%u/%s for publishing", net_ip_fmt(p->host_ip, b),
                   p->host_port, p->proto);
  }
  socklen_t l = sizeof(sa);
  if (!p->host_port && getsockname(fd, (struct sockaddr *)&sa, &l) == 0)
    p->host_port = ntohs(sa.sin_port);
  return 0;
}

int net_ports_reserve(struct net_ctx *ctx, const struct net_port *ports, size_t n, json_t *out,
                      struct td_err **err)
{
  for (size_t i = 0; i < n; i++) {
    struct net_port p = ports[i];
    char b[16];
    for (int tries = 0;; tries++) {
      bool random = p.host_port == 0;
      if (port_probe(&p, err) < 0)
        return err_prefix(err, "publish %u/%s", p.ctr_port, p.proto);
      autofree char *taken = net_port_holder(ctx, &p);
      const char *holder = taken;
      json_t *pj = NULL;
      size_t k;
      json_array_foreach (out, k, pj) {
        struct net_port q;
        net_port_from_json(pj, &q);
        if (q.host_port == p.host_port && !strcmp(q.proto, p.proto) &&
            (!q.host_ip || !p.host_ip || q.host_ip == p.host_ip))
          holder = "this container";
      }
      if (!holder)
        break;
      if (!random || tries > 20)
        return err_set(err, EADDRINUSE, "port %s:%u/%s is already published by %.12s",
                       net_ip_fmt(p.host_ip, b), p.host_port, p.proto, holder);
      p.host_port = 0;
    }
    json_array_append_new(out, net_port_to_json(&p));
  }
  return 0;
}

int net_ports_check(const char *root, const struct net_port *ports, size_t n, struct td_err **err)
{
  bool fixed = false;
  for (size_t i = 0; i < n; i++)
    fixed = fixed || ports[i].host_port != 0;
  if (!fixed)
    return 0; /* the kernel picks a free port at attach: nothing can clash */
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  autojson json_t *out = json_array();
  int r = net_ports_reserve(&ctx, ports, n, out, err);
  if (r < 0 && (*err)->errnum == EADDRINUSE) {
    err_free(err); /* a dead container's claim: the full gc gives it back */
    net_ctx_gc(&ctx, true);
    json_array_clear(out);
    r = net_ports_reserve(&ctx, ports, n, out, err);
  }
  net_ctx_close(&ctx);
  return r;
}

int net_container_ports(const char *root, const char *container_id, struct net_port **ports,
                        size_t *n, struct td_err **err)
{
  *ports = NULL;
  *n = 0;
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  size_t i;
  json_t *net;
  json_array_foreach (ctx.nets, i, net) {
    json_t *ep = net_ep_get(&ctx, net, container_id);
    size_t k;
    json_t *pj;
    json_array_foreach (json_object_get(ep, "Ports"), k, pj) {
      *ports = xrealloc(*ports, (*n + 1) * sizeof(**ports));
      net_port_from_json(pj, &(*ports)[(*n)++]);
    }
  }
  net_ctx_close(&ctx);
  return 0;
}
