/* Connecting a container: IP from the network's record, a veth pair whose peer is created
 * straight inside the container's netns, addresses and routes set over a netlink socket
 * opened in that netns, published ports as nft map elements, hosts files kept current. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net-int.h"
#include "net/nft.h"
#include "net/nl.h"
#include "util/jsonv.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

static bool is_default(json_t *net)
{
  return !strcmp(json_string_value(json_object_get(net, "Name")), NET_DEFAULT_NAME);
}

/* An endpoint's ports as structs; *n gets the count. */
static struct net_port *ep_ports(json_t *ep, size_t *n)
{
  json_t *a = json_object_get(ep, "Ports");
  *n = json_array_size(a);
  struct net_port *v = *n ? xcalloc(*n, sizeof(*v)) : NULL;
  for (size_t i = 0; i < *n; i++)
    net_port_from_json(json_array_get(a, i), &v[i]);
  return v;
}

static uint32_t ep_ip(json_t *ep)
{
  uint32_t ip = 0;
  net_ip_parse(json_string_value(json_object_get(ep, "IP")), &ip, NULL);
  return ip;
}

void net_endpoint_release(struct net_ctx *ctx, json_t *net, const char *cid, char ***unplug)
{
  /* our own reference: net_ep_del drops the one the network holds */
  autojson json_t *ep = json_incref(net_ep_get(ctx, net, cid));
  if (!ep)
    return;
  autoerr struct td_err *e = NULL;
  size_t np;
  autofree struct net_port *ports = ep_ports(ep, &np);
  if (np && net_nft_ports(ctx->table, ports, np, ep_ip(ep), false, &e) < 0) {
    /* one missing element fails the whole batch: fall back to one delete at a time */
    err_free(&e);
    for (size_t i = 0; i < np; i++) {
      net_nft_ports(ctx->table, &ports[i], 1, ep_ip(ep), false, &e);
      err_free(&e);
    }
  }
  for (size_t i = 0; i < np; i++)
    net_port_unclaim(ctx, &ports[i], cid);
  const char *veth = json_string_value(json_object_get(ep, "Veth"));
  int idx = veth ? (int)if_nametoindex(veth) : 0;
  if (idx > 0) {
    struct tdnl *nl = tdnl_open(&e);
    /* deleting waits ~20 ms in the kernel (netdev unregister waits for RCU grace periods):
     * the caller may do it later (net_unplug); down, the port forwards nothing meanwhile and
     * the bridge forgets the MAC, which a new container given this address reuses */
    if (nl && unplug && tdnl_link_down(nl, idx, &e) == 0) {
      char b[16];
      snprintf(b, sizeof(b), "%d", idx);
      strv_push(unplug, b);
    } else if (nl) {
      tdnl_link_del(nl, veth, &e);
    }
    tdnl_close(nl);
  }
  net_ip_unclaim(ctx, net, ep_ip(ep), cid);
  if (!is_default(net)) /* marks only matter where net_hosts_refresh works */
    net_hosts_mark(ctx, net, cid, false);
  net_ep_del(ctx, net, cid);
  net_hosts_refresh(ctx, net, NULL);
}

/* Host veths that net_release set down and whose net_unplug never came (the caller died in
 * between): down, on the network's bridge, named by no endpoint. */
static void unplugged_sweep(struct net_ctx *ctx, json_t *net)
{
  struct net_info in;
  net_info_get(net, &in);
  autoerr struct td_err *e = NULL;
  struct tdnl *nl = tdnl_open(&e);
  autostrv char **down = NULL;
  if (nl && tdnl_bridge_ports(nl, in.bridge, true, &down, &e) == 0) {
    json_t *eps = net_eps(ctx, net);
    for (char **d = down; d && *d; d++) {
      bool named = false;
      const char *cid;
      json_t *ep;
      json_object_foreach (eps, cid, ep) {
        const char *v = json_string_value(json_object_get(ep, "Veth"));
        named = named || (v && !strcmp(v, *d));
      }
      if (!named && !strncmp(*d, "tdv", 3))
        tdnl_link_del(nl, *d, &e);
      err_free(&e);
    }
  }
  tdnl_close(nl);
}

