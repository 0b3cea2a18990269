/* Netlink through libnl-3 (its core: sockets, messages, attributes): one socket per batch of
 * operations, no `ip` subprocesses. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct tdnl;
struct nl_msg;
struct nlmsghdr;

/* Open a NETLINK_ROUTE socket in the current netns. */
struct tdnl *tdnl_open(struct td_err **err);
/* Open a NETLINK_ROUTE socket inside the netns at netns_path (setns there and back). */
struct tdnl *tdnl_open_in_netns(const char *netns_path, struct td_err **err);
/* Close and free; NULL is ignored. */
void tdnl_close(struct tdnl *nl);
/* Create a bridge device (no error if it exists); returns its ifindex. */
int tdnl_bridge_create(struct tdnl *nl, const char *name, unsigned mtu, struct td_err **err);
/* Add an IPv4 address (host order) to ifindex; an existing one is fine. */
int tdnl_addr_add(struct tdnl *nl, int ifindex, uint32_t ip, int prefix, struct td_err **err);
/* Set a link up (and its MTU when mtu != 0). */
int tdnl_link_up(struct tdnl *nl, int ifindex, unsigned mtu, struct td_err **err);
/* Set a link down (a bridge port stops forwarding and forgets the addresses it learned). */
int tdnl_link_down(struct tdnl *nl, int ifindex, struct td_err **err);
/* Delete a link by index; a missing link is not an error. */
int tdnl_link_del_index(struct tdnl *nl, int ifindex, struct td_err **err);
/* Delete a link by name; a missing link is not an error. */
int tdnl_link_del(struct tdnl *nl, const char *name, struct td_err **err);
/* veth pair: host end attached to master, up, hairpin on; peer created inside the netns fd
 * with the given name and MAC (6 bytes). *peer_index gets the peer's ifindex in its netns
 * (0 if the kernel did not say). One round trip. */
int tdnl_veth_create(struct tdnl *nl, const char *host_name, int master, unsigned mtu,
                     const char *peer_name, int peer_netns_fd, const uint8_t *peer_mac,
                     int *peer_index, struct td_err **err);
/* Queue the requests that follow (tdnl_addr_add, tdnl_link_up, tdnl_link_up_name,
 * tdnl_route_default) instead of sending each; tdnl_batch_end sends them in one sendmsg and
 * reports the first failure. */
void tdnl_batch_begin(struct tdnl *nl);
int tdnl_batch_end(struct tdnl *nl, struct td_err **err);
/* Set a link up by name. */
int tdnl_link_up_name(struct tdnl *nl, const char *name, struct td_err **err);
/* ifindex of a link by name in the socket's netns, or -1 (with err) if absent. */
int tdnl_link_index(struct tdnl *nl, const char *name, struct td_err **err);
/* Add a default route via gw (host order). */
int tdnl_route_default(struct tdnl *nl, uint32_t gw, struct td_err **err);
/* Names of the links enslaved to bridge (only those set down if down_only), appended. */
int tdnl_bridge_ports(struct tdnl *nl, const char *bridge, bool down_only, char ***names,
                      struct td_err **err);
/* Delete every link enslaved to bridge (veths whose container side is pinned elsewhere). */
int tdnl_bridge_del_ports(struct tdnl *nl, const char *bridge, struct td_err **err);

/* The low level, for other netlink families (net/nftport.c). */
/* Open a socket of a netlink protocol (NETLINK_*) in the current netns. */
struct tdnl *tdnl_open_protocol(int protocol, struct td_err **err);
/* A message of the answers that is no ACK, error or dump end (echoes, dump parts). */
typedef void (*tdnl_reply_fn)(const struct nlmsghdr *h, void *data);
/* Queue msg (built with libnl, freed here) with the next sequence number; a message flagged
 * NLM_F_ACK will be answered. */
void tdnl_queue(struct tdnl *nl, struct nl_msg *msg);
/* Send the queued messages in one sendmsg and read their answers until all came or one is a
 * failure; other messages go to fn. Returns 0 or -errno (the kernel's for a failure). */
int tdnl_flush(struct tdnl *nl, tdnl_reply_fn fn, void *data);
