/* Unit tests: CIDR parsing and overlap, -p specs, --network values, hosts/resolv rendering. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "net/net.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/strv.h"

static void test_cidr(void)
{
  struct net_cidr a, b;
  autoerr struct td_err *err = NULL;
  TAP_OK(net_cidr_parse("172.30.0.0/16", false, &a, &err) == 0, "parse 172.30.0.0/16");
  TAP_OK(a.addr == 0xac1e0000 && a.prefix == 16, "value 172.30.0.0/16");
  TAP_OK(net_cidr_parse("172.30.1.0/24", false, &b, &err) == 0, "parse /24");
  TAP_OK(net_cidr_overlap(&a, &b) && net_cidr_overlap(&b, &a), "overlap both ways");
  TAP_OK(net_cidr_parse("172.31.0.0/16", false, &b, &err) == 0, "parse 172.31/16");
  TAP_OK(!net_cidr_overlap(&a, &b), "neighbours do not overlap");
  TAP_OK(net_cidr_parse("172.30.0.1/16", false, &b, &err) < 0, "host bits rejected");
  err_free(&err);
  TAP_OK(net_cidr_parse("172.30.0.1/16", true, &b, &err) == 0, "host bits allowed on request");
  const char *bad[] = {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/",     "10.0.0/8",
                       "x/8",      "10.0.0.0/-1", "10.0.0.256/24", "10.0.0.0/8x"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    TAP_OK(net_cidr_parse(bad[i], false, &b, &err) < 0, "reject %s", bad[i]);
    err_free(&err);
  }
  TAP_OK(net_cidr_contains(&a, 0xac1eff01) && !net_cidr_contains(&a, 0xac1f0001), "contains");
  char buf[16];
  TAP_STREQ(net_ip_fmt(0x0a000001, buf), "10.0.0.1", "ip fmt");
}

static void test_ports(void)
{
  autofree struct net_port *p = NULL;
  size_t n = 0;
  autoerr struct td_err *err = NULL;
  TAP_OK(net_port_parse("8080:80", &p, &n, &err) == 0 && n == 1, "8080:80");
  TAP_OK(p[0].host_port == 8080 && p[0].ctr_port == 80 && !strcmp(p[0].proto, "tcp") &&
             p[0].host_ip == 0,
         "8080:80 fields");
  TAP_OK(net_port_parse("127.0.0.1:53:53/udp", &p, &n, &err) == 0 && n == 2, "ip:53:53/udp");
  TAP_OK(p[1].host_ip == 0x7f000001 && !strcmp(p[1].proto, "udp"), "udp fields");
  TAP_OK(net_port_parse("80", &p, &n, &err) == 0 && n == 3 && p[2].host_port == 0, "80 random");
  TAP_OK(net_port_parse("127.0.0.1::80", &p, &n, &err) == 0 && n == 4 && p[3].host_port == 0 &&
             p[3].host_ip == 0x7f000001,
         "ip::80");
  TAP_OK(net_port_parse("9000-9002:7000-7002", &p, &n, &err) == 0 && n == 7, "range");
  TAP_OK(p[6].host_port == 9002 && p[6].ctr_port == 7002, "range end");
  autofree char *f = net_port_fmt(&p[0]);
  TAP_STREQ(f, "80/tcp -> 0.0.0.0:8080", "port fmt");
  const char *bad[] = {"",          "abc",          "0:80",    "80:0",    "65536:80",
                       "80:65536",  "8080:80/sctp", "1-3:1-2", "5-3:5-3", "x:80:80",
                       "::1:80:80", "-1:80",        "80:",     ":80x",    "1.2.3.4:80:80:80"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    size_t before = n;
    TAP_OK(net_port_parse(bad[i], &p, &n, &err) < 0 && n == before, "reject -p '%s'", bad[i]);
    err_free(&err);
  }
  TAP_OK(net_port_parse_exposed("53/udp", &p, &n, &err) == 0 && p[n - 1].ctr_port == 53 &&
             !strcmp(p[n - 1].proto, "udp"),
         "exposed 53/udp");
  TAP_OK(net_port_parse_exposed("80:80", &p, &n, &err) < 0, "exposed rejects host part");
}

static void test_mode(void)
{
  enum net_mode m;
  autoerr struct td_err *err = NULL;
  char *arg = NULL;
  TAP_OK(net_mode_parse("none", &m, &arg, &err) == 0 && m == NET_MODE_NONE && !arg, "none");
  TAP_OK(net_mode_parse("host", &m, &arg, &err) == 0 && m == NET_MODE_HOST, "host");
  TAP_OK(net_mode_parse("bridge", &m, &arg, &err) == 0 && m == NET_MODE_BRIDGE &&
             !strcmp(arg, "bridge"),
         "bridge");
  free(arg);
  TAP_OK(net_mode_parse("container:web", &m, &arg, &err) == 0 && m == NET_MODE_CONTAINER &&
             !strcmp(arg, "web"),
         "container:web");
  free(arg);
  TAP_OK(net_mode_parse("mynet", &m, &arg, &err) == 0 && m == NET_MODE_BRIDGE &&
             !strcmp(arg, "mynet"),
         "named");
  free(arg);
  TAP_OK(net_mode_parse("container:", &m, &arg, &err) < 0, "container: without name");
}

static void test_render(void)
{
  char *add[] = {"db:10.1.2.3", NULL};
  autofree char *h = net_hosts_render("web", "172.30.0.2", add);
  TAP_OK(strstr(h, "127.0.0.1\tlocalhost\n") != NULL, "hosts has localhost");
  TAP_OK(strstr(h, "10.1.2.3\tdb\n") != NULL, "hosts has --add-host");
  TAP_OK(strstr(h, "172.30.0.2\tweb\n") != NULL, "hosts has own line");
  char *al[] = {"api", NULL};
  struct net_hosts_peer peers[] = {{"172.30.0.3", "other", al}};
  autofree char *h2 = net_hosts_render_peers("web", "172.30.0.2", NULL, peers, 1);
  TAP_OK(strstr(h2, "172.30.0.3\tother api\n") != NULL, "hosts has peer with alias");
  const char *host = "nameserver 127.0.0.53\nsearch example.com\noptions edns0\n";
  autofree char *r = net_resolv_render(NULL, host);
  TAP_OK(strstr(r, "nameserver 8.8.8.8") && strstr(r, "search example.com") &&
             strstr(r, "options edns0") && !strstr(r, "127.0.0.53"),
         "resolv drops loopback");
  char *dns[] = {"10.0.0.53", NULL}, *search[] = {"a.test", "b.test", NULL};
  struct net_dns_req req = {.dns = dns, .dns_search = search};
  autofree char *r2 = net_resolv_render(&req, host);
  TAP_STREQ(r2, "search a.test b.test\nnameserver 10.0.0.53\noptions edns0\n", "resolv --dns");
}

static json_t *ipam_net(const char *subnet, const char *range)
{
  json_t *n = json_pack("{s:s,s:s,s:s,s:s,s:{}}", "Id", "n1", "Name", "n1", "Subnet", subnet,
                        "Gateway", "10.9.0.1", "Endpoints");
  if (range)
    json_object_set_new(n, "IPRange", json_string(range));
  return n;
}

static void ipam_take(json_t *net, const char *cid, uint32_t ip)
{
  char b[16];
  json_object_set_new(json_object_get(net, "Endpoints"), cid,
                      json_pack("{s:s}", "IP", net_ip_fmt(ip, b)));
}

/* The unit tests' view of "used": an endpoint of the record holds the address. */
static bool json_used(void *ud, uint32_t ip)
{
  const char *cid;
  json_t *ep;
  json_object_foreach (json_object_get(ud, "Endpoints"), cid, ep) {
    uint32_t a;
    if (net_ip_parse(json_string_value(json_object_get(ep, "IP")), &a, NULL) == 0 && a == ip)
      return true;
  }
  return false;
}