void net_ctx_gc(struct net_ctx *ctx, bool full)
{
  size_t i;
  json_t *net;
  json_array_foreach (ctx->nets, i, net) {
    autostrv char **stale = NULL;
    const char *cid;
    json_t *ep;
    json_object_foreach (net_eps(ctx, net), cid, ep) {
      const char *st = json_string_value(json_object_get(ep, "State"));
      const char *veth = json_string_value(json_object_get(ep, "Veth"));
      /* setup runs under the lock we hold: an unfinished one belongs to a dead process */
      if (!st || strcmp(st, "ready") != 0 || (full && (!veth || if_nametoindex(veth) == 0)))
        strv_push(&stale, cid);
    }
    for (char **c = stale; c && *c; c++)
      net_endpoint_release(ctx, net, *c, NULL);
    if (full)
      unplugged_sweep(ctx, net);
  }
}

int net_ipam_pick(json_t *net, const char *fixed, uint32_t hint,
                  bool (*used)(void *ud, uint32_t ip), void *ud, uint32_t *out, struct td_err **err)
{
  struct net_info in;
  net_info_get(net, &in);
  uint32_t smask = 0xffffffffu << (32 - in.subnet.prefix);
  uint32_t netaddr = in.subnet.addr & smask, bcast = netaddr | ~smask;
  uint64_t span = (uint64_t)1 << (32 - in.range.prefix);
  uint32_t base = in.range.addr & (uint32_t) ~(span - 1);
  char b[16];
  if (fixed) {
    uint32_t ip;
    if (net_ip_parse(fixed, &ip, err) < 0)
      return -1;
    if (!net_cidr_contains(&in.subnet, ip) || ip == netaddr || ip == bcast || ip == in.gateway)
      return err_set(err, EINVAL, "address %s is not a usable host address of network %s (%s/%d)",
                     fixed, in.name, net_ip_fmt(in.subnet.addr, b), in.subnet.prefix);
    if (used(ud, ip) || net_ip_reserved(in.aux, ip))
      return err_set(err, EADDRINUSE, "address %s is already in use on network %s", fixed, in.name);
    *out = ip;
    return 0;
  }
  /* next-fit from the hint, wrapping once: O(1) probes while the range has room */
  uint64_t start = hint - base < span ? hint - base : 0;
  for (uint64_t k = 0; k < span; k++) {
    uint32_t ip = base + (uint32_t)((start + k) % span);
    if (ip == netaddr || ip == bcast || ip == in.gateway || net_ip_reserved(in.aux, ip) ||
        used(ud, ip))
      continue;
    *out = ip;
    return 0;
  }
  return err_set_exit(err, EXIT_ENGINE, ENOSPC, "no available IPv4 address on network %s (%s)",
                      in.name, json_string_value(json_object_get(net, "Subnet")));
}

/* Host end "tdv" + 12 hex: stable per (network, container), short enough for IFNAMSIZ. */
static char *veth_name(const char *netid, const char *cid)
{
  return xasprintf("tdv%012llx", (unsigned long long)(net_hash(netid, cid) >> 16));
}

/* The lowest eth<N> that none of cid's endpoints uses (after disconnects there are gaps). */
static size_t ifname_pick(struct net_ctx *ctx, const char *cid)
{
  for (size_t k = 0;; k++) {
    char want[16];
    snprintf(want, sizeof(want), "eth%zu", k);
    bool used = false;
    size_t i;
    json_t *net;
    json_array_foreach (ctx->nets, i, net) {
      json_t *ep = net_ep_get(ctx, net, cid);
      const char *ifn = json_string_value(json_object_get(ep, "Ifname"));
      if (ifn && !strcmp(ifn, want))
        used = true;
    }
    if (!used)
      return k;
  }
}

