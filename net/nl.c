/* Netlink route requests over one libmnl socket; each request waits for its ACK so that an
 * error names the step that failed. */
#include "net/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct nl {
  struct mnl_socket *sock;
  unsigned portid;
  unsigned seq;
  bool batch;            /* requests are queued (nl_batch_begin) instead of sent one by one */
  size_t len;            /* bytes queued before last */
  struct nlmsghdr *last; /* the request being built */
  int queued;
  char buf[8192];
};

struct nl *nl_open(struct td_err **err)
{
  struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!s)
    return err_set(err, errno, "open netlink socket"), NULL;
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    mnl_socket_close(s);
    return err_set(err, e, "bind netlink socket"), NULL;
  }
  struct nl *nl = xmalloc(sizeof(*nl));
  nl->sock = s;
  nl->portid = mnl_socket_get_portid(s);
  nl->seq = (unsigned)time(NULL);
  return nl;
}

struct nl *nl_open_in_netns(const char *netns_path, struct td_err **err)
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
  struct nl *nl = nl_open(err);
  if (setns(self, CLONE_NEWNET) < 0)
    abort(); /* cannot happen with our own saved fd; continuing in the wrong netns is worse */
  return nl;
}

void nl_close(struct nl *nl)
{
  if (!nl)
    return;
  mnl_socket_close(nl->sock);
  free(nl);
}

static struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
  char *at = nl->buf;
  if (nl->batch) {
    if (nl->last)
      nl->len += NLMSG_ALIGN(nl->last->nlmsg_len);
    at = nl->buf + nl->len;
  }
  struct nlmsghdr *h = mnl_nlmsg_put_header(at);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  h->nlmsg_seq = ++nl->seq;
  if (nl->batch) {
    nl->last = h;
    nl->queued++;
  }
  return h;
}

void nl_batch_begin(struct nl *nl)
{
  nl->batch = true;
  nl->len = 0;
  nl->last = NULL;
  nl->queued = 0;
}

/* Send the queued requests in one sendmsg and read one ACK per request; other messages
 * (NLM_F_ECHO replies) go to cb. The kernel runs them in order and goes on after a failed
 * one: the first failure is reported. */
static int batch_end(struct nl *nl, mnl_cb_t cb, void *data, struct td_err **err)
{
  nl->batch = false;
  size_t total = nl->len + (nl->last ? NLMSG_ALIGN(nl->last->nlmsg_len) : 0);
  int want = nl->queued, acks = 0, first = 0;
  uint16_t bad = 0;
  if (total == 0)
    return 0;
  if (mnl_socket_sendto(nl->sock, nl->buf, total) < 0)
    return err_set(err, errno, "netlink send");
  char rbuf[8192];
  while (acks < want) {
    ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
    if (n < 0)
      return err_set(err, errno, "netlink receive");
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, (int)left);
         h = mnl_nlmsg_next(h, (int *)&left)) {
      if (h->nlmsg_type != NLMSG_ERROR) {
        if (cb)
          cb(h, data);
        continue;
      }
      const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
      acks++;
      if (e->error < 0 && first == 0) {
        first = -e->error;
        bad = e->msg.nlmsg_type;
      }
    }
  }
  if (first)
    return err_set(err, first, "netlink request (type %u)", bad);
  return 0;
}

int nl_batch_end(struct nl *nl, struct td_err **err)
{
  return batch_end(nl, NULL, NULL, err);
}

/* Send h and wait for its ACK; returns 0 or -errno from the kernel. In a batch, only queue. */
static int nl_talk(struct nl *nl, struct nlmsghdr *h)
{
  if (nl->batch)
    return 0;
  if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
    return -errno;
  char rbuf[8192];
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
    if (n < 0)
      return errno == EINTR ? -EINTR : -errno;
    int r = mnl_cb_run(rbuf, (size_t)n, h->nlmsg_seq, nl->portid, NULL, NULL);
    if (r < 0)
      return -errno;
    if (r == MNL_CB_STOP)
      return 0;
  }
}

static struct ifinfomsg *link_hdr(struct nlmsghdr *h, int index)
{
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return ifi;
}

