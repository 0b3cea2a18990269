/* Netlink route requests over one libnl socket. Every request goes through one queue: alone it
 * is sent at once and waits for its ACK, so that an error names the step that failed; in a
 * batch (tdnl_batch_begin) the requests are sent together and every ACK is collected. */
#include "net/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* The kernel never sends a datagram larger than 32 KiB to a reader with such a buffer. */
#define RECV_BUF 32768

struct tdnl {
  struct nl_sock *sock;
  struct nl_cb *cb; /* ours, NL_CB_DEFAULT whatever $NLCB says */
  bool batch;       /* requests are queued (tdnl_batch_begin) instead of sent one by one */
  char *buf;        /* the queued requests, back to back */
  size_t len, cap;
  int acks;        /* queued requests that ask for an answer (NLM_F_ACK) */
  uint32_t seq_lo; /* sequence numbers of the first and last queued requests */
  uint32_t seq_hi;
  uint16_t bad_type; /* the type of the first failed request of the last exchange */
};

/* What the answers of one exchange tell. */
struct exchange {
  uint32_t lo, hi;  /* sequence numbers of its requests */
  int want, got;    /* answers awaited and received (ACK, error, or a dump's end) */
  int first;        /* errno of the first failure */
  uint16_t type;    /* the type of the request that failed first */
  bool stop_first;  /* stop at the first failure instead of collecting every answer */
  tdnl_reply_fn fn; /* other messages (NLM_F_ECHO replies, dumps) */
  void *data;
};

/* errno after a failed libnl call on the socket (kept by libnl), else a protocol error. */
static int nl_errno(int nlerr)
{
  if (nlerr == -NLE_DUMP_INTR)
    return EINTR;
  return errno ? errno : EPROTO;
}

struct tdnl *tdnl_open_protocol(int protocol, struct td_err **err)
{
  struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
  struct nl_sock *s = cb ? nl_socket_alloc_cb(cb) : NULL;
  if (!s) {
    nl_cb_put(cb);
    return err_set(err, ENOMEM, "open netlink socket"), NULL;
  }
  errno = 0;
  int r = nl_connect(s, protocol);
  if (r < 0) {
    int e = nl_errno(r);
    nl_socket_free(s);
    nl_cb_put(cb);
    return err_set(err, e, "open netlink socket"), NULL;
  }
  /* no MSG_PEEK before each read: one recvmsg a datagram, into a buffer large enough */
  nl_socket_disable_msg_peek(s);
  nl_socket_set_msg_buf_size(s, RECV_BUF);
  struct tdnl *nl = xcalloc(1, sizeof(*nl));
  nl->sock = s;
  nl->cb = cb;
  return nl;
}

struct tdnl *tdnl_open(struct td_err **err)
{
  return tdnl_open_protocol(NETLINK_ROUTE, err);
}

struct tdnl *tdnl_open_in_netns(const char *netns_path, struct td_err **err)
{
  autoclose int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return err_set(err, errno, "open /proc/self/ns/net"), NULL;
  autoclose int target = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (target < 0)
    return err_set(err, errno, "open netns %s", netns_path), NULL;
  if (setns(target, CLONE_NEWNET) < 0)
    return err_set(err, errno, "enter netns %s", netns_path), NULL;
  /* a netlink socket stays bound to the netns it was created in */
  struct tdnl *nl = tdnl_open(err);
  if (setns(self, CLONE_NEWNET) < 0)
    abort(); /* cannot happen with our own saved fd; continuing in the wrong netns is worse */
  return nl;
}

void tdnl_close(struct tdnl *nl)
{
  if (!nl)
    return;
  nl_socket_free(nl->sock);
  nl_cb_put(nl->cb);
  free(nl->buf);
  free(nl);
}

void tdnl_batch_begin(struct tdnl *nl)
{
  nl->batch = true;
}

