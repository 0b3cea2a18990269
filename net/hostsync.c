/* The hosts files of the containers on a user network kept current: each one's text (its
 * --add-host lines, its own addresses, its peers with their aliases), rewritten in place at
 * every connect and disconnect. */
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* The order cid's endpoints were attached in: each endpoint's "Seq", one past the highest of
 * cid's others when it was made (an endpoint of an older engine has none: 0). */
static json_int_t ep_seq(json_t *ep)
{
  return json_integer_value(json_object_get(ep, "Seq"));
}

json_int_t net_ep_next_seq(struct net_ctx *ctx, const char *cid)
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
char *net_hosts_for(struct net_ctx *ctx, const char *cid, json_t *self)
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
  if (net_is_default(net))
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
    autofree char *text = net_hosts_for(ctx, *c, ep);
    net_write_in_place(path, text, false);
  }
}