int nl_link_index(struct nl *nl, const char *name, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_GETLINK, 0);
  link_hdr(h, 0);
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
    return err_set(err, errno, "netlink get link %s", name);
  char rbuf[8192];
  ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
  if (n < 0)
    return err_set(err, errno, "netlink get link %s", name);
  struct nlmsghdr *r = (struct nlmsghdr *)rbuf;
  if (r->nlmsg_type == NLMSG_ERROR) {
    struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
    return err_set(err, -e->error, "link %s", name);
  }
  struct ifinfomsg *ifi = mnl_nlmsg_get_payload(r);
  int idx = ifi->ifi_index;
  /* drain the trailing ACK */
  n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
  (void)n;
  return idx;
}

int nl_bridge_create(struct nl *nl, const char *name, unsigned mtu, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  link_hdr(h, 0);
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  if (mtu)
    mnl_attr_put_u32(h, IFLA_MTU, mtu);
  struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
  mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(h, li);
  int r = nl_talk(nl, h);
  if (r < 0 && r != -EEXIST)
    return err_set(err, -r, "create bridge %s", name);
  return nl_link_index(nl, name, err);
}

int nl_addr_add(struct nl *nl, int ifindex, uint32_t ip, int prefix, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_index = (unsigned)ifindex;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  uint32_t be = htonl(ip);
  mnl_attr_put_u32(h, IFA_LOCAL, be);
  mnl_attr_put_u32(h, IFA_ADDRESS, be);
  if (prefix < 31) {
    uint32_t bc = htonl(ip | (prefix ? ~(0xffffffffu << (32 - prefix)) : 0xffffffffu));
    mnl_attr_put_u32(h, IFA_BROADCAST, bc);
  }
  int r = nl_talk(nl, h);
  if (r < 0 && r != -EEXIST)
    return err_set(err, -r, "add address to link %d", ifindex);
  return 0;
}

int nl_link_up(struct nl *nl, int ifindex, unsigned mtu, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0);
  struct ifinfomsg *ifi = link_hdr(h, ifindex);
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = IFF_UP;
  if (mtu)
    mnl_attr_put_u32(h, IFLA_MTU, mtu);
  int r = nl_talk(nl, h);
  if (r < 0)
    return err_set(err, -r, "set link %d up", ifindex);
  return 0;
}

int nl_link_up_name(struct nl *nl, const char *name, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0);
  struct ifinfomsg *ifi = link_hdr(h, 0);
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = IFF_UP;
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  int r = nl_talk(nl, h);
  if (r < 0)
    return err_set(err, -r, "set link %s up", name);
  return 0;
}

int nl_link_down(struct nl *nl, int ifindex, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0);
  struct ifinfomsg *ifi = link_hdr(h, ifindex);
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = 0;
  int r = nl_talk(nl, h);
  if (r < 0 && r != -ENODEV)
    return err_set(err, -r, "set link %d down", ifindex);
  return 0;
}

int nl_link_del_index(struct nl *nl, int ifindex, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_DELLINK, 0);
  link_hdr(h, ifindex);
  int r = nl_talk(nl, h);
  if (r < 0 && r != -ENODEV)
    return err_set(err, -r, "delete link %d", ifindex);
  return 0;
}

int nl_link_del(struct nl *nl, const char *name, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_DELLINK, 0);
  link_hdr(h, 0);
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  int r = nl_talk(nl, h);
  if (r < 0 && r != -ENODEV)
    return err_set(err, -r, "delete link %s", name);
  return 0;
}

/* The NLM_F_ECHO of the veth's host end: its IFLA_LINK is the peer's ifindex. */
static int echo_peer_cb(const struct nlmsghdr *h, void *data)
{
  if (h->nlmsg_type != RTM_NEWLINK)
    return MNL_CB_OK;
  struct nlattr *a;
  mnl_attr_for_each(a, h, sizeof(struct ifinfomsg)) if (mnl_attr_get_type(a) == IFLA_LINK) *
      (int *)data = (int)mnl_attr_get_u32(a);
  return MNL_CB_OK;
}