void tdnl_queue(struct tdnl *nl, struct nl_msg *msg)
{
  struct nlmsghdr *h = nlmsg_hdr(msg);
  h->nlmsg_seq = nl_socket_use_seq(nl->sock);
  if (nl->len == 0)
    nl->seq_lo = h->nlmsg_seq;
  nl->seq_hi = h->nlmsg_seq;
  size_t size = NLMSG_ALIGN(h->nlmsg_len);
  if (nl->len + size > nl->cap) {
    nl->cap = nl->len + size > 2 * nl->cap ? nl->len + size : 2 * nl->cap;
    nl->buf = xrealloc(nl->buf, nl->cap);
  }
  memcpy(nl->buf + nl->len, h, size);
  nl->len += size;
  nl->acks += !!(h->nlmsg_flags & NLM_F_ACK);
  nlmsg_free(msg);
}

/* Answers outside this exchange (left over from an earlier one) are skipped. */
static int seq_check(struct nl_msg *msg, void *arg)
{
  const struct exchange *x = arg;
  uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
  return seq - x->lo <= x->hi - x->lo ? NL_OK : NL_SKIP;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
  (void)who;
  struct exchange *x = arg;
  x->got++;
  if (x->first == 0) {
    x->first = -e->error; /* the kernel's errno */
    x->type = e->msg.nlmsg_type;
  }
  return NL_OK;
}

static int on_answer(struct nl_msg *msg, void *arg)
{
  (void)msg;
  ((struct exchange *)arg)->got++;
  return NL_OK;
}

static int on_reply(struct nl_msg *msg, void *arg)
{
  struct exchange *x = arg;
  if (x->fn)
    x->fn(nlmsg_hdr(msg), x->data);
  return NL_OK;
}

/* Read until every answer of x came (or its first failure, with stop_first); 0 or -errno. */
static int collect(struct tdnl *nl, struct exchange *x)
{
  nl_cb_set(nl->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_check, x);
  nl_cb_set(nl->cb, NL_CB_ACK, NL_CB_CUSTOM, on_answer, x);
  nl_cb_set(nl->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_answer, x);
  nl_cb_set(nl->cb, NL_CB_VALID, NL_CB_CUSTOM, on_reply, x);
  nl_cb_err(nl->cb, NL_CB_CUSTOM, on_error, x);
  while (x->got < x->want && !(x->stop_first && x->first)) {
    errno = 0;
    int r = nl_recvmsgs(nl->sock, nl->cb);
    if (r < 0)
      return -nl_errno(r);
  }
  nl->bad_type = x->type;
  return -x->first;
}

/* Send the queued requests in one sendmsg and read their answers; other messages go to fn.
 * The kernel runs them in order and (but for nf_tables' batches) goes on after a failed
 * one: the first failure is returned, as -errno. */
static int flush(struct tdnl *nl, bool stop_first, tdnl_reply_fn fn, void *data)
{
  struct exchange x = {.lo = nl->seq_lo,
                       .hi = nl->seq_hi,
                       .want = nl->acks,
                       .stop_first = stop_first,
                       .fn = fn,
                       .data = data};
  size_t len = nl->len;
  nl->batch = false;
  nl->len = 0;
  nl->acks = 0;
  nl->bad_type = 0;
  if (len == 0)
    return 0;
  errno = 0;
  int r = nl_sendto(nl->sock, nl->buf, len);
  if (r < 0)
    return -nl_errno(r);
  return collect(nl, &x);
}

int tdnl_flush(struct tdnl *nl, tdnl_reply_fn fn, void *data)
{
  return flush(nl, true, fn, data);
}

static int batch_end(struct tdnl *nl, tdnl_reply_fn fn, void *data, struct td_err **err)
{
  int r = flush(nl, false, fn, data);
  if (r < 0 && nl->bad_type)
    return err_set(err, -r, "netlink request (type %u)", nl->bad_type);
  if (r < 0)
    return err_set(err, -r, "netlink exchange");
  return 0;
}

int tdnl_batch_end(struct tdnl *nl, struct td_err **err)
{
  return batch_end(nl, NULL, NULL, err);
}