static void test_ipam(void)
{
  autojson json_t *net = ipam_net("10.9.0.0/29", NULL);
  autoerr struct td_err *err = NULL;
  uint32_t ip = 0;
  char b[16];
  /* /29: .0 network, .1 gateway, .7 broadcast: .2 - .6 usable */
  const char *ids[] = {"a", "b", "c", "d", "e"};
  const char *want[] = {"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"};
  for (int i = 0; i < 5; i++) {
    TAP_OK(net_ipam_pick(net, NULL, 0, json_used, net, &ip, &err) == 0, "alloc %d", i);
    TAP_STREQ(net_ip_fmt(ip, b), want[i], "address %d", i);
    ipam_take(net, ids[i], ip);
  }
  TAP_OK(net_ipam_pick(net, NULL, 0, json_used, net, &ip, &err) < 0 && err->errnum == ENOSPC,
         "exhausted");
  TAP_OK(err && strstr(err->msg, "no available IPv4 address"), "clear exhaustion error");
  err_free(&err);
  json_object_del(json_object_get(net, "Endpoints"), "c");
  TAP_OK(net_ipam_pick(net, NULL, 0, json_used, net, &ip, &err) == 0 && ip == 0x0a090004,
         "released address reused");
  TAP_OK(net_ipam_pick(net, "10.9.0.4", 0, json_used, net, &ip, &err) == 0 && ip == 0x0a090004,
         "fixed free");
  TAP_OK(net_ipam_pick(net, "10.9.0.5", 0, json_used, net, &ip, &err) < 0, "fixed in use");
  err_free(&err);
  const char *bad[] = {"10.9.0.1", "10.9.0.0", "10.9.0.7", "10.9.1.2", "x"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    TAP_OK(net_ipam_pick(net, bad[i], 0, json_used, net, &ip, &err) < 0, "fixed %s refused",
           bad[i]);
    err_free(&err);
  }
  autojson json_t *r = ipam_net("10.9.0.0/16", "10.9.8.0/30");
  TAP_OK(net_ipam_pick(r, NULL, 0, json_used, r, &ip, &err) == 0 && ip == 0x0a090800,
         "ip-range start used");
  ipam_take(r, "a", ip);
  for (int i = 1; i < 4; i++) {
    TAP_OK(net_ipam_pick(r, NULL, 0, json_used, r, &ip, &err) == 0 &&
               ip == 0x0a090800u + (uint32_t)i,
           "ip-range %d", i);
    ipam_take(r, ids[i], ip);
  }
  TAP_OK(net_ipam_pick(r, NULL, 0, json_used, r, &ip, &err) < 0, "ip-range exhausted");
  err_free(&err);
  /* next-fit: from the hint, wrapping to the start */
  json_object_del(json_object_get(r, "Endpoints"), "a");
  TAP_OK(net_ipam_pick(r, NULL, 0x0a090803, json_used, r, &ip, &err) == 0 && ip == 0x0a090800,
         "next-fit wraps to a freed address");
  TAP_OK(net_ipam_pick(r, NULL, 0x0b000000, json_used, r, &ip, &err) == 0 && ip == 0x0a090800,
         "a hint outside the range starts at the range");
}

