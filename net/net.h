/* Networks for the engine: store, IPAM, bridge + veth through netlink, nftables NAT and
 * published ports, and the container's /etc/hosts and /etc/resolv.conf.
 *
 * `--network` semantics (the engine maps them, see net_mode_parse):
 *   none          new netns with only lo (up); net is not called at all.
 *   host          no new netns; net is not called; the engine copies the host's
 *                 /etc/hosts and /etc/resolv.conf (net_resolv_render with no --dns).
 *   bridge / NAME new netns; after runtime create (the init is in its netns, not yet
 *                 started) the engine calls net_attach with /proc/<pid>/ns/net, then on
 *                 rm / crash recovery net_detach(root, id) (idempotent).
 *   container:ID  join ID's netns (OCI namespace path /proc/<pid>/ns/net); no attach; the
 *                 engine reuses ID's hosts/resolv.conf files.
 *
 * State: <root>/networks/<id>/network.json and endpoints.json, all read-modify-writes under
 * <root>/networks/.lock. A host-wide lock (/run/tinydocker-net.lock) serialises subnet
 * picking and bridge creation between different roots. nftables is only loaded (dlopen) when
 * rules change: network create/rm, and attach/detach of a container with published ports. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

#define NET_DEFAULT_NAME "bridge"

/* An IPv4 prefix; addr in host byte order. */
struct net_cidr {
  uint32_t addr;
  int prefix;
};

struct net_create_req {
  const char *name;
  const char *driver;      /* NULL or "bridge" */
  const char *subnet;      /* NULL: pick a free one from the pool */
  const char *gateway;     /* NULL: first host of the subnet */
  const char *ip_range;    /* NULL: the whole subnet */
  json_t *ipam_config;     /* net_ipam_consolidate's docker IPAM.Config (NULL: none given); subnet,
                              gateway and ip_range are its first entry's */
  const char *ipam_driver; /* NULL or "default" */
  bool internal;           /* no masquerade, no way out of the bridge */
  char **labels;           /* "k=v", NULL-terminated, may be NULL */
  char **options;          /* "-o k=v": com.docker.network.bridge.name, ...driver.mtu */
};

/* One published port: host side (ip 0 = all addresses, port 0 = pick) -> container side. */
struct net_port {
  char proto[4];    /* "tcp" or "udp" */
  uint32_t host_ip; /* host byte order, 0 for any */
  uint16_t host_port;
  uint16_t ctr_port;
};

struct net_attach_req {
  const char *network;          /* name or id; NULL means "bridge" (created on first use) */
  const char *container_name;   /* for other containers' /etc/hosts (user networks) */
  const char *hostname;         /* first name on this container's own hosts line */
  const char *ip;               /* --ip, NULL to allocate */
  char **aliases;               /* --network-alias, NULL-terminated, may be NULL */
  const struct net_port *ports; /* -p / -P, already parsed */
  size_t n_ports;
  char **add_hosts;       /* --add-host "name:ip", may be NULL */
  const char *hosts_path; /* if set, net writes /etc/hosts there and keeps it current (in place) */
  const uint8_t *mac;     /* --mac-address of the container's end, NULL = from the IP */
};

struct net_attach_result {
  char network_id[65];
  char network_name[128];
  char ip[16];
  char gateway[16];
  int prefix;
  char mac[18];
  char host_ifname[16];   /* host end of the veth */
  struct net_port *ports; /* ports as bound (random host ports filled in); free with _free */
  size_t n_ports;
};

/* What /etc/resolv.conf gets. */
struct net_dns_req {
  char **dns;        /* --dns */
  char **dns_search; /* --dns-search */
  char **dns_opts;   /* --dns-option */
};

enum net_mode {
  NET_MODE_BRIDGE, /* default network or a named one (name in *arg) */
  NET_MODE_NONE,
  NET_MODE_HOST,
  NET_MODE_CONTAINER, /* container name/id in *arg */
};

/* ---- networks ---- */

/* Create a network; *id_out gets its id (may be NULL). Bad input creates nothing. */
int net_create(const char *root, const struct net_create_req *req, char **id_out,
               struct td_err **err);
/* Remove a network (not "bridge", not one with endpoints). */
int net_remove(const char *root, const char *name_or_id, struct td_err **err);
/* docker-like inspect objects of every network, as a JSON array (default one included). */
int net_list(const char *root, json_t **out, struct td_err **err);
/* docker-like inspect object of one network, with its Containers. */
int net_inspect(const char *root, const char *name_or_id, json_t **out, struct td_err **err);
/* Remove every user network without endpoints; names removed in *removed (may be NULL). */
int net_prune(const char *root, char ***removed, struct td_err **err);
/* Remove everything of ours under root: endpoints, veths, bridges, the nft table, records. */
int net_cleanup(const char *root, struct td_err **err);
/* Remove bridges and nft tables of roots that no longer exist (tables carry their root as a
 * comment); what was removed goes to *removed (may be NULL). */
