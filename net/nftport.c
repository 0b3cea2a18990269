/* Published ports as map elements, written with raw nf_tables netlink over libnl-3: this is
 * the hot path of `run -p`, and libnftables would cost a dlopen, a ruleset cache fetch and a
 * parse (~20-40 ms measured here) for what is one ~150-byte message. The maps' layouts are
 * fixed by table_fmt in nft.c: a concatenation puts every field in its own 4-byte register. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "net/nl.h"

/* An nfnetlink message of type with its nfgenmsg filled and room for attrlen bytes more. */
static struct nl_msg *nf_msg(uint16_t type, uint16_t flags, uint8_t family, size_t attrlen)
{
  struct nl_msg *msg =
      nlmsg_alloc_size(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)) + attrlen);
  struct nfgenmsg g = {
      .nfgen_family = family, .version = NFNETLINK_V0, .res_id = htons(NFNL_SUBSYS_NFTABLES)};
  if (!msg || !nlmsg_put(msg, 0, 0, type, 0, NLM_F_REQUEST | flags) ||
      nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0)
    abort(); /* out of memory, as xmalloc */
  return msg;
}

static void put_value(struct nl_msg *msg, uint16_t type, const void *v, size_t len)
{
  struct nlattr *n = nla_nest_start(msg, type);
  nla_put(msg, NFTA_DATA_VALUE, (int)len, v);
  nla_nest_end(msg, n);
}

/* One element: key proto . [addr .] port, value ip . port (each field in a 4-byte slot). */
static void put_elem(struct nl_msg *msg, const struct net_port *p, uint32_t ctr_ip, bool add)
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
  struct nlattr *e = nla_nest_start(msg, NFTA_LIST_ELEM);
  put_value(msg, NFTA_SET_ELEM_KEY, key, klen);
  if (add)
    put_value(msg, NFTA_SET_ELEM_DATA, val, sizeof(val));
  nla_nest_end(msg, e);
}

/* The elements of ports that go to one map (pub4any for anyaddr), or NULL if none does. */
static struct nl_msg *elems_msg(const char *table, const struct net_port *ports, size_t n,
                                uint32_t ip, bool add, bool anyaddr)
{
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    count += (ports[i].host_ip == 0) == anyaddr;
  if (!count)
    return NULL;
  struct nl_msg *msg = nf_msg(
      (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM)),
      (add ? NLM_F_CREATE : 0) | NLM_F_ACK, NFPROTO_INET, 65536 /* 256 elements */);
  nla_put_string(msg, NFTA_SET_ELEM_LIST_TABLE, table);
  nla_put_string(msg, NFTA_SET_ELEM_LIST_SET, anyaddr ? "pub4any" : "pub4");
  struct nlattr *list = nla_nest_start(msg, NFTA_SET_ELEM_LIST_ELEMENTS);
  for (size_t i = 0; i < n; i++)
    if ((ports[i].host_ip == 0) == anyaddr)
      put_elem(msg, &ports[i], ip, add);
  nla_nest_end(msg, list);
  return msg;
}

/* Add or delete the elements of ports (one message per map, one batch). -ENOENT when the
 * table or map is missing, or (delete) an element is absent. */
static int ports_apply(struct tdnl *nl, const char *table, const struct net_port *ports, size_t n,
                       uint32_t ip, bool add)
{
  struct nl_msg *elems[2] = {elems_msg(table, ports, n, ip, add, false),
                             elems_msg(table, ports, n, ip, add, true)};
  tdnl_batch_begin(nl);
  tdnl_queue(nl, nf_msg(NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, 0));
  for (int i = 0; i < 2; i++)
    if (elems[i])
      tdnl_queue(nl, elems[i]);
  tdnl_queue(nl, nf_msg(NFNL_MSG_BATCH_END, 0, AF_UNSPEC, 0));
  /* every message flagged NLM_F_ACK gets its answer, in order, even when the batch aborts */
  return tdnl_flush(nl, NULL, NULL);
}

int net_nft_ports(const char *table, const struct net_port *ports, size_t n, uint32_t ctr_ip,
                  bool add, struct td_err **err)
{
  struct tdnl *nl = tdnl_open_protocol(NETLINK_NETFILTER, err);
  if (!nl)
    return err_prefix(err, "%s published ports in nft table %s", add ? "add" : "delete", table);
  int r = 0;
  for (size_t off = 0; r == 0 && off < n; off += 256)
    r = ports_apply(nl, table, ports + off, n - off < 256 ? n - off : 256, ctr_ip, add);
  tdnl_close(nl);
  if (r < 0 && !(r == -ENOENT && !add))
    return err_set(err, -r, "%s published ports in nft table %s", add ? "add" : "delete", table);
  return 0;
}
