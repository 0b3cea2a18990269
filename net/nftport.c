/* Published ports as map elements, written with raw nf_tables netlink over libmnl: this is
 * the hot path of `run -p`, and libnftables would cost a dlopen, a ruleset cache fetch and a
 * parse (~20-40 ms measured here) for what is one ~150-byte message. The maps' layouts are
 * fixed by table_fmt in nft.c: a concatenation puts every field in its own 4-byte register. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/net-int.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static struct nlmsghdr *batch_hdr(struct mnl_nlmsg_batch *b, uint16_t type, uint16_t flags,
                                  uint32_t seq, uint8_t family)
{
  struct nlmsghdr *h = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  h->nlmsg_seq = seq;
  struct nfgenmsg *g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
  g->nfgen_family = family;
  g->version = NFNETLINK_V0;
  g->res_id = htons(NFNL_SUBSYS_NFTABLES);
  return h;
}

static void put_value(struct nlmsghdr *h, uint16_t type, const void *v, size_t len)
{
  struct nlattr *n = mnl_attr_nest_start(h, type);
  mnl_attr_put(h, NFTA_DATA_VALUE, len, v);
  mnl_attr_nest_end(h, n);
}

/* One element: key proto . [addr .] port, value ip . port (each field in a 4-byte slot). */
static void put_elem(struct nlmsghdr *h, const struct net_port *p, uint32_t ctr_ip, bool add)
{
  uint8_t key[12] = {0}, val[8] = {0};
  size_t klen = 0;
  key[0] = strcmp(p->proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
  klen = 4;
  if (p->host_ip) {
    uint32_t a = htonl(p->host_ip);
    memcpy(key + klen, &a, 4);
    klen += 4;
  }
  uint16_t hp = htons(p->host_port), cp = htons(p->ctr_port);
  memcpy(key + klen, &hp, 2);
  klen += 4;
  uint32_t ip = htonl(ctr_ip);
  memcpy(val, &ip, 4);
  memcpy(val + 4, &cp, 2);
  struct nlattr *e = mnl_attr_nest_start(h, NFTA_LIST_ELEM);
  put_value(h, NFTA_SET_ELEM_KEY, key, klen);
  if (add)
    put_value(h, NFTA_SET_ELEM_DATA, val, sizeof(val));
  mnl_attr_nest_end(h, e);
}

/* Read until the ACK (or error) of seq; returns 0 or -errno. */
static int batch_wait(struct mnl_socket *s, uint32_t seq, uint32_t portid)
{
  char buf[8192];
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(s, buf, sizeof(buf));
    if (n < 0)
      return -errno;
    int r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
    if (r < 0)
      return -errno;
    if (r == MNL_CB_STOP)
      return 0;
  }
}

/* Add or delete the elements of ports (one message per map, one batch). -ENOENT when the
 * table or map is missing, or (delete) an element is absent. */
static int ports_apply(const char *table, const struct net_port *ports, size_t n, uint32_t ip,
                       bool add)
{
  struct mnl_socket *s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (!s)
    return -errno;
  int r = mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0 ? -errno : 0;
  uint32_t portid = mnl_socket_get_portid(s);
  uint32_t seq = (uint32_t)time(NULL) * 16;
  size_t bufsize = 65536; /* room for 256 elements */
  autofree char *buf = xmalloc(bufsize);
  struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, bufsize);
  batch_hdr(b, NFNL_MSG_BATCH_BEGIN, 0, seq++, AF_UNSPEC);
  mnl_nlmsg_batch_next(b);
  uint32_t acks[2];
  int nacks = 0;
  for (int anyaddr = 0; anyaddr < 2; anyaddr++) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
      count += (ports[i].host_ip == 0) == (anyaddr == 1);
    if (!count)
      continue;
    acks[nacks++] = seq;
    struct nlmsghdr *h = batch_hdr(
        b,
        (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM)),
        (add ? NLM_F_CREATE : 0) | NLM_F_ACK, seq++, NFPROTO_INET);
    mnl_attr_put_strz(h, NFTA_SET_ELEM_LIST_TABLE, table);
    mnl_attr_put_strz(h, NFTA_SET_ELEM_LIST_SET, anyaddr ? "pub4any" : "pub4");
    struct nlattr *list = mnl_attr_nest_start(h, NFTA_SET_ELEM_LIST_ELEMENTS);
    for (size_t i = 0; i < n; i++)
      if ((ports[i].host_ip == 0) == (anyaddr == 1))
        put_elem(h, &ports[i], ip, add);
    mnl_attr_nest_end(h, list);
    mnl_nlmsg_batch_next(b);
  }
  batch_hdr(b, NFNL_MSG_BATCH_END, 0, seq++, AF_UNSPEC);
  mnl_nlmsg_batch_next(b);
  if (r == 0 && nacks && mnl_socket_sendto(s, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
    r = -errno;
  /* every message flagged NLM_F_ACK gets its answer, in order, even when the batch aborts */
  for (int i = 0; r == 0 && i < nacks; i++)
    r = batch_wait(s, acks[i], portid);
  mnl_nlmsg_batch_stop(b);
  mnl_socket_close(s);
  return r;
}

int net_nft_ports(const char *table, const struct net_port *ports, size_t n, uint32_t ctr_ip,
                  bool add, struct td_err **err)
{
  int r = 0;
  for (size_t off = 0; r == 0 && off < n; off += 256)
    r = ports_apply(table, ports + off, n - off < 256 ? n - off : 256, ctr_ip, add);
  if (r < 0 && !(r == -ENOENT && !add))
    return err_set(err, -r, "%s published ports in nft table %s", add ? "add" : "delete", table);
  return 0;
}