/* Queue msg; unless in a batch, send it and wait for its answer: 0 or -errno. */
static int talk(struct tdnl *nl, struct nl_msg *msg, tdnl_reply_fn fn, void *data)
{
  tdnl_queue(nl, msg);
  if (nl->batch)
    return 0;
  return flush(nl, false, fn, data);
}

/* A request of type with its family header (hdrlen bytes, zeroed) right after nlmsghdr. */
static struct nl_msg *request(uint16_t type, uint16_t flags, size_t hdrlen)
{
  struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK | flags);
  if (!msg || !nlmsg_reserve(msg, hdrlen, NLMSG_ALIGNTO))
    abort(); /* out of memory, as xmalloc */
  return msg;
}

/* A link request for ifindex (0: by name); its ifinfomsg in *ifi. */
static struct nl_msg *link_req(uint16_t type, uint16_t flags, int index, struct ifinfomsg **ifi)
{
  struct nl_msg *msg = request(type, flags, sizeof(**ifi));
  struct ifinfomsg *i = nlmsg_data(nlmsg_hdr(msg));
  i->ifi_family = AF_UNSPEC;
  i->ifi_index = index;
  if (ifi)
    *ifi = i;
  return msg;
}

static struct nl_msg *link_req_name(uint16_t type, uint16_t flags, const char *name)
{
  struct nl_msg *msg = link_req(type, flags, 0, NULL);
  nla_put_string(msg, IFLA_IFNAME, name);
  return msg;
}

static const struct nla_policy link_policy[IFLA_MAX + 1] = {
    [IFLA_IFNAME] = {.type = NLA_STRING},
    [IFLA_LINK] = {.type = NLA_U32},
};

/* The attributes of an RTM_NEWLINK message, or -1 if it is none (or malformed). */
static int link_attrs(const struct nlmsghdr *h, struct nlattr **tb)
{
  if (h->nlmsg_type != RTM_NEWLINK)
    return -1;
  return nlmsg_parse((struct nlmsghdr *)h, sizeof(struct ifinfomsg), tb, IFLA_MAX, link_policy);
}

static void index_cb(const struct nlmsghdr *h, void *data)
{
  if (h->nlmsg_type == RTM_NEWLINK)
    *(int *)data = ((const struct ifinfomsg *)nlmsg_data(h))->ifi_index;
}

int tdnl_link_index(struct tdnl *nl, const char *name, struct td_err **err)
{
  int idx = -1;
  int r = talk(nl, link_req_name(RTM_GETLINK, 0, name), index_cb, &idx);
  if (r < 0)
    return err_set(err, -r, "link %s", name);
  if (idx < 0)
    return err_set(err, ENODEV, "link %s", name);
  return idx;
}

int tdnl_bridge_create(struct tdnl *nl, const char *name, unsigned mtu, struct td_err **err)
{
  struct nl_msg *msg = link_req_name(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
  if (mtu)
    nla_put_u32(msg, IFLA_MTU, mtu);
  struct nlattr *li = nla_nest_start(msg, IFLA_LINKINFO);
  nla_put_string(msg, IFLA_INFO_KIND, "bridge");
  nla_nest_end(msg, li);
  int r = talk(nl, msg, NULL, NULL);
  if (r < 0 && r != -EEXIST)
    return err_set(err, -r, "create bridge %s", name);
  return tdnl_link_index(nl, name, err);
}

int tdnl_addr_add(struct tdnl *nl, int ifindex, uint32_t ip, int prefix, struct td_err **err)
{
  struct nl_msg *msg = request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct ifaddrmsg));
  struct ifaddrmsg *ifa = nlmsg_data(nlmsg_hdr(msg));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_index = (unsigned)ifindex;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  uint32_t be = htonl(ip);
  nla_put_u32(msg, IFA_LOCAL, be);
  nla_put_u32(msg, IFA_ADDRESS, be);
  if (prefix < 31) {
    uint32_t bc = htonl(ip | (prefix ? ~(0xffffffffu << (32 - prefix)) : 0xffffffffu));
    nla_put_u32(msg, IFA_BROADCAST, bc);
  }
  int r = talk(nl, msg, NULL, NULL);
  if (r < 0 && r != -EEXIST)
    return err_set(err, -r, "add address to link %d", ifindex);
  return 0;
}

