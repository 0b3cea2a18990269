/* Connecting a container: IP from the network's record, a veth pair whose peer is created
 * straight inside the container's netns, addresses and routes set over a netlink socket
 * opened in that netns, published ports as nft map elements, hosts files kept current
 * (hostsync.c). Disconnecting and reclaiming endpoints is detach.c. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "net/nl.h"
#include "util/jsonv.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/fileio.h"
#include "util/xalloc.h"

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
  autofree struct net_port *ports = net_ep_ports(ep, &np);
  if (net_nft_ports(ctx->table, ports, np, net_ep_ip(ep), true, err) == 0)
    return 0;
  if ((*err)->errnum != ENOENT)
    return -1;
  err_free(err);
  if (net_plumb_nft(ctx, net, err) < 0)
    return -1;
  return net_nft_ports(ctx->table, ports, np, net_ep_ip(ep), true, err);
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
  json_object_set_new(ep, "Seq", json_integer(net_ep_next_seq(ctx, cid)));
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
    if (!net_is_default(net))
      net_hosts_mark(ctx, net, cid, true);
    autofree char *text = net_hosts_for(ctx, cid, ep);
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
