/* network rm / ls / inspect / prune, and cleanup of everything of ours. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net-int.h"
#include "net/nft.h"
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* docker's inspect shape, built from our record. */
static json_t *inspect_obj(struct net_ctx *ctx, json_t *net)
{
  /* docker's IPAM.Config as asked for (IPAMConfig); a record of an older store has none */
  json_t *cfgs = NULL;
  if (json_is_array(json_object_get(net, "IPAMConfig"))) {
    cfgs = json_array();
    size_t k;
    json_t *c;
    json_array_foreach (json_object_get(net, "IPAMConfig"), k, c) { /* docker's field order */
      json_t *o = json_object();
      static const char *const keys[] = {"Subnet", "IPRange", "Gateway", "AuxiliaryAddresses"};
      for (size_t f = 0; f < 4; f++)
        if (json_object_get(c, keys[f]))
          json_object_set(o, keys[f], json_object_get(c, keys[f]));
      json_array_append_new(cfgs, o);
    }
  } else {
    json_t *cfg = json_pack("{s:O,s:O}", "Subnet", json_object_get(net, "Subnet"), "Gateway",
                            json_object_get(net, "Gateway"));
    if (json_object_get(net, "IPRange"))
      json_object_set(cfg, "IPRange", json_object_get(net, "IPRange"));
    cfgs = json_pack("[o]", cfg);
  }
  json_t *containers = json_object();
  const char *prefix = strchr(json_string_value(json_object_get(net, "Subnet")), '/');
  const char *cid;
  json_t *ep;
  json_object_foreach (net_eps(ctx, net), cid, ep) {
    autofree char *addr =
        xasprintf("%s%s", json_string_value(json_object_get(ep, "IP")), prefix ? prefix : "");
    json_t *name = json_object_get(ep, "Name");
    json_object_set_new(
        containers, cid,
        json_pack(
            "{s:O,s:s,s:O,s:s,s:s,s:O}", "Name", name ? name : json_string(""), "EndpointID", cid,
            "MacAddress", json_object_get(ep, "Mac") ? json_object_get(ep, "Mac") : json_string(""),
            "IPv4Address", addr, "IPv6Address", "", "Aliases", json_object_get(ep, "Aliases")));
  }
  json_t *opts = json_deep_copy(json_object_get(net, "Options"));
  if (!opts)
    opts = json_object();
  json_object_set(opts, "com.docker.network.bridge.name", json_object_get(net, "Bridge"));
  return json_pack("{s:O,s:O,s:O,s:s,s:s,s:b,s:{s:s,s:{},s:o},s:O,s:b,s:b,s:{s:s},s:b,s:o,s:o,s:O}",
                   "Name", json_object_get(net, "Name"), "Id", json_object_get(net, "Id"),
                   "Created", json_object_get(net, "Created"), "Scope", "local", "Driver", "bridge",
                   "EnableIPv6", 0, "IPAM", "Driver", "default", "Options", "Config", cfgs,
                   "Internal", json_object_get(net, "Internal"), "Attachable", 0, "Ingress", 0,
                   "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers", containers,
                   "Options", opts, "Labels",
                   json_object_get(net, "Labels") ? json_object_get(net, "Labels") : json_object());
}

int net_list(const char *root, json_t **out, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  net_ctx_gc(&ctx, true);
  json_t *a = json_array();
  size_t i;
  json_t *net;
  json_array_foreach (ctx.nets, i, net)
    json_array_append_new(a, inspect_obj(&ctx, net));
  net_ctx_close(&ctx);
  *out = a;
  return 0;
}

int net_inspect(const char *root, const char *name_or_id, json_t **out, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  net_ctx_gc(&ctx, true);
  json_t *net = net_ctx_find(&ctx, name_or_id);
  if (net)
    *out = inspect_obj(&ctx, net);
  net_ctx_close(&ctx);
  if (!net)
    return err_set(err, ENOENT, "network %s not found", name_or_id);
  return 0;
}

static int remove_locked(struct net_ctx *ctx, json_t *net, struct td_err **err)
{
  const char *name = json_string_value(json_object_get(net, "Name"));
  size_t n = json_object_size(net_eps(ctx, net));
  if (n > 0)
    return err_set(err, EBUSY, "network %s has %zu active endpoint%s", name, n, n > 1 ? "s" : "");
  net_plumb_down(ctx, net);
  autofree char *p =
      xasprintf("%s/%s.json", ctx->dir, json_string_value(json_object_get(net, "Id")));
  if (unlink(p) < 0 && errno != ENOENT)
    return err_set(err, errno, "remove %s", p);
  net_ep_dir_remove(ctx, net);
  return 0;
}

