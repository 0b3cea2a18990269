/* network create's IPAM flags as docker's CLI consolidates them (consolidateIpam): each
 * --ip-range, --gateway and --aux-address belongs to the --subnet that contains it, at most one
 * range and one gateway per subnet, no two subnets overlapping; the reserved addresses the
 * allocator skips, and the allocator itself (net_ipam_pick). Pure: no store, no kernel. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Go's subnetMatches: data ("A.B.C.D" or "A.B.C.D/N") lies in subnet; 0 no, 1 yes, -1 error. */
static int subnet_matches(const char *subnet, const char *data, struct td_err **err)
{
  struct net_cidr s;
  autoerr struct td_err *e = NULL;
  if (net_cidr_parse(subnet, true, &s, &e) < 0)
    return err_set(err, 0, "invalid subnet: invalid CIDR address: %s", subnet);
  uint32_t ip;
  if (strchr(data, '/')) {
    struct net_cidr d;
    if (net_cidr_parse(data, true, &d, &e) < 0)
      return err_set(err, 0, "invalid CIDR address: %s", data);
    ip = d.addr;
  } else if (net_ip_parse(data, &ip, &e) < 0) {
    return 0;
  }
  return net_cidr_contains(&s, ip) ? 1 : 0;
}

/* Attach each of vals to the subnet that holds it (what names the flag in errors). */
static int match_each(char **subnets, char **vals, const char *what, const char **slot,
                      struct td_err **err)
{
  size_t n = strv_len(subnets);
  for (char **v = vals; v && *v; v++) {
    bool match = false;
    for (size_t i = 0; i < n; i++) {
      int m = subnet_matches(subnets[i], *v, err);
      if (m < 0)
        return -1;
      if (m == 0)
        continue;
      if (slot[i])
        return err_set(err, 0,
                       strcmp(what, "range") == 0
                           ? "cannot configure multiple ranges (%s, %s) on the same subnet (%s)"
                           : "cannot configure multiple gateways (%s, %s) for the same subnet (%s)",
                       *v, slot[i], subnets[i]);
      slot[i] = *v;
      match = true;
    }
    if (!match)
      return err_set(err, 0, "no matching subnet for %s %s", what, *v);
  }
  return 0;
}

int net_ipam_consolidate(char **subnets, char **ranges, char **gateways, char **aux,
                         json_t **config, struct td_err **err)
{
  size_t n = strv_len(subnets);
  if (n < strv_len(ranges) || n < strv_len(gateways))
    return err_set(err, 0, "every ip-range or gateway must have a corresponding subnet");
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < i; k++) {
      int a = subnet_matches(subnets[i], subnets[k], err);
      int b = a < 0 ? -1 : subnet_matches(subnets[k], subnets[i], err);
      if (a < 0 || b < 0)
        return -1;
      if (a || b)
        return err_set(err, 0, "multiple overlapping subnet configuration is not supported");
    }
  autofree const char **rs = xcalloc(n + 1, sizeof(char *));
  autofree const char **gs = xcalloc(n + 1, sizeof(char *));
  if (match_each(subnets, ranges, "range", rs, err) < 0 ||
      match_each(subnets, gateways, "gateway", gs, err) < 0)
    return -1;
  autojson json_t *out = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *c = json_pack("{s:s}", "Subnet", subnets[i]);
    if (rs[i])
      json_object_set_new(c, "IPRange", json_string(rs[i]));
    if (gs[i])
      json_object_set_new(c, "Gateway", json_string(gs[i]));
    json_array_append_new(out, c);
  }
  for (char **a = aux; a && *a; a++) {
    const char *eq = strchr(*a, '=');
    autofree char *key = eq ? xstrndup(*a, (size_t)(eq - *a)) : xstrdup(*a);
    const char *ip = eq ? eq + 1 : ""; /* docker's map parse: "k" alone has an empty value */
    bool match = false;
    for (size_t i = 0; i < n; i++) {
      int m = subnet_matches(subnets[i], ip, err);
      if (m < 0)
        return -1;
      if (m == 0)
        continue;
      json_t *c = json_array_get(out, i);
      json_t *am = json_object_get(c, "AuxiliaryAddresses");
      if (am == NULL)
        json_object_set_new(c, "AuxiliaryAddresses", am = json_object());
      json_object_set_new(am, key, json_string(ip));
      match = true;
    }
    if (!match)
      return err_set(err, 0, "no matching subnet for aux-address %s", ip);
  }
  *config = steal_ptr(out);
  return 0;
}

bool net_ip_reserved(json_t *aux, uint32_t ip)
{
  const char *k;
  json_t *v;
  json_object_foreach (aux, k, v) {
    uint32_t a;
    if (net_ip_parse(json_string_value(v), &a, NULL) == 0 && a == ip)
      return true;
  }
  return false;
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
