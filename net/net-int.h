/* Internals shared by the files of net/ (not for other modules). */
#pragma once
#include <stddef.h>

struct net_hosts_peer {
  const char *ip;
  const char *name;
  char **aliases;
};

/* /etc/hosts with this container's line plus its peers on a user network. */
char *net_hosts_render_peers(const char *hostname, const char *ip, char **add_hosts,
                             const struct net_hosts_peer *peers, size_t n_peers);

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "net/net.h"
#include "util/err.h"

struct nft;

/* Everything of one root's networks, loaded under <root>/networks/.lock. */
struct net_ctx {
  char *root;
  char *dir; /* <root>/networks */
  int lock_fd;
  json_t *nets;    /* array of network records (see store.c for the fields) */
  char *table;     /* our nft table for this root */
  struct nft *nft; /* opened on first need */
};

/* Lock and load the networks of root (creating the directory). */
int net_ctx_open(const char *root, struct net_ctx *ctx, struct td_err **err);
/* Release the lock and everything loaded. */
void net_ctx_close(struct net_ctx *ctx);
/* The nft handle, loading libnftables on first use. */
struct nft *net_ctx_nft(struct net_ctx *ctx, struct td_err **err);
/* A network by exact name, full id or unique id prefix; NULL if none. */
json_t *net_ctx_find(struct net_ctx *ctx, const char *name_or_id);
/* Write one network record atomically. */
int net_ctx_save(struct net_ctx *ctx, json_t *net, struct td_err **err);
/* Create a network inside an open ctx (also used for the default network). */
json_t *net_ctx_create(struct net_ctx *ctx, const struct net_create_req *req, struct td_err **err);
/* Make sure a network's bridge (and its nft elements) exist, e.g. after a reboot. */
int net_plumb_ensure(struct net_ctx *ctx, json_t *net, struct td_err **err);
/* Remove one endpoint of net: veth, nft elements, record, peers' hosts files. With unplug
 * non-NULL the host veth is only set down and its ifindex appended there (net_unplug). */
void net_endpoint_release(struct net_ctx *ctx, json_t *net, const char *cid, char ***unplug);
/* Rewrite the hosts files of every endpoint on net but skip (may be NULL), in place: they
 * are bind mounts. */
void net_hosts_refresh(struct net_ctx *ctx, json_t *net, const char *skip);
/* The hosts file's text of cid, whose endpoint record self is (hostsync.c). */
char *net_hosts_for(struct net_ctx *ctx, const char *cid, json_t *self);
/* The next attach order number ("Seq") of cid's endpoints: one past its highest (hostsync.c). */
json_int_t net_ep_next_seq(struct net_ctx *ctx, const char *cid);
/* Reclaim endpoints whose setup never finished, or (full) whose veth is gone. */
void net_ctx_gc(struct net_ctx *ctx, bool full);

/* Parsed view of a network record. */
struct net_info {
  const char *id, *name, *bridge;
  struct net_cidr subnet, range;
  uint32_t gateway;
  unsigned mtu;
  bool internal;
  json_t *aux; /* AuxiliaryAddresses {name: ip}: reserved, never given out (may be NULL) */
};
/* Whether ip is one of aux's addresses (an --aux-address: IPAM never hands it out). */
bool net_ip_reserved(json_t *aux, uint32_t ip);
/* Fill info from a record; pointers borrow from it. */
void net_info_get(json_t *net, struct net_info *info);
/* Whether net is the default network (bridge): no name resolution there, as in docker. */
bool net_is_default(json_t *net);

