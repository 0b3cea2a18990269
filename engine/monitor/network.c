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
  struct net_attach_result res = {0};
  if (net_attach(m->ctx->root, m->id, nspath, &req, &res, err) < 0)
    return err_prefix(err, "network");
  record_set_attached(m->rec, &res, aliases, true);
  net_attach_result_free(&res);
  return 0;
}
