/* network create: validation (before anything is made), subnet choice, the bridge device and
 * the network's nft set elements. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/net-int.h"
#include "net/nft.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/timefmt.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Host-wide: two engines with different roots must not pick the same subnet or bridge. */
#define NET_HOST_LOCK "/run/tinydocker-net.lock"

struct create_opts {
  struct net_cidr subnet, range;
  uint32_t gateway;
  json_t *aux;     /* borrowed from the request's IPAM config */
  bool unprefixed; /* the error is docker's daemon's, worded as it words it */
  unsigned mtu;
  char *bridge;
};

static bool name_valid(const char *n)
{
  if (!n || !*n || strlen(n) > 100)
    return false;
  for (const char *p = n; *p; p++) {
    bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
    if (!alnum && (p == n || (*p != '_' && *p != '.' && *p != '-')))
      return false;
  }
  return true;
}

/* Subnet collides with one of ours (named in the error) or with a host route. */
static int subnet_check(struct net_ctx *ctx, const struct net_cidr *c, struct td_err **err)
{
  size_t i;
  json_t *n;
  char b[16];
  json_array_foreach (ctx->nets, i, n) {
    struct net_info in;
    net_info_get(n, &in);
    if (net_cidr_overlap(c, &in.subnet))
      return err_set(err, EEXIST, "subnet %s/%d overlaps with network %s (%s)",
                     net_ip_fmt(c->addr, b), c->prefix, in.name,
                     json_string_value(json_object_get(n, "Subnet")));
  }
  autofree struct net_cidr *routes = NULL;
  size_t nr = net_host_routes(&routes);
  for (size_t r = 0; r < nr; r++)
    if (net_cidr_overlap(c, &routes[r])) {
      char rb[16];
      return err_set(err, EEXIST, "subnet %s/%d overlaps with host route %s/%d",
                     net_ip_fmt(c->addr, b), c->prefix, net_ip_fmt(routes[r].addr, rb),
                     routes[r].prefix);
    }
  return 0;
}

/* The pool: 172.30-31.0.0/16, 10.200-255.0.0/16, 192.168.200-255.0/24. */
static int subnet_pick(struct net_ctx *ctx, struct net_cidr *out, struct td_err **err)
{
  for (unsigned i = 0; i < 2 + 56 + 56; i++) {
    struct net_cidr c;
    if (i < 2)
      c = (struct net_cidr){(172u << 24) | ((30u + i) << 16), 16};
    else if (i < 58)
      c = (struct net_cidr){(10u << 24) | ((200u + i - 2) << 16), 16};
    else
      c = (struct net_cidr){(192u << 24) | (168u << 16) | ((200u + i - 58) << 8), 24};
    autoerr struct td_err *e = NULL;
    if (subnet_check(ctx, &c, &e) == 0) {
      *out = c;
      return 0;
    }
  }
  return err_set(err, ENOSPC, "no free subnet left in the pool");
}

static int opts_parse(struct net_ctx *ctx, const struct net_create_req *req, json_t *options,
                      struct create_opts *o, struct td_err **err)
{
  o->mtu = 1500;
  for (char **p = req->options; p && *p; p++) {
    const char *eq = strchr(*p, '=');
    if (!eq)
      return err_set(err, EINVAL, "invalid option \"%s\": want KEY=VALUE", *p);
    autofree char *k = xstrndup(*p, (size_t)(eq - *p));
    if (strcmp(k, "com.docker.network.bridge.name") == 0) {
      if (!eq[1] || strlen(eq + 1) >= IFNAMSIZ || strchr(eq + 1, '/'))
        return err_set(err, EINVAL, "invalid bridge name \"%s\"", eq + 1);
      free(o->bridge);
      o->bridge = xstrdup(eq + 1);
    } else if (strcmp(k, "com.docker.network.driver.mtu") == 0) {
      char *end;
      unsigned long m = strtoul(eq + 1, &end, 10);
      if (*end || m < 68 || m > 65535)
        return err_set(err, EINVAL, "invalid MTU \"%s\"", eq + 1);
      o->mtu = (unsigned)m;
    }
    json_object_set_new(options, k, json_string(eq + 1));
  }
  (void)ctx;
  return 0;
}

/* --aux-address: each a host address of the subnet that is not the gateway nor another one
 * (docker's wording: its IPAM allocates them). */
