/* The monitor's network step: the container's init exists (its network namespace), so the
 * endpoint is attached (net/) and the record gets what inspect shows of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/monitor/internal.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

int mon_attach_network(struct mon *m, struct td_err **err)
{
  const char *mode = rec_str(m->rec, "HostConfig.NetworkMode");
  if (mode == NULL || !eng_mode_has_endpoints(mode))
    return 0;
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)m->io.pid);
  struct net_port *ports = NULL;
  size_t nports = 0;
  json_t *pub = json_object_get(json_object_get(m->rec, "Td"), "Publish");
  size_t i;
  json_t *e;
  json_array_foreach (pub, i, e) {
    if (net_port_parse(json_string_value(e), &ports, &nports, err) < 0) {
      free(ports);
      return -1;
    }
  }
  autofree char *hosts = xasprintf("%s/hosts", m->dir);
  const char *name = rec_str(m->rec, "Name");
  autostrv char **aliases = NULL;
  autostrv char **add_hosts = NULL;
  json_array_foreach (json_object_get(json_object_get(m->rec, "Td"), "Aliases"), i, e)
    strv_push(&aliases, json_string_value(e));
  json_array_foreach (json_object_get(json_object_get(m->rec, "Td"), "AddHosts"), i, e)
    strv_push(&add_hosts, json_string_value(e));
  struct net_attach_req req = {
      .network = strcmp(mode, "bridge") == 0 || strcmp(mode, "default") == 0 ? NULL : mode,
      .container_name = name && name[0] == '/' ? name + 1 : name,
      .hostname = rec_str(m->rec, "Config.Hostname"),
      .ip = rec_str(m->rec, "Td.IP"),
      .ports = ports,
      .n_ports = nports,
      .hosts_path = hosts,
      .aliases = aliases,
      .add_hosts = add_hosts,
  };
  struct net_attach_result res = {0};
  int rc = net_attach(m->ctx->root, m->id, nspath, &req, &res, err);
  free(ports);
  if (rc < 0)
    return err_prefix(err, "network");
  json_t *ns = json_object_get(m->rec, "NetworkSettings");
  json_object_set_new(ns, "IPAddress", json_string(res.ip));
  json_object_set_new(ns, "Gateway", json_string(res.gateway));
  json_object_set_new(ns, "IPPrefixLen", json_integer(res.prefix));
  json_object_set_new(ns, "MacAddress", json_string(res.mac));
  json_t *ports_j = json_object();
  for (size_t k = 0; k < res.n_ports; k++) {
    char key[32], hip[16];
    snprintf(key, sizeof(key), "%u/%s", res.ports[k].ctr_port, res.ports[k].proto);
    char hp[8];
    snprintf(hp, sizeof(hp), "%u", res.ports[k].host_port);
    json_object_set_new(
        ports_j, key,
        json_pack("[{s:s,s:s}]", "HostIp", net_ip_fmt(res.ports[k].host_ip, hip), "HostPort", hp));
  }
  json_object_set_new(ns, "Ports", ports_j);
  json_t *nets = json_object();
  json_object_set_new(nets, res.network_name, eng_net_endpoint_json(&res, aliases));
  json_object_set_new(ns, "Networks", nets);
  net_attach_result_free(&res);
  return 0;
}
