/* The monitor's network step: the container's init exists (its network namespace), so the
 * endpoint is attached (net/) and the record gets what inspect shows of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/container/runflags.h"
#include "engine/monitor/internal.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct later {
  char *network;
  char **aliases;
};

static void later_free(struct later **v)
{
  for (struct later *l = *v; l && l->network; l++) {
    free(l->network);
    strv_free(l->aliases);
  }
  free(*v);
}

/* The networks connected while the container was not running, after its own, in the order
 * they were connected (docker's: its hosts lines follow that order too), each with the aliases
 * given to that connect. A failure undoes every attach of this start. */
static int attach_later(struct mon *m, const char *nspath, const struct net_attach_req *own,
                        const struct later *later, struct td_err **err)
{
  for (const struct later *l = later; l && l->network; l++) {
    if (record_endpoint(m->rec, l->network))
      continue; /* the container's own network */
    struct net_attach_req req = {.network = l->network,
                                 .container_name = own->container_name,
                                 .hostname = own->hostname,
                                 .hosts_path = own->hosts_path,
                                 .aliases = l->aliases,
                                 .add_hosts = own->add_hosts};
    struct net_attach_result res = {0};
    if (net_attach(m->ctx->root, m->id, nspath, &req, &res, err) < 0) {
      autoerr struct td_err *e = NULL;
      if (net_detach(m->ctx->root, m->id, &e) < 0)
        err_warn(&e, "undo start: network detach");
      return err_prefix(err, "network");
    }
    record_set_attached(m->rec, &res, l->aliases, false);
    net_attach_result_free(&res);
  }
  return 0;
}

int mon_attach_network(struct mon *m, struct td_err **err)
{
  const struct ctr_record *r = m->rec;
  const char *mode = r->host.network_mode;
  if (mode == NULL || !eng_mode_has_endpoints(mode))
    return 0;
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)m->io.pid);
  /* -p, parsed when the record was loaded; a string that did not parse fails here, as the
   * parse itself did */
  if (r->td.ports_err)
    return err_set(err, r->td.ports_err->errnum, "%s", r->td.ports_err->msg);
  autofree char *hosts = xasprintf("%s/hosts", m->dir);
  const char *name = r->name;
  /* an empty list is none (the endpoint's Aliases: null) */
  char **aliases = r->td.aliases && r->td.aliases[0] ? r->td.aliases : NULL;
  char **add_hosts = r->td.add_hosts && r->td.add_hosts[0] ? r->td.add_hosts : NULL;
  const char *net = strcmp(mode, "bridge") == 0 || strcmp(mode, "default") == 0 ? NULL : mode;
  /* --link: the targets' lines, found now (their addresses are those of this start) */
  autostrv char **with_links = NULL;
  if (r->host.links) {
    for (char **h = add_hosts; h && *h; h++)
      strv_push(&with_links, *h);
    if (runflags_link_hosts(m->ctx, r, net, &with_links, err) < 0)
      return -1;
    add_hosts = with_links;
  }
  uint8_t mac[6];
  bool has_mac = runflags_mac(r->config.mac_address, mac) == 0;
  struct net_attach_req req = {
      .network = strcmp(mode, "bridge") == 0 || strcmp(mode, "default") == 0 ? NULL : mode,
      .container_name = name && name[0] == '/' ? name + 1 : name,
      .hostname = r->config.hostname,
      .ip = r->td.ip,
      .ports = r->td.ports,
      .n_ports = r->td.n_ports,
      .hosts_path = hosts,
      .aliases = aliases,
      .add_hosts = add_hosts,
      .mac = has_mac ? mac : NULL,
  };
  /* the networks connected before this start (the record's other endpoints), kept by name in
   * their order: the attach below replaces the record's list */
  __attribute__((cleanup(later_free))) struct later *later =
      xcalloc(r->net.n_nets + 1, sizeof(*later));
  for (size_t i = 0; i < r->net.n_nets; i++)
    later[i] = (struct later){xstrdup(r->net.nets[i].network), strv_dup(r->net.nets[i].aliases)};
  struct net_attach_result res = {0};
  if (net_attach(m->ctx->root, m->id, nspath, &req, &res, err) < 0)
    return err_prefix(err, "network");
  record_set_attached(m->rec, &res, aliases, true);
  net_attach_result_free(&res);
  return attach_later(m, nspath, &req, later, err);
}