/* Set IFF_UP of a link request to up. */
static void set_up(struct ifinfomsg *ifi, bool up)
{
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
}

int tdnl_link_up(struct tdnl *nl, int ifindex, unsigned mtu, struct td_err **err)
{
  struct ifinfomsg *ifi;
  struct nl_msg *msg = link_req(RTM_NEWLINK, 0, ifindex, &ifi);
  set_up(ifi, true);
  if (mtu)
    nla_put_u32(msg, IFLA_MTU, mtu);
  int r = talk(nl, msg, NULL, NULL);
  if (r < 0)
    return err_set(err, -r, "set link %d up", ifindex);
  return 0;
}

int tdnl_link_up_name(struct tdnl *nl, const char *name, struct td_err **err)
{
  struct nl_msg *msg = link_req_name(RTM_NEWLINK, 0, name);
  set_up(nlmsg_data(nlmsg_hdr(msg)), true);
  int r = talk(nl, msg, NULL, NULL);
  if (r < 0)
    return err_set(err, -r, "set link %s up", name);
  return 0;
}

int tdnl_link_down(struct tdnl *nl, int ifindex, struct td_err **err)
{
  struct ifinfomsg *ifi;
  struct nl_msg *msg = link_req(RTM_NEWLINK, 0, ifindex, &ifi);
  set_up(ifi, false);
  int r = talk(nl, msg, NULL, NULL);
  if (r < 0 && r != -ENODEV)
    return err_set(err, -r, "set link %d down", ifindex);
  return 0;
}

int tdnl_link_del_index(struct tdnl *nl, int ifindex, struct td_err **err)
{
  int r = talk(nl, link_req(RTM_DELLINK, 0, ifindex, NULL), NULL, NULL);
  if (r < 0 && r != -ENODEV)
    return err_set(err, -r, "delete link %d", ifindex);
  return 0;
}

int tdnl_link_del(struct tdnl *nl, const char *name, struct td_err **err)
{
  int r = talk(nl, link_req_name(RTM_DELLINK, 0, name), NULL, NULL);
  if (r < 0 && r != -ENODEV)
    return err_set(err, -r, "delete link %s", name);
  return 0;
}

/* The NLM_F_ECHO of the veth's host end: its IFLA_LINK is the peer's ifindex. */
static void echo_peer_cb(const struct nlmsghdr *h, void *data)
{
  struct nlattr *tb[IFLA_MAX + 1];
  if (link_attrs(h, tb) == 0 && tb[IFLA_LINK])
    *(int *)data = (int)nla_get_u32(tb[IFLA_LINK]);
}

/* The pair, created with the host end up on master and the peer straight in its netns. */
static struct nl_msg *veth_req(const char *host_name, int master, unsigned mtu,
                               const char *peer_name, int peer_netns_fd, const uint8_t *peer_mac)
{
  struct nl_msg *msg =
      link_req_name(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, host_name);
  set_up(nlmsg_data(nlmsg_hdr(msg)), true);
  if (mtu)
    nla_put_u32(msg, IFLA_MTU, mtu);
  nla_put_u32(msg, IFLA_MASTER, (uint32_t)master);
  struct nlattr *li = nla_nest_start(msg, IFLA_LINKINFO);
  nla_put_string(msg, IFLA_INFO_KIND, "veth");
  struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);
  struct nlattr *peer = nla_nest_start(msg, VETH_INFO_PEER);
  /* the peer's attributes follow its own ifinfomsg */
  struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};
  nlmsg_append(msg, &pifi, sizeof(pifi), NLMSG_ALIGNTO);
  nla_put_string(msg, IFLA_IFNAME, peer_name);
  if (mtu)
    nla_put_u32(msg, IFLA_MTU, mtu);
  nla_put(msg, IFLA_ADDRESS, 6, peer_mac);
  nla_put_u32(msg, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
  nla_nest_end(msg, peer);
  nla_nest_end(msg, data);
  nla_nest_end(msg, li);
  return msg;
}