/* Both ends of the veth, then the container side: lo, address, up, default route. */
static int veth_setup(const struct net_info *in, const char *veth, const char *ifname,
                      const char *netns_path, uint32_t ip, const uint8_t *want_mac,
                      struct net_attach_result *res, struct td_err **err)
{
  autoclose int nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return err_set(err, errno, "open netns %s", netns_path);
  int master = (int)if_nametoindex(in->bridge);
  if (master <= 0)
    return err_set(err, errno, "bridge %s", in->bridge);
  uint8_t mac[6] = {0x02,       0x42, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
                    (uint8_t)ip};
  if (want_mac)
    memcpy(mac, want_mac, sizeof(mac));
  snprintf(res->mac, sizeof(res->mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
           mac[3], mac[4], mac[5]);
  struct tdnl *nl = tdnl_open(err);
  if (!nl)
    return -1;
  int eth = 0;
  int r = tdnl_veth_create(nl, veth, master, in->mtu, ifname, nsfd, mac, &eth, err);
  if (r < 0 && (*err)->errnum == EEXIST) {
    /* our name: a pair released but not yet unplugged (net_release), or left by a crash */
    err_free(err);
    r = tdnl_link_del(nl, veth, err);
    if (r == 0)
      r = tdnl_veth_create(nl, veth, master, in->mtu, ifname, nsfd, mac, &eth, err);
  }
  tdnl_close(nl);
  if (r < 0)
    return -1;
  nl = tdnl_open_in_netns(netns_path, err);
  if (!nl)
    return -1;
  if (eth <= 0) /* a kernel without NLM_F_ECHO on RTM_NEWLINK */
    eth = tdnl_link_index(nl, ifname, err);
  r = -1;
  if (eth > 0) { /* one round trip for the rest */
    tdnl_batch_begin(nl);
    tdnl_link_up_name(nl, "lo", err);
    tdnl_addr_add(nl, eth, ip, in->subnet.prefix, err);
    tdnl_link_up(nl, eth, 0, err);
    /* an --internal network has no way out, so no default route either (like docker) */
    if (!in->internal && strcmp(ifname, "eth0") == 0)
      tdnl_route_default(nl, in->gateway, err);
    r = tdnl_batch_end(nl, err);
  }
  tdnl_close(nl);
  return r < 0 ? err_prefix(err, "configure %s in %s", ifname, netns_path) : 0;
}

/* The order cid's endpoints were attached in: each endpoint's "Seq", one past the highest of
 * cid's others when it was made (an endpoint of an older engine has none: 0). */
static json_int_t ep_seq(json_t *ep)
{
  return json_integer_value(json_object_get(ep, "Seq"));
}

static json_int_t next_seq(struct net_ctx *ctx, const char *cid)
{
  json_int_t max = 0;
  size_t i;
  json_t *net;
  json_array_foreach (ctx->nets, i, net) {
    json_t *ep = net_ep_get(ctx, net, cid);
    if (ep && ep_seq(ep) > max)
      max = ep_seq(ep);
  }
  return max + 1;
}

struct own_ep {
  json_t *ep;
  json_int_t seq;
  size_t idx; /* the network's place in ctx->nets: the order among equal Seq (old endpoints) */
};

static int own_ep_cmp(const void *a, const void *b)
{
  const struct own_ep *x = a, *y = b;
  if (x->seq != y->seq)
    return x->seq < y->seq ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The hosts file of cid: its --add-host lines, a line of its own for each network it is on in
 * the order it was attached (as docker's, which appends one at every connect and keeps the
 * rest), then peers on every user network it is on. */
static char *hosts_for(struct net_ctx *ctx, const char *cid, json_t *self)
{
  struct net_hosts_peer *peers = NULL;
  size_t n = 0, i, n_own = 0;
  json_t *net;
  const char *hostname = json_string_value(json_object_get(self, "Hostname"));
  autostrv char **add = jsonv_to_strv(json_object_get(self, "AddHosts"));
  autofree struct own_ep *own = xcalloc(json_array_size(ctx->nets) + 1, sizeof(*own));
  json_array_foreach (ctx->nets, i, net) {
    json_t *ep = net_ep_get(ctx, net, cid);
    if (ep)
      own[n_own++] = (struct own_ep){ep, ep_seq(ep), i};
  }
  qsort(own, n_own, sizeof(*own), own_ep_cmp);
  for (size_t k = 0; k < n_own; k++) {
    json_t *ep = own[k].ep;
    if (!add || !add[0]) { /* network connect: the first attach's --add-host lines */
      strv_free(add);
      add = jsonv_to_strv(json_object_get(ep, "AddHosts"));
    }
    if (!json_is_string(json_object_get(ep, "IP")))
      continue;
    peers = xrealloc(peers, (n + 1) * sizeof(*peers));
    peers[n].ip = json_string_value(json_object_get(ep, "IP"));
    peers[n].name = hostname;
    peers[n].aliases = NULL;
    n++;
  }
  json_array_foreach (ctx->nets, i, net) {
    if (!strcmp(json_string_value(json_object_get(net, "Name")), NET_DEFAULT_NAME) ||
        !net_ep_get(ctx, net, cid))
      continue;
    json_t *eps = net_eps(ctx, net);
    const char *oid;
    json_t *ep;
    json_object_foreach (eps, oid, ep) {
      if (!strcmp(oid, cid) || !json_is_string(json_object_get(ep, "IP")))
        continue;
      peers = xrealloc(peers, (n + 1) * sizeof(*peers));
      peers[n].ip = json_string_value(json_object_get(ep, "IP"));
      peers[n].name = json_string_value(json_object_get(ep, "Name"));
      peers[n].aliases = jsonv_to_strv(json_object_get(ep, "Aliases"));
      n++;
    }
  }
  char *text = net_hosts_render_peers(hostname, NULL, add, peers, n);
  for (size_t k = 0; k < n; k++)
    strv_free(peers[k].aliases);
  free(peers);
  return text;
}

void net_hosts_refresh(struct net_ctx *ctx, json_t *net, const char *skip)
{
  if (is_default(net))
    return; /* no name resolution on the default network, as in docker */
  /* only endpoints with a hosts file are listed in <netid>/hosts/: a network whose
   * containers have none costs one readdir, not a read of every endpoint */
  autostrv char **cids = net_hosts_list(ctx, net);
  for (char **c = cids; c && *c; c++) {
    if (skip && !strcmp(*c, skip))
      continue;
    json_t *ep = net_ep_get(ctx, net, *c);
    const char *path = json_string_value(json_object_get(ep, "HostsPath"));
    if (!path)
      continue;
    autofree char *text = hosts_for(ctx, *c, ep);
    net_write_in_place(path, text, false);
  }
}

static json_t *endpoint_new(const struct net_attach_req *req, const char *veth, const char *ifname,
                            uint32_t ip, json_t *ports)
{
  char b[16];
  json_t *ep = json_object();
  json_object_set_new(ep, "State", json_string("setup"));
  json_object_set_new(ep, "IP", json_string(net_ip_fmt(ip, b)));
  json_object_set_new(ep, "Veth", json_string(veth));
  json_object_set_new(ep, "Ifname", json_string(ifname));
  if (req->container_name)
    json_object_set_new(ep, "Name", json_string(req->container_name));
  if (req->hostname)
    json_object_set_new(ep, "Hostname", json_string(req->hostname));
  json_object_set_new(ep, "Aliases", jsonv_from_strv(req->aliases));
  json_object_set_new(ep, "AddHosts", jsonv_from_strv(req->add_hosts));
  if (req->hosts_path)
    json_object_set_new(ep, "HostsPath", json_string(req->hosts_path));
  json_object_set(ep, "Ports", ports);
  return ep;
}

static json_t *attach_network(struct net_ctx *ctx, const struct net_attach_req *req,
                              struct td_err **err)
{
  const char *name = req->network ? req->network : NET_DEFAULT_NAME;
  json_t *net = net_ctx_find(ctx, name);
  if (!net && !strcmp(name, NET_DEFAULT_NAME)) {
    struct net_create_req creq = {.name = NET_DEFAULT_NAME};
    net = net_ctx_create(ctx, &creq, err);
    if (!net)
      return NULL;
  }
  if (!net)
    /* dockerd finds it when it starts the container (docker run: no help line) */
    return err_set(err, 0, "network %s not found", name), err_mark(err, ERR_START), NULL;
  if (req->ip && !strcmp(json_string_value(json_object_get(net, "Name")), NET_DEFAULT_NAME))
    return err_set(err, EINVAL,
                   "user specified IP address is supported on user defined "
                   "networks only"),
           NULL;
  return net;
}

static void result_fill(json_t *net, json_t *ep, struct net_attach_result *res)
{
  struct net_info in;
  net_info_get(net, &in);
  snprintf(res->network_id, sizeof(res->network_id), "%s", in.id);
  snprintf(res->network_name, sizeof(res->network_name), "%s", in.name);
  snprintf(res->ip, sizeof(res->ip), "%s", json_string_value(json_object_get(ep, "IP")));
  net_ip_fmt(in.gateway, res->gateway);
  res->prefix = in.subnet.prefix;
  snprintf(res->host_ifname, sizeof(res->host_ifname), "%s",
           json_string_value(json_object_get(ep, "Veth")));
  json_t *ports = json_object_get(ep, "Ports");
  res->n_ports = json_array_size(ports);
  res->ports = res->n_ports ? xcalloc(res->n_ports, sizeof(*res->ports)) : NULL;
  for (size_t i = 0; i < res->n_ports; i++)
    net_port_from_json(json_array_get(ports, i), &res->ports[i]);
}

/* Map elements for the endpoint's ports; if our table is gone (nft flush ruleset), make it
 * and the network's elements again through libnftables, then retry once. */
static int ports_publish(struct net_ctx *ctx, json_t *net, json_t *ep, struct td_err **err)
{
  size_t np;
  autofree struct net_port *ports = ep_ports(ep, &np);
  if (net_nft_ports(ctx->table, ports, np, ep_ip(ep), true, err) == 0)
    return 0;
  if ((*err)->errnum != ENOENT)
    return -1;
  err_free(err);
  if (net_plumb_nft(ctx, net, err) < 0)
    return -1;
  return net_nft_ports(ctx->table, ports, np, ep_ip(ep), true, err);
}

struct claim_probe {
  struct net_ctx *ctx;
  json_t *net;
};

static bool ip_used(void *ud, uint32_t ip)
{
  struct claim_probe *c = ud;
  return net_ip_claimed(c->ctx, c->net, ip);
}

/* Address and ports, reclaiming dead endpoints once if the first try finds no room. */
static int attach_claims(struct net_ctx *ctx, json_t *net, const struct net_attach_req *req,
                         uint32_t *ip, json_t *ports, struct td_err **err)
{
  struct claim_probe cp = {ctx, net};
  uint32_t hint = net_ip_hint(ctx, net);
  if (net_ipam_pick(net, req->ip, hint, ip_used, &cp, ip, err) < 0) {
    if (req->ip || (*err)->errnum != ENOSPC)
      return -1;
    err_free(err); /* exhausted: reclaim dead containers' addresses, then try once more */
    net_ctx_gc(ctx, true);
    if (net_ipam_pick(net, NULL, hint, ip_used, &cp, ip, err) < 0) {
      /* the message says it; ENOSPC's "No space left on device" would send users to disks */
      if ((*err)->errnum == ENOSPC)
        (*err)->errnum = 0;
      return -1;
    }
  }
  if (net_ports_reserve(ctx, req->ports, req->n_ports, ports, err) < 0) {
    err_free(err);
    net_ctx_gc(ctx, true);
    json_array_clear(ports);
    if (net_ports_reserve(ctx, req->ports, req->n_ports, ports, err) < 0)
      return -1;
  }
  return 0;
}

static int attach_locked(struct net_ctx *ctx, const char *cid, const char *netns_path,
                         const struct net_attach_req *req, struct net_attach_result *res,
                         struct td_err **err)
{
  json_t *net = attach_network(ctx, req, err);
  if (!net)
    return -1;
  struct net_info in;
  net_info_get(net, &in);
  json_t *old = net_ep_get(ctx, net, cid);
  if (old) {
    const char *v = json_string_value(json_object_get(old, "Veth"));
    const char *st = json_string_value(json_object_get(old, "State"));
    if (st && !strcmp(st, "ready") && v && if_nametoindex(v) > 0)
      return err_set(err, EEXIST, "container %.12s is already connected to network %s", cid,
                     in.name);
    net_endpoint_release(ctx, net, cid, NULL);
  }
  uint32_t ip;
  autojson json_t *ports = json_array();
  if (attach_claims(ctx, net, req, &ip, ports, err) < 0 || net_plumb_ensure(ctx, net, err) < 0)
    return -1;
  autofree char *veth = veth_name(in.id, cid);
  autofree char *ifname = xasprintf("eth%zu", ifname_pick(ctx, cid));
  autojson json_t *ep = endpoint_new(req, veth, ifname, ip, ports);
  json_object_set_new(ep, "Seq", json_integer(next_seq(ctx, cid)));
  /* recorded (State setup) before any claim or device exists: a crash from here on is
   * found by the gc, which releases everything the record names */
  if (net_ep_put(ctx, net, cid, ep, false, err) < 0)
    return -1;
  int r = net_ip_claim(ctx, net, ip, cid, err);
  for (size_t i = 0; r == 0 && i < json_array_size(ports); i++) {
    struct net_port p;
    net_port_from_json(json_array_get(ports, i), &p);
    r = net_port_claim(ctx, &p, cid, err);
  }
  if (r == 0)
    r = veth_setup(&in, veth, ifname, netns_path, ip, req->mac, res, err);
  if (r == 0 && json_array_size(ports) > 0)
    r = ports_publish(ctx, net, ep, err);
  if (r == 0) {
    json_object_set_new(ep, "State", json_string("ready"));
    json_object_set_new(ep, "Mac", json_string(res->mac));
    r = net_ep_put(ctx, net, cid, ep, true, err);
  }
  if (r < 0) {
    net_endpoint_release(ctx, net, cid, NULL);
    return -1;
  }
  net_ip_hint_set(ctx, net, ip + 1);
  if (req->hosts_path) {
    if (!is_default(net))
      net_hosts_mark(ctx, net, cid, true);
    autofree char *text = hosts_for(ctx, cid, ep);
    net_write_in_place(req->hosts_path, text, true);
  }
  net_hosts_refresh(ctx, net, cid);
  result_fill(net, ep, res);
  return 0;
}

int net_attach(const char *root, const char *container_id, const char *netns_path,
               const struct net_attach_req *req, struct net_attach_result *res, struct td_err **err)
{
  memset(res, 0, sizeof(*res));
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  int r = attach_locked(&ctx, container_id, netns_path, req, res, err);
  net_ctx_close(&ctx);
  if (r < 0)
    return err_prefix(err, "connect container %.12s to network %s", container_id,
                      req->network ? req->network : NET_DEFAULT_NAME);
  events_log(root, "network", "connect", res->network_id, "container", container_id, "name",
             res->network_name, "type", "bridge", NULL);
  return 0;
}

void net_attach_result_free(struct net_attach_result *res)
{
  free(res->ports);
  res->ports = NULL;
  res->n_ports = 0;
}

static int release_all(const char *root, const char *container_id, char ***unplug,
                       struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  size_t i;
  json_t *net;
  json_array_foreach (ctx.nets, i, net)
    net_endpoint_release(&ctx, net, container_id, unplug);
  net_ctx_close(&ctx);
  return 0;
}

int net_release(const char *root, const char *container_id, char ***unplug, struct td_err **err)
{
  *unplug = NULL;
  return release_all(root, container_id, unplug, err);
}

void net_unplug(char **unplug)
{
  if (!unplug || !*unplug)
    return;
  autoerr struct td_err *e = NULL;
  struct tdnl *nl = tdnl_open(&e);
  /* by index: the name may already belong to a new veth of the same container (a restart) */
  for (char **u = unplug; nl && *u; u++) {
    tdnl_link_del_index(nl, atoi(*u), &e);
    err_free(&e);
  }
  tdnl_close(nl);
}

int net_detach(const char *root, const char *container_id, struct td_err **err)
{
  return release_all(root, container_id, NULL, err);
}

int net_disconnect(const char *root, const char *network, const char *container_id,
                   struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  json_t *net = net_ctx_find(&ctx, network);
  int r = 0;
  if (!net)
    r = err_set(err, ENOENT, "network %s not found", network);
  else if (!net_ep_get(&ctx, net, container_id))
    r = err_set(err, ENOENT, "container %.12s is not connected to network %s", container_id,
                network);
  else {
    events_log(root, "network", "disconnect", json_string_value(json_object_get(net, "Id")),
               "container", container_id, "name", json_string_value(json_object_get(net, "Name")),
               "type", "bridge", NULL);
    net_endpoint_release(&ctx, net, container_id, NULL);
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

int net_gc(const char *root, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  net_ctx_gc(&ctx, true);
  net_ctx_close(&ctx);
  return 0;
}