static int aux_check(struct create_opts *o, struct td_err **err)
{
  uint32_t mask = 0xffffffffu << (32 - o->subnet.prefix);
  uint32_t bcast = o->subnet.addr | ~mask;
  const char *k;
  json_t *v;
  autojson json_t *seen = json_object();
  json_object_foreach (o->aux, k, v) {
    uint32_t ip;
    const char *s = json_string_value(v);
    if (net_ip_parse(s, &ip, err) < 0)
      return -1;
    o->unprefixed = true;
    if (!net_cidr_contains(&o->subnet, ip) || ip == o->subnet.addr || ip == bcast)
      return err_set(err, 0, "failed to allocate secondary ip address (%s:%s): %s", k, s,
                     "not a host address of the subnet");
    if (ip == o->gateway || json_object_get(seen, s))
      return err_set(err, 0, "failed to allocate secondary ip address (%s:%s): %s", k, s,
                     "Address already in use");
    json_object_set_new(seen, s, json_true());
    o->unprefixed = false;
  }
  return 0;
}

static int addrs_parse(struct net_ctx *ctx, const struct net_create_req *req, struct create_opts *o,
                       struct td_err **err)
{
  o->aux = json_object_get(json_array_get(req->ipam_config, 0), "AuxiliaryAddresses");
  if (req->subnet) {
    if (net_cidr_parse(req->subnet, false, &o->subnet, err) < 0)
      return -1;
    if (o->subnet.prefix > 30 || o->subnet.prefix < 8)
      return err_set(err, EINVAL, "invalid subnet %s: prefix must be between /8 and /30",
                     req->subnet);
    if (subnet_check(ctx, &o->subnet, err) < 0)
      return -1;
  } else {
    if (req->gateway || req->ip_range)
      return err_set(err, EINVAL, "--gateway and --ip-range need --subnet");
    if (subnet_pick(ctx, &o->subnet, err) < 0)
      return -1;
  }
  uint32_t mask = 0xffffffffu << (32 - o->subnet.prefix);
  uint32_t bcast = o->subnet.addr | ~mask;
  o->gateway = o->subnet.addr + 1;
  if (req->gateway) {
    if (net_ip_parse(req->gateway, &o->gateway, err) < 0)
      return -1;
    if (!net_cidr_contains(&o->subnet, o->gateway) || o->gateway == o->subnet.addr ||
        o->gateway == bcast)
      return err_set(err, EINVAL, "gateway %s is not a host address of subnet %s", req->gateway,
                     req->subnet);
  }
  o->range = o->subnet;
  if (req->ip_range) {
    if (net_cidr_parse(req->ip_range, false, &o->range, err) < 0)
      return -1;
    if (o->range.prefix < o->subnet.prefix || !net_cidr_contains(&o->subnet, o->range.addr))
      return err_set(err, EINVAL, "ip-range %s is not inside subnet %s", req->ip_range,
                     req->subnet);
    /* docker's IPAM takes the gateway it picks from the range: its first host address */
    if (!req->gateway)
      o->gateway = o->range.addr > o->subnet.addr ? o->range.addr : o->subnet.addr + 1;
  }
  return aux_check(o, err);
}

/* docker's IPAM.Config: what was asked for (a subnet alone has no Gateway there), or the picked
 * subnet and its gateway. */
static json_t *ipam_config_new(const struct net_create_req *req, const char *subnet,
                               const char *gateway)
{
  if (req->ipam_config)
    return json_deep_copy(req->ipam_config);
  if (req->subnet) {
    json_t *c = json_pack("{s:s}", "Subnet", subnet);
    if (req->ip_range)
      json_object_set_new(c, "IPRange", json_string(req->ip_range));
    if (req->gateway)
      json_object_set_new(c, "Gateway", json_string(gateway));
    return json_pack("[o]", c);
  }
  return json_pack("[{s:s,s:s}]", "Subnet", subnet, "Gateway", gateway);
}