/* hairpin: a container reaching its own published port goes back out the port it came in (a
 * bridge port option, set by the port's name) */
static struct nl_msg *hairpin_req(const char *host_name)
{
  struct nl_msg *msg = link_req_name(RTM_NEWLINK, 0, host_name);
  struct nlattr *li = nla_nest_start(msg, IFLA_LINKINFO);
  nla_put_string(msg, IFLA_INFO_SLAVE_KIND, "bridge");
  struct nlattr *data = nla_nest_start(msg, IFLA_INFO_SLAVE_DATA);
  nla_put_u8(msg, IFLA_BRPORT_MODE, 1);
  nla_nest_end(msg, data);
  nla_nest_end(msg, li);
  return msg;
}

int tdnl_veth_create(struct tdnl *nl, const char *host_name, int master, unsigned mtu,
                     const char *peer_name, int peer_netns_fd, const uint8_t *peer_mac,
                     int *peer_index, struct td_err **err)
{
  /* one round trip: the pair (echoed back, for the peer's index) and the hairpin */
  tdnl_batch_begin(nl);
  tdnl_queue(nl, veth_req(host_name, master, mtu, peer_name, peer_netns_fd, peer_mac));
  tdnl_queue(nl, hairpin_req(host_name));
  *peer_index = 0;
  if (batch_end(nl, echo_peer_cb, peer_index, err) < 0) {
    /* the kernel's bridge has at most 1023 ports (BR_MAX_PORTS); "Exchange full" alone
     * tells nobody that */
    if ((*err)->errnum == EXFULL)
      err_prefix(err, "the network's bridge has the kernel's maximum of 1023 ports "
                      "(containers on one network)");
    return err_prefix(err, "create veth %s", host_name);
  }
  return 0;
}

int tdnl_route_default(struct tdnl *nl, uint32_t gw, struct td_err **err)
{
  struct nl_msg *msg = request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct rtmsg));
  struct rtmsg *rtm = nlmsg_data(nlmsg_hdr(msg));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  nla_put_u32(msg, RTA_GATEWAY, htonl(gw));
  int r = talk(nl, msg, NULL, NULL);
  if (r < 0)
    return err_set(err, -r, "add default route");
  return 0;
}

struct port_list {
  bool down_only;
  char ***names;
};

static void port_name_cb(const struct nlmsghdr *h, void *data)
{
  struct port_list *pl = data;
  struct nlattr *tb[IFLA_MAX + 1];
  if (link_attrs(h, tb) < 0 || !tb[IFLA_IFNAME])
    return;
  const struct ifinfomsg *ifi = nlmsg_data(h);
  if (!(pl->down_only && (ifi->ifi_flags & IFF_UP)))
    strv_push(pl->names, nla_get_string(tb[IFLA_IFNAME]));
}

int tdnl_bridge_ports(struct tdnl *nl, const char *bridge, bool down_only, char ***names,
                      struct td_err **err)
{
  int master = (int)if_nametoindex(bridge);
  if (master <= 0)
    return 0;
  /* a dump answers with its messages and NLMSG_DONE (or an error), which stands for the ACK */
  struct nl_msg *msg = link_req(RTM_GETLINK, NLM_F_DUMP, 0, NULL);
  nlmsg_hdr(msg)->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
  nla_put_u32(msg, IFLA_MASTER, (uint32_t)master); /* the kernel filters the dump */
  struct port_list pl = {down_only, names};
  tdnl_queue(nl, msg);
  nl->acks++;
  int r = flush(nl, false, port_name_cb, &pl);
  if (r < 0)
    return err_set(err, -r, "list ports of %s", bridge);
  return 0;
}

int tdnl_bridge_del_ports(struct tdnl *nl, const char *bridge, struct td_err **err)
{
  autostrv char **names = NULL;
  if (tdnl_bridge_ports(nl, bridge, false, &names, err) < 0)
    return -1;
  for (char **p = names; p && *p; p++)
    if (tdnl_link_del(nl, *p, err) < 0)
      return -1;
  return 0;
}
