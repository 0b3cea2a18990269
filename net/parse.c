/* Pure parsers: IPv4 prefixes, -p specs, --network values. No syscalls. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

int net_ip_parse(const char *s, uint32_t *out, struct td_err **err)
{
  struct in_addr a;
  if (!s || inet_pton(AF_INET, s, &a) != 1)
    return err_set(err, EINVAL, "invalid IPv4 address \"%s\"", s ? s : "");
  *out = ntohl(a.s_addr);
  return 0;
}

char *net_ip_fmt(uint32_t ip, char *buf)
{
  snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
  return buf;
}

static uint32_t cidr_mask(int prefix)
{
  return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int net_cidr_parse(const char *s, bool allow_host_bits, struct net_cidr *out, struct td_err **err)
{
  const char *slash = s ? strchr(s, '/') : NULL;
  if (!slash)
    return err_set(err, EINVAL, "invalid CIDR \"%s\": want A.B.C.D/N", s ? s : "");
  autofree char *ip = xstrndup(s, (size_t)(slash - s));
  char *end = NULL;
  errno = 0;
  long prefix = strtol(slash + 1, &end, 10);
  if (slash[1] == '\0' || *end || errno || prefix < 0 || prefix > 32)
    return err_set(err, EINVAL, "invalid CIDR \"%s\": bad prefix length", s);
  uint32_t addr = 0;
  if (net_ip_parse(ip, &addr, NULL) < 0)
    return err_set(err, EINVAL, "invalid CIDR \"%s\": bad address", s);
  if (!allow_host_bits && (addr & ~cidr_mask((int)prefix)))
    return err_set(err, EINVAL, "invalid subnet \"%s\": host bits set", s);
  out->addr = addr;
  out->prefix = (int)prefix;
  return 0;
}

bool net_cidr_contains(const struct net_cidr *c, uint32_t ip)
{
  uint32_t m = cidr_mask(c->prefix);
  return (ip & m) == (c->addr & m);
}

bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b)
{
  int p = a->prefix < b->prefix ? a->prefix : b->prefix;
  uint32_t m = cidr_mask(p);
  return (a->addr & m) == (b->addr & m);
}

/* "N" or "N-M" port range; 0 allowed only when allow_zero (unused host side). */
static int port_range_parse(const char *s, unsigned *lo, unsigned *hi, const char *spec,
                            struct td_err **err)
{
  char *end = NULL;
  if (!*s || *s == '-' || *s == '+')
    return err_set(err, EINVAL, "invalid port spec \"%s\": empty or signed port", spec);
  errno = 0;
  unsigned long a = strtoul(s, &end, 10), b = a;
  if (errno || end == s)
    return err_set(err, EINVAL, "invalid port spec \"%s\"", spec);
  if (*end == '-') {
    const char *t = end + 1;
    if (!*t || *t == '-' || *t == '+')
      return err_set(err, EINVAL, "invalid port spec \"%s\": bad range", spec);
    b = strtoul(t, &end, 10);
    if (errno || end == t)
      return err_set(err, EINVAL, "invalid port spec \"%s\": bad range", spec);
  }
  if (*end)
    return err_set(err, EINVAL, "invalid port spec \"%s\"", spec);
  if (a < 1 || a > 65535 || b < 1 || b > 65535)
    return err_set(err, ERANGE, "invalid port spec \"%s\": port out of range 1-65535", spec);
  if (b < a)
    return err_set(err, EINVAL, "invalid port spec \"%s\": range end before start", spec);
  *lo = (unsigned)a;
  *hi = (unsigned)b;
  return 0;
}

static void port_set(struct net_port *p, const char *proto, uint32_t ip, unsigned hp, unsigned cp)
{
  memset(p, 0, sizeof(*p));
  snprintf(p->proto, sizeof(p->proto), "%s", proto);
  p->host_ip = ip;
  p->host_port = (uint16_t)hp;
  p->ctr_port = (uint16_t)cp;
}

/* Append count ports: host ports hp.. (0: random) to container ports cp.. (one allocation for a
 * whole range: a range can hold 65535 ports). */
static void ports_push(struct net_port **ports, size_t *n, const char *proto, uint32_t ip,
                       unsigned hp, unsigned cp, unsigned count)
{
  *ports = xrealloc(*ports, (*n + count) * sizeof(**ports));
  for (unsigned i = 0; i < count; i++)
    port_set(&(*ports)[(*n)++], proto, ip, hp ? hp + i : 0, cp + i);
}

