/* Netlink through libmnl: one socket per batch of operations, no `ip` subprocesses. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct nl;

/* Open a NETLINK_ROUTE socket in the current netns. */
struct nl *nl_open(struct td_err **err);
/* Open a NETLINK_ROUTE socket inside the netns at netns_path (setns there and back). */
struct nl *nl_open_in_netns(const char *netns_path, struct td_err **err);
/* Close and free; NULL is ignored. */
void nl_close(struct nl *nl);
/* Create a bridge device (no error if it exists); returns its ifindex. */
int nl_bridge_create(struct nl *nl, const char *name, unsigned mtu, struct td_err **err);
/* Add an IPv4 address (host order) to ifindex; an existing one is fine. */
int nl_addr_add(struct nl *nl, int ifindex, uint32_t ip, int prefix, struct td_err **err);
/* Set a link up (and its MTU when mtu != 0). */
int nl_link_up(struct nl *nl, int ifindex, unsigned mtu, struct td_err **err);
/* Set a link down (a bridge port stops forwarding and forgets the addresses it learned). */
int nl_link_down(struct nl *nl, int ifindex, struct td_err **err);
/* Delete a link by index; a missing link is not an error. */
int nl_link_del_index(struct nl *nl, int ifindex, struct td_err **err);
/* Delete a link by name; a missing link is not an error. */
int nl_link_del(struct nl *nl, const char *name, struct td_err **err);
/* veth pair: host end attached to master, up, hairpin on; peer created inside the netns fd
 * with the given name and MAC (6 bytes). *peer_index gets the peer's ifindex in its netns
 * (0 if the kernel did not say). One round trip. */
int nl_veth_create(struct nl *nl, const char *host_name, int master, unsigned mtu,
                   const char *peer_name, int peer_netns_fd, const uint8_t *peer_mac,
                   int *peer_index, struct td_err **err);
/* Queue the requests that follow (nl_addr_add, nl_link_up, nl_link_up_name,
 * nl_route_default) instead of sending each; nl_batch_end sends them in one sendmsg and
 * reports the first failure. */
void nl_batch_begin(struct nl *nl);
int nl_batch_end(struct nl *nl, struct td_err **err);
/* Set a link up by name. */
int nl_link_up_name(struct nl *nl, const char *name, struct td_err **err);
/* ifindex of a link by name in the socket's netns, or -1 (with err) if absent. */
int nl_link_index(struct nl *nl, const char *name, struct td_err **err);
/* Add a default route via gw (host order). */
int nl_route_default(struct nl *nl, uint32_t gw, struct td_err **err);
/* Names of the links enslaved to bridge (only those set down if down_only), appended. */
int nl_bridge_ports(struct nl *nl, const char *bridge, bool down_only, char ***names,
                    struct td_err **err);
/* Delete every link enslaved to bridge (veths whose container side is pinned elsewhere). */
int nl_bridge_del_ports(struct nl *nl, const char *bridge, struct td_err **err);
