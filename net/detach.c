/* Disconnecting a container: an endpoint released (nft elements, claims, its veth, now or
 * later by index: net_unplug), the network's hosts files rewritten; and the reclaiming of
 * endpoints whose container or setup died (net_gc, net_ctx_gc). */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/strv.h"

void net_endpoint_release(struct net_ctx *ctx, json_t *net, const char *cid, char ***unplug)
{
  /* our own reference: net_ep_del drops the one the network holds */
  autojson json_t *ep = json_incref(net_ep_get(ctx, net, cid));
  if (!ep)
    return;
  autoerr struct td_err *e = NULL;
  size_t np;
  autofree struct net_port *ports = net_ep_ports(ep, &np);
  if (np && net_nft_ports(ctx->table, ports, np, net_ep_ip(ep), false, &e) < 0) {
    /* one missing element fails the whole batch: fall back to one delete at a time */
    err_free(&e);
    for (size_t i = 0; i < np; i++) {
      net_nft_ports(ctx->table, &ports[i], 1, net_ep_ip(ep), false, &e);
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
  net_ip_unclaim(ctx, net, net_ep_ip(ep), cid);
  if (!net_is_default(net)) /* marks only matter where net_hosts_refresh works */
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

int net_gc(const char *root, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  net_ctx_gc(&ctx, true);
  net_ctx_close(&ctx);
  return 0;
}