int nl_veth_create(struct nl *nl, const char *host_name, int master, unsigned mtu,
                   const char *peer_name, int peer_netns_fd, const uint8_t *peer_mac,
                   int *peer_index, struct td_err **err)
{
  /* one round trip: the pair (echoed back, for the peer's index) and the hairpin */
  nl_batch_begin(nl);
  struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO);
  struct ifinfomsg *ifi = link_hdr(h, 0);
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = IFF_UP;
  mnl_attr_put_strz(h, IFLA_IFNAME, host_name);
  if (mtu)
    mnl_attr_put_u32(h, IFLA_MTU, mtu);
  mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
  struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
  mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
  /* the peer's attributes follow its own ifinfomsg */
  struct ifinfomsg *pifi = (struct ifinfomsg *)mnl_nlmsg_get_payload_tail(h);
  memset(pifi, 0, sizeof(*pifi));
  pifi->ifi_family = AF_UNSPEC;
  h->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
  mnl_attr_put_strz(h, IFLA_IFNAME, peer_name);
  if (mtu)
    mnl_attr_put_u32(h, IFLA_MTU, mtu);
  mnl_attr_put(h, IFLA_ADDRESS, 6, peer_mac);
  mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
  mnl_attr_nest_end(h, peer);
  mnl_attr_nest_end(h, data);
  mnl_attr_nest_end(h, li);
  /* hairpin: a container reaching its own published port goes back out the port it came in
   * (a bridge port option, set by the port's name in the same batch) */
  h = nl_msg(nl, RTM_NEWLINK, 0);
  link_hdr(h, 0);
  mnl_attr_put_strz(h, IFLA_IFNAME, host_name);
  li = mnl_attr_nest_start(h, IFLA_LINKINFO);
  mnl_attr_put_strz(h, IFLA_INFO_SLAVE_KIND, "bridge");
  data = mnl_attr_nest_start(h, IFLA_INFO_SLAVE_DATA);
  mnl_attr_put_u8(h, IFLA_BRPORT_MODE, 1);
  mnl_attr_nest_end(h, data);
  mnl_attr_nest_end(h, li);
  *peer_index = 0;
  if (batch_end(nl, echo_peer_cb, peer_index, err) < 0)
    return err_prefix(err, "create veth %s", host_name);
  return 0;
}

int nl_route_default(struct nl *nl, uint32_t gw, struct td_err **err)
{
  struct nlmsghdr *h = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(h, RTA_GATEWAY, htonl(gw));
  int r = nl_talk(nl, h);
  if (r < 0)
    return err_set(err, -r, "add default route");
  return 0;
}

struct port_list {
  bool down_only;
  char ***names;
};

static int port_name_cb(const struct nlmsghdr *h, void *data)
{
  struct port_list *pl = data;
  const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
  if (pl->down_only && (ifi->ifi_flags & IFF_UP))
    return MNL_CB_OK;
  struct nlattr *a;
  mnl_attr_for_each(a, h, sizeof(struct ifinfomsg)) if (mnl_attr_get_type(a) == IFLA_IFNAME)
      strv_push(pl->names, mnl_attr_get_str(a));
  return MNL_CB_OK;
}

int nl_bridge_ports(struct nl *nl, const char *bridge, bool down_only, char ***names,
                    struct td_err **err)
{
  int master = (int)if_nametoindex(bridge);
  if (master <= 0)
    return 0;
  struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);
  h->nlmsg_type = RTM_GETLINK;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h->nlmsg_seq = ++nl->seq;
  link_hdr(h, 0);
  mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master); /* the kernel filters the dump */
  if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
    return err_set(err, errno, "list ports of %s", bridge);
  struct port_list pl = {down_only, names};
  char rbuf[16384];
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
    if (n < 0)
      return err_set(err, errno, "list ports of %s", bridge);
    int r = mnl_cb_run(rbuf, (size_t)n, h->nlmsg_seq, nl->portid, port_name_cb, &pl);
    if (r < 0)
      return err_set(err, errno, "list ports of %s", bridge);
    if (r == MNL_CB_STOP)
      return 0;
  }
}

int nl_bridge_del_ports(struct nl *nl, const char *bridge, struct td_err **err)
{
  autostrv char **names = NULL;
  if (nl_bridge_ports(nl, bridge, false, &names, err) < 0)
    return -1;
  for (char **p = names; p && *p; p++)
    if (nl_link_del(nl, *p, err) < 0)
      return -1;
  return 0;
}