static char **sv(const char *a, const char *b)
{
  char **v = NULL;
  if (a)
    strv_push(&v, a);
  if (b)
    strv_push(&v, b);
  return v;
}

/* docker's consolidateIpam: each flag to its subnet, with docker's errors */
static void test_ipam_consolidate(void)
{
  autoerr struct td_err *err = NULL;
  autojson json_t *cfg = NULL;
  autostrv char **s2 = sv("10.1.0.0/16", "10.2.0.0/16");
  autostrv char **r = sv("10.2.3.0/24", NULL);
  autostrv char **g = sv("10.2.0.1", "10.1.0.9");
  autostrv char **aux = sv("a=10.1.0.5", "b=10.2.0.6");
  TAP_OK(net_ipam_consolidate(s2, r, g, aux, &cfg, &err) == 0, "two subnets consolidate");
  autofree char *j = json_dumps(cfg, JSON_PRESERVE_ORDER | JSON_COMPACT);
  TAP_STREQ(j,
            "[{\"Subnet\":\"10.1.0.0/16\",\"Gateway\":\"10.1.0.9\",\"AuxiliaryAddresses\":"
            "{\"a\":\"10.1.0.5\"}},{\"Subnet\":\"10.2.0.0/16\",\"IPRange\":\"10.2.3.0/24\","
            "\"Gateway\":\"10.2.0.1\",\"AuxiliaryAddresses\":{\"b\":\"10.2.0.6\"}}]",
            "each flag on its subnet");
  static const struct {
    const char *s1, *s2, *r, *g, *aux, *msg;
  } bad[] = {
      {"10.1.0.0/16", "10.1.2.0/24", NULL, NULL, NULL,
       "multiple overlapping subnet configuration is not supported"},
      {"10.1.0.0/16", NULL, NULL, "10.9.0.1", NULL, "no matching subnet for gateway 10.9.0.1"},
      {"10.1.0.0/16", NULL, "10.9.0.0/24", NULL, NULL, "no matching subnet for range 10.9.0.0/24"},
      {"10.1.0.0/16", NULL, NULL, NULL, "x=10.9.0.1",
       "no matching subnet for aux-address 10.9.0.1"},
      {"10.1.0.0/16", NULL, NULL, NULL, "x", "no matching subnet for aux-address "},
      {NULL, NULL, NULL, "10.1.0.1", NULL,
       "every ip-range or gateway must have a corresponding subnet"},
      {"10.1.0.0/16", "10.2.0.0/16", "10.1.1.0/24", NULL, NULL, NULL},
      {"10.1.0.0/40", "10.2.0.0/16", NULL, NULL, NULL, "invalid CIDR address: 10.1.0.0/40"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    autostrv char **ss = sv(bad[i].s1, bad[i].s2), **rr = sv(bad[i].r, NULL),
                  **gg = sv(bad[i].g, NULL), **aa = sv(bad[i].aux, NULL);
    json_t *c = NULL;
    int rc = net_ipam_consolidate(ss, rr, gg, aa, &c, &err);
    json_decref(c);
    if (bad[i].msg == NULL) {
      TAP_OK(rc == 0, "case %zu accepted", i);
      continue;
    }
    TAP_OK(rc < 0 && err && strcmp(err_text(err), bad[i].msg) == 0, "case %zu: %s", i, bad[i].msg);
    err_free(&err);
  }
  autostrv char **s1 = sv("10.1.0.0/16", NULL);
  autostrv char **g2 = sv("10.1.0.1", "10.1.0.2");
  autostrv char **s3 = sv("10.1.0.0/16", "10.2.0.0/16");
  TAP_OK(net_ipam_consolidate(s1, NULL, g2, NULL, &cfg, &err) < 0, "two gateways, one subnet");
  err_free(&err);
  TAP_OK(net_ipam_consolidate(s3, NULL, g2, NULL, &cfg, &err) < 0 &&
             strstr(err_text(err), "cannot configure multiple gateways") != NULL,
         "two gateways in one of two subnets");
  err_free(&err);
  /* the allocator skips aux addresses, and a fixed --ip on one is refused */
  autojson json_t *n = ipam_net("10.9.0.0/16", "10.9.8.0/30");
  json_object_set_new(n, "AuxiliaryAddresses",
                      json_pack("{s:s,s:s}", "x", "10.9.8.0", "y", "10.9.8.1"));
  uint32_t ip;
  TAP_OK(net_ipam_pick(n, NULL, 0, json_used, n, &ip, &err) == 0 && ip == 0x0a090802,
         "aux addresses skipped");
  TAP_OK(net_ipam_pick(n, "10.9.8.1", 0, json_used, n, &ip, &err) < 0, "fixed aux refused");
  err_free(&err);
}

int main(void)
{
  test_cidr();
  test_ports();
  test_mode();
  test_render();
  test_ipam();
  test_ipam_consolidate();
  return TAP_DONE();
}