/* Split spec into [ip, hostport, ctrport] from the right: IP may be "" or [v6] (rejected). */
static int port_split(char *body, char **ip, char **hp, char **cp)
{
  char *last = strrchr(body, ':');
  *ip = NULL;
  *hp = NULL;
  *cp = body;
  if (!last)
    return 0;
  *last = '\0';
  *cp = last + 1;
  char *prev = strrchr(body, ':');
  if (!prev) {
    *hp = body;
    return 0;
  }
  *prev = '\0';
  *hp = prev + 1;
  *ip = body;
  return strchr(body, ':') ? -1 : 0;
}

int net_port_parse(const char *spec, struct net_port **ports, size_t *n, struct td_err **err)
{
  autofree char *body = xstrdup(spec ? spec : "");
  const char *proto = "tcp";
  char *slash = strchr(body, '/');
  if (slash) {
    *slash = '\0';
    proto = slash + 1;
    if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
      return err_set(err, EINVAL, "invalid port spec \"%s\": protocol must be tcp or udp", spec);
  }
  char *ips, *hps, *cps;
  if (port_split(body, &ips, &hps, &cps) < 0)
    return err_set(err, EINVAL, "invalid port spec \"%s\": IPv6 host addresses are not supported",
                   spec);
  uint32_t ip = 0;
  if (ips && *ips && net_ip_parse(ips, &ip, NULL) < 0)
    return err_set(err, EINVAL, "invalid port spec \"%s\": bad host IP \"%s\"", spec, ips);
  unsigned clo, chi, hlo = 0, hhi = 0;
  /* docker's CLI (nat.ParsePortSpec) names the side that is bad */
  if (port_range_parse(cps, &clo, &chi, spec, err) < 0) {
    err_free(err);
    return err_set(err, 0, "Invalid containerPort: %s", cps), err_mark(err, ERR_CLI);
  }
  if (hps && *hps) {
    if (port_range_parse(hps, &hlo, &hhi, spec, err) < 0) {
      err_free(err);
      return err_set(err, 0, "Invalid hostPort: %s", hps), err_mark(err, ERR_CLI);
    }
    /* docker: a host range for a single container port picks one of it; we take the first
     * free at attach time only for equal-size ranges, so require equal sizes or a single. */
    if (hhi - hlo != chi - clo)
      return err_set(err, EINVAL, "invalid port spec \"%s\": host and container ranges differ",
                     spec);
  }
  ports_push(ports, n, proto, ip, hlo, clo, chi - clo + 1);
  return 0;
}

int net_port_parse_exposed(const char *key, struct net_port **ports, size_t *n, struct td_err **err)
{
  autofree char *body = xstrdup(key ? key : "");
  const char *proto = "tcp";
  char *slash = strchr(body, '/');
  if (slash) {
    *slash = '\0';
    proto = slash + 1;
    if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
      return err_set(err, EINVAL, "invalid exposed port \"%s\"", key);
  }
  unsigned lo, hi;
  if (strchr(body, ':') || port_range_parse(body, &lo, &hi, key, err) < 0) {
    if (err && !*err)
      err_set(err, EINVAL, "invalid exposed port \"%s\"", key);
    return -1;
  }
  ports_push(ports, n, proto, 0, 0, lo, hi - lo + 1);
  return 0;
}

char *net_port_fmt(const struct net_port *p)
{
  char ip[16];
  return xasprintf("%u/%s -> %s:%u", p->ctr_port, p->proto, net_ip_fmt(p->host_ip, ip),
                   p->host_port);
}

int net_mode_parse(const char *value, enum net_mode *mode, char **arg, struct td_err **err)
{
  *arg = NULL;
  if (!value || !*value || strcmp(value, "default") == 0 || strcmp(value, "bridge") == 0) {
    *mode = NET_MODE_BRIDGE;
    *arg = xstrdup(NET_DEFAULT_NAME);
  } else if (strcmp(value, "none") == 0) {
    *mode = NET_MODE_NONE;
  } else if (strcmp(value, "host") == 0) {
    *mode = NET_MODE_HOST;
  } else if (strncmp(value, "container:", 10) == 0) {
    if (!value[10])
      return err_set(err, EINVAL, "invalid --network \"%s\": container name missing", value);
    *mode = NET_MODE_CONTAINER;
    *arg = xstrdup(value + 10);
  } else {
    *mode = NET_MODE_BRIDGE;
    *arg = xstrdup(value);
  }
  return 0;
}