static json_t *record_new(const struct net_create_req *req, const struct create_opts *o,
                          json_t *options, json_t *labels, const char *id)
{
  char b[16];
  autofree char *created = time_now_rfc3339(true); /* docker's RFC 3339 with nanoseconds */
  autofree char *subnet = xasprintf("%s/%d", net_ip_fmt(o->subnet.addr, b), o->subnet.prefix);
  autofree char *range = xasprintf("%s/%d", net_ip_fmt(o->range.addr, b), o->range.prefix);
  json_t *j = json_object();
  json_object_set_new(j, "Id", json_string(id));
  json_object_set_new(j, "Name", json_string(req->name));
  json_object_set_new(j, "Created", json_string(created));
  json_object_set_new(j, "Driver", json_string("bridge"));
  json_object_set_new(j, "Internal", json_boolean(req->internal));
  json_object_set_new(j, "Subnet", json_string(subnet));
  json_object_set_new(j, "Gateway", json_string(net_ip_fmt(o->gateway, b)));
  if (req->ip_range)
    json_object_set_new(j, "IPRange", json_string(range));
  if (o->aux && json_object_size(o->aux))
    json_object_set(j, "AuxiliaryAddresses", o->aux);
  json_object_set_new(j, "IPAMConfig", ipam_config_new(req, subnet, net_ip_fmt(o->gateway, b)));
  json_object_set_new(j, "Bridge", json_string(o->bridge));
  json_object_set_new(j, "MTU", json_integer(o->mtu));
  json_object_set(j, "Labels", labels);
  json_object_set(j, "Options", options);
  return j;
}

static char **plumb_nft_cmds(const char *table, const struct net_info *in, bool add)
{
  char **v = xcalloc(6, sizeof(char *));
  const char *verb = add ? "add" : "delete";
  char b[16];
  v[0] = xasprintf("%s element inet %s bridges { \"%s\" }", verb, table, in->bridge);
  v[1] =
      xasprintf("%s element inet %s same { \"%s\" . \"%s\" }", verb, table, in->bridge, in->bridge);
  if (in->internal)
    v[2] = xasprintf("%s element inet %s internal { \"%s\" }", verb, table, in->bridge);
  else
    v[2] = xasprintf("%s element inet %s masq { %s/%d }", verb, table,
                     net_ip_fmt(in->subnet.addr, b), in->subnet.prefix);
  v[3] = xasprintf("%s element inet %s hairpin { %s/%d . \"%s\" }", verb, table,
                   net_ip_fmt(in->subnet.addr, b), in->subnet.prefix, in->bridge);
  return v;
}

int net_plumb_nft(struct net_ctx *ctx, json_t *net, struct td_err **err)
{
  struct net_info in;
  net_info_get(net, &in);
  struct nft *nft = net_ctx_nft(ctx, err);
  if (!nft)
    return -1;
  autostrv char **cmds = plumb_nft_cmds(ctx->table, &in, true);
  autofree char *all = strv_join(cmds, "\n");
  return nft_run(nft, all, err);
}

/* Bridge up with the gateway address, sysctls, nft elements. */
static int plumb_up(struct net_ctx *ctx, json_t *net, struct td_err **err)
{
  struct net_info in;
  net_info_get(net, &in);
  struct tdnl *nl = tdnl_open(err);
  if (!nl)
    return -1;
  int idx = tdnl_bridge_create(nl, in.bridge, in.mtu, err);
  int r = idx < 0 ? -1 : 0;
  if (r == 0)
    r = tdnl_addr_add(nl, idx, in.gateway, in.subnet.prefix, err);
  if (r == 0)
    r = tdnl_link_up(nl, idx, 0, err);
  tdnl_close(nl);
  autofree char *rl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", in.bridge);
  if (r == 0)
    r = net_sysctl(rl, "1", err);
  if (r == 0 && !in.internal)
    r = net_sysctl("/proc/sys/net/ipv4/ip_forward", "1", err);
  if (r == 0)
    r = net_plumb_nft(ctx, net, err);
  return r < 0 ? err_prefix(err, "set up bridge %s", in.bridge) : 0;
}

/* Undo plumb_up; everything is best effort and idempotent. */
void net_plumb_down(struct net_ctx *ctx, json_t *net)
{
  struct net_info in;
  net_info_get(net, &in);
  autoerr struct td_err *e = NULL;
  struct nft *nft = net_ctx_nft(ctx, &e);
  if (nft) {
    autostrv char **cmds = plumb_nft_cmds(ctx->table, &in, false);
    nft_run_each_quiet(nft, cmds);
  }
  struct tdnl *nl = tdnl_open(&e);
  if (nl) {
    err_free(&e);
    tdnl_link_del(nl, in.bridge, &e);
    tdnl_close(nl);
  }
}

int net_plumb_ensure(struct net_ctx *ctx, json_t *net, struct td_err **err)
{
  struct net_info in;
  net_info_get(net, &in);
  if (if_nametoindex(in.bridge) > 0)
    return 0;
  autoerr struct td_err *le = NULL;
  int hl = lock_acquire(NET_HOST_LOCK, "the host's bridges (" NET_HOST_LOCK ")", &le);
  int r = plumb_up(ctx, net, err);
  lock_release(hl);
  return r;
}