/* 64-bit FNV-1a, for short stable device names. */
uint64_t net_hash(const char *a, const char *b);
/* Host routes as prefixes (default route excluded); returns count, *out malloc'ed. */
size_t net_host_routes(struct net_cidr **out);
/* Write a /proc/sys knob; errors are returned. */
int net_sysctl(const char *path, const char *value, struct td_err **err);
/* A new random 64-hex id. */
char *net_new_id(void);
/* Undo a network's plumbing: nft elements and the bridge; best effort, idempotent. */
void net_plumb_down(struct net_ctx *ctx, json_t *net);
/* Add or delete published ports (map elements -> ctr_ip) with raw nf_tables netlink. */
int net_nft_ports(const char *table, const struct net_port *ports, size_t n, uint32_t ctr_ip,
                  bool add, struct td_err **err);
/* The network's nft elements (bridge, isolation, masquerade), creating our table if needed. */
int net_plumb_nft(struct net_ctx *ctx, json_t *net, struct td_err **err);
/* IPAM: the first free host address of net's range at or after hint, wrapping (never the
 * network, broadcast or gateway address), or the fixed one if usable and free. */
int net_ipam_pick(json_t *net, const char *fixed, uint32_t hint,
                  bool (*used)(void *ud, uint32_t ip), void *ud, uint32_t *out,
                  struct td_err **err);
/* ---- endpoint store (epstore.c) ---- */
/* Every endpoint of net (reads its directory once). */
json_t *net_eps(struct net_ctx *ctx, json_t *net);
/* One endpoint, or NULL. */
json_t *net_ep_get(struct net_ctx *ctx, json_t *net, const char *cid);
/* Write an endpoint record (and keep it in memory; ep is not stolen). update: the record
 * exists, rewrite it in place (no rename: cheaper on ext4) when it fits in one page. */
int net_ep_put(struct net_ctx *ctx, json_t *net, const char *cid, json_t *ep, bool update,
               struct td_err **err);
/* Rewrite path in place (pwrite + ftruncate, no O_TRUNC and no rename: both start writeback
 * on ext4, ~2 ms each here); -1 on failure. */
int net_write_in_place(const char *path, const char *text, bool create);
/* Forget an endpoint record. */
void net_ep_del(struct net_ctx *ctx, json_t *net, const char *cid);
/* An endpoint record's ports as structs (*n the count; free the array) and its address. */
struct net_port *net_ep_ports(json_t *ep, size_t *n);
uint32_t net_ep_ip(json_t *ep);
/* Address claims and the allocator's next-fit hint. */
bool net_ip_claimed(struct net_ctx *ctx, json_t *net, uint32_t ip);
int net_ip_claim(struct net_ctx *ctx, json_t *net, uint32_t ip, const char *cid,
                 struct td_err **err);
void net_ip_unclaim(struct net_ctx *ctx, json_t *net, uint32_t ip, const char *cid);
uint32_t net_ip_hint(struct net_ctx *ctx, json_t *net);
void net_ip_hint_set(struct net_ctx *ctx, json_t *net, uint32_t ip);
/* Host port claims (all networks of the root): the holder's id, or NULL if free. */
char *net_port_holder(struct net_ctx *ctx, const struct net_port *p);
int net_port_claim(struct net_ctx *ctx, const struct net_port *p, const char *cid,
                   struct td_err **err);
void net_port_unclaim(struct net_ctx *ctx, const struct net_port *p, const char *cid);
/* A published port to and from its record form ({Proto, HostIp, HostPort, ContainerPort}). */
void net_port_from_json(json_t *p, struct net_port *o);
json_t *net_port_to_json(const struct net_port *p);
/* Check each port free (a host process bound to it, another container's claim, a port
 * earlier in the list) and pick the random ones; appends the result to out. No claim made. */
int net_ports_reserve(struct net_ctx *ctx, const struct net_port *ports, size_t n, json_t *out,
                      struct td_err **err);
/* Remove a network's endpoint directory (network rm). */
void net_ep_dir_remove(struct net_ctx *ctx, json_t *net);
/* Mark/unmark cid as having a hosts file to keep current on net; list the marked ones. */
void net_hosts_mark(struct net_ctx *ctx, json_t *net, const char *cid, bool on);
char **net_hosts_list(struct net_ctx *ctx, json_t *net);