int net_cleanup_orphans(char ***removed, struct td_err **err);
/* Make sure the default network exists (created on first use). */
int net_ensure_default(const char *root, struct td_err **err);

/* ---- containers ---- */

/* Connect the netns at netns_path (e.g. /proc/PID/ns/net) of container_id to a network. */
int net_attach(const char *root, const char *container_id, const char *netns_path,
               const struct net_attach_req *req, struct net_attach_result *res,
               struct td_err **err);
/* Release what net_attach_result holds. */
void net_attach_result_free(struct net_attach_result *res);
/* Disconnect container_id from every network: veth, IPs, port rules, hosts entries.
 * Idempotent; safe after a crash and when the netns is already gone. */
int net_detach(const char *root, const char *container_id, struct td_err **err);
/* net_detach in two halves, so that a caller can answer first and wait later. net_release
 * does everything but deleting the host ends of the veths (records, addresses, ports, nft
 * elements, hosts files: ~1 ms), sets them down (they forward nothing and the bridge forgets
 * their MACs) and lists them in *unplug (NULL if none; free with strv_free). net_unplug
 * deletes them: ~20 ms, mostly waiting in the kernel (netdev unregister waits for RCU grace
 * periods); no lock, a link already gone is fine. Never skip net_unplug: a netns kept alive
 * (--network container:ID, an open fd) keeps its veth, and nothing else deletes a released
 * one but `network cleanup`. Call net_unplug before the same container attaches again. */
int net_release(const char *root, const char *container_id, char ***unplug, struct td_err **err);
void net_unplug(char **unplug);
/* Disconnect container_id from one network (network disconnect). */
int net_disconnect(const char *root, const char *network, const char *container_id,
                   struct td_err **err);
/* Published ports of a container (the `port` command), across its networks. */
int net_container_ports(const char *root, const char *container_id, struct net_port **ports,
                        size_t *n, struct td_err **err);
/* Reclaim records of endpoints whose veth is gone or whose setup never finished. */
int net_gc(const char *root, struct td_err **err);

/* ---- parsing and rendering (pure) ---- */

/* Parse "A.B.C.D/N" (host bits must be zero unless allow_host_bits). */
int net_cidr_parse(const char *s, bool allow_host_bits, struct net_cidr *out, struct td_err **err);
/* docker's CLI consolidation of network create's --subnet, --ip-range, --gateway and
 * --aux-address (NAME=IP): *config gets docker's IPAM.Config array, one entry per subnet, with
 * docker's errors ("no matching subnet for gateway X", overlapping subnets, ...). */
int net_ipam_consolidate(char **subnets, char **ranges, char **gateways, char **aux,
                         json_t **config, struct td_err **err);
/* Parse a dotted IPv4 address into host byte order. */
int net_ip_parse(const char *s, uint32_t *out, struct td_err **err);
/* Format a host-order IPv4 address into buf (>= 16 bytes); returns buf. */
char *net_ip_fmt(uint32_t ip, char *buf);
/* True if the two prefixes share any address. */
bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b);
/* True if ip lies in c. */
bool net_cidr_contains(const struct net_cidr *c, uint32_t ip);
/* Parse one -p spec ([IP:][HOSTPORT[-END]:]CTRPORT[-END][/tcp|udp]); appends (ranges expand). */
int net_port_parse(const char *spec, struct net_port **ports, size_t *n, struct td_err **err);
/* Refuse, before a container exists, a fixed host port that a host process or another
 * container of root already holds (attach checks again under its lock). */
int net_ports_check(const char *root, const struct net_port *ports, size_t n, struct td_err **err);
/* -P: one ExposedPorts key ("80/tcp", "53/udp") becomes a port on a random host port. */
int net_port_parse_exposed(const char *key, struct net_port **ports, size_t *n,
                           struct td_err **err);
/* Format a port as docker's `port` command does: "80/tcp -> 0.0.0.0:8080". */
char *net_port_fmt(const struct net_port *p);
/* Parse a --network value. *arg gets the network or container name (NULL for none/host). */
int net_mode_parse(const char *value, enum net_mode *mode, char **arg, struct td_err **err);
/* /etc/resolv.conf for a container; host_resolv is the host's file content (may be NULL). */
char *net_resolv_render(const struct net_dns_req *req, const char *host_resolv);
/* /etc/hosts for a container without a network record (none/host modes, or before attach):
 * localhost lines, add_hosts, and "ip hostname" if ip is non-NULL. */
char *net_hosts_render(const char *hostname, const char *ip, char **add_hosts);