json_t *net_ctx_create(struct net_ctx *ctx, const struct net_create_req *req, struct td_err **err)
{
  if (!name_valid(req->name))
    return err_set(err, EINVAL, "invalid network name \"%s\"", req->name ? req->name : ""), NULL;
  if (req->driver && strcmp(req->driver, "bridge") != 0)
    return err_set(err, EINVAL, "network driver \"%s\" is not supported (only bridge)",
                   req->driver),
           NULL;
  /* docker's daemon's words for what its bridge driver and IPAM refuse */
  if (req->ipam_driver && strcmp(req->ipam_driver, "default") != 0)
    return err_set(err, 0, "plugin \"%s\" not found", req->ipam_driver), NULL;
  if (json_array_size(req->ipam_config) > 1)
    return err_set(err, 0, "bridge driver doesn't support multiple subnets"), NULL;
  if (!strcmp(req->name, "host") || !strcmp(req->name, "none") || !strcmp(req->name, "default"))
    return err_set(err, EINVAL, "network name \"%s\" is reserved", req->name), NULL;
  if (net_ctx_find(ctx, req->name))
    return err_set(err, 0, "network with name %s already exists", req->name), NULL;
  autojson json_t *labels = json_object();
  for (char **l = req->labels; l && *l; l++) {
    const char *eq = strchr(*l, '=');
    autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
    json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
  }
  autojson json_t *options = json_object();
  struct create_opts o = {0};
  autofree char *bridge_owned = NULL;
  autoerr struct td_err *le = NULL;
  int hl = lock_acquire(NET_HOST_LOCK, "the host's bridges (" NET_HOST_LOCK ")", &le);
  autofree char *id = net_new_id();
  json_t *net = NULL;
  if (opts_parse(ctx, req, options, &o, err) < 0 || addrs_parse(ctx, req, &o, err) < 0)
    goto out;
  bridge_owned = o.bridge;
  if (!o.bridge) {
    char real[PATH_MAX];
    const char *r = realpath(ctx->root, real) ? real : ctx->root;
    if (!strcmp(req->name, NET_DEFAULT_NAME) && !strcmp(r, "/var/lib/tinydocker"))
      bridge_owned = o.bridge = xstrdup("td0");
    else
      bridge_owned = o.bridge =
          xasprintf("tdb%012llx", (unsigned long long)(net_hash(id, r) >> 16));
  }
  if (if_nametoindex(o.bridge) > 0) {
    err_set(err, EEXIST, "bridge device %s already exists", o.bridge);
    goto out;
  }
  net = record_new(req, &o, options, labels, id);
  /* the record first, marked: a creator killed while plumbing leaves a record the next
   * opener of the store (under this lock) undoes, never a bridge and nft elements no record
   * names (net_ctx_open) */
  json_object_set_new(net, "State", json_string("creating"));
  bool saved = net_ctx_save(ctx, net, err) == 0;
  json_object_del(net, "State");
  if (!saved || plumb_up(ctx, net, err) < 0 || net_ctx_save(ctx, net, err) < 0) {
    net_plumb_down(ctx, net);
    autofree char *p = xasprintf("%s/%s.json", ctx->dir, id);
    unlink(p);
    json_decref(net);
    net = NULL;
    goto out;
  }
  json_array_append(ctx->nets, net);
  json_decref(net);
out:
  lock_release(hl);
  if (!net && !o.unprefixed)
    err_prefix(err, "create network %s", req->name);
  return net;
}

int net_create(const char *root, const struct net_create_req *req, char **id_out,
               struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  json_t *net = net_ctx_create(&ctx, req, err);
  if (net && id_out)
    *id_out = xstrdup(json_string_value(json_object_get(net, "Id")));
  if (net)
    events_log(root, "network", "create", json_string_value(json_object_get(net, "Id")), "name",
               json_string_value(json_object_get(net, "Name")), "type", "bridge", NULL);
  net_ctx_close(&ctx);
  return net ? 0 : -1;
}

int net_ensure_default(const char *root, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  int r = 0;
  if (!net_ctx_find(&ctx, NET_DEFAULT_NAME)) {
    struct net_create_req req = {.name = NET_DEFAULT_NAME};
    r = net_ctx_create(&ctx, &req, err) ? 0 : -1;
  }
  net_ctx_close(&ctx);
  return r;
}