int net_remove(const char *root, const char *name_or_id, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  json_t *net = net_ctx_find(&ctx, name_or_id);
  int r;
  if (!net) {
    /* docker's CLI looks the network up first, and words it */
    err_set(err, 0, "No such network: %s", name_or_id);
    r = err_mark(err, ERR_CLI);
  } else if (!strcmp(json_string_value(json_object_get(net, "Name")), NET_DEFAULT_NAME)) {
    r = err_set(err, 0, "bridge is a pre-defined network and cannot be removed");
    err_mark(err, ERR_SERVER);
  } else {
    net_ctx_gc(&ctx, true);
    autofree char *id = xstrdup(json_string_value(json_object_get(net, "Id")));
    autofree char *name = xstrdup(json_string_value(json_object_get(net, "Name")));
    r = remove_locked(&ctx, net, err);
    if (r < 0)
      err_prefix(err, "remove network %s", name_or_id);
    if (r == 0)
      events_log(root, "network", "destroy", id, "name", name, "type", "bridge", NULL);
  }
  net_ctx_close(&ctx);
  return r < 0 ? -1 : 0;
}

int net_prune(const char *root, char ***removed, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  net_ctx_gc(&ctx, true);
  size_t i;
  json_t *net;
  json_array_foreach (ctx.nets, i, net) {
    const char *name = json_string_value(json_object_get(net, "Name"));
    if (!strcmp(name, NET_DEFAULT_NAME) || json_object_size(net_eps(&ctx, net)))
      continue;
    autoerr struct td_err *e = NULL;
    autofree char *id = xstrdup(json_string_value(json_object_get(net, "Id")));
    autofree char *nm = xstrdup(name);
    if (remove_locked(&ctx, net, &e) == 0) {
      events_log(root, "network", "destroy", id, "name", nm, "type", "bridge", NULL);
      if (removed)
        strv_push(removed, nm);
    }
  }
  net_ctx_close(&ctx);
  return 0;
}

int net_cleanup(const char *root, struct td_err **err)
{
  struct net_ctx ctx;
  if (net_ctx_open(root, &ctx, err) < 0)
    return -1;
  size_t i;
  json_t *net;
  json_array_foreach (ctx.nets, i, net) {
    autostrv char **cids = NULL;
    const char *cid;
    json_t *ep;
    json_object_foreach (net_eps(&ctx, net), cid, ep)
      strv_push(&cids, cid);
    for (char **c = cids; c && *c; c++)
      net_endpoint_release(&ctx, net, *c, NULL);
    net_plumb_down(&ctx, net);
    autofree char *p =
        xasprintf("%s/%s.json", ctx.dir, json_string_value(json_object_get(net, "Id")));
    unlink(p);
    net_ep_dir_remove(&ctx, net);
  }
  autofree char *ports = xasprintf("%s/ports", ctx.dir);
  autoerr struct td_err *e = NULL;
  rm_rf(ports, &e);
  int r = nft_table_delete(ctx.table, err);
  net_ctx_close(&ctx);
  return r;
}

int net_cleanup_orphans(char ***removed, struct td_err **err)
{
  autostrv char **tables = NULL;
  autostrv char **bridges = NULL;
  if (nft_orphans(&tables, &bridges, err) < 0)
    return -1;
  struct tdnl *nl = bridges ? tdnl_open(err) : NULL;
  if (bridges && !nl)
    return -1;
  for (char **b = bridges; b && *b; b++) {
    autoerr struct td_err *e = NULL;
    tdnl_bridge_del_ports(nl, *b, &e);
    err_free(&e);
    if (tdnl_link_del(nl, *b, &e) == 0 && removed)
      strv_push_owned(removed, xasprintf("bridge %s", *b));
  }
  tdnl_close(nl);
  for (char **t = tables; t && *t; t++) {
    autoerr struct td_err *e = NULL;
    if (nft_table_delete(*t, &e) == 0 && removed)
      strv_push_owned(removed, xasprintf("nft table inet %s", *t));
  }
  return 0;
}
