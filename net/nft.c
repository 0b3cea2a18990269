/* libnftables costs ~1.3 ms to load, so it is dlopen'ed on first use: `run` without -p and
 * --network none/host never load it. All our rules sit in one table whose base chains match
 * against sets and maps, so a network or a published port is a set element, not a rule. */
#include "net/nft.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <jansson.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct nft_ctx;
struct nft_fns {
  struct nft_ctx *(*ctx_new)(uint32_t flags);
  void (*ctx_free)(struct nft_ctx *ctx);
  int (*run)(struct nft_ctx *ctx, const char *buf);
  int (*buffer_output)(struct nft_ctx *ctx);
  const char *(*get_output)(struct nft_ctx *ctx);
  void (*set_flags)(struct nft_ctx *ctx, unsigned flags);
  int (*buffer_error)(struct nft_ctx *ctx);
  const char *(*get_error)(struct nft_ctx *ctx);
};

struct nft {
  struct nft_ctx *ctx;
  char *table;
};

static struct nft_fns fns;
static void *fns_handle;
static int fns_users;

static int nft_load(struct td_err **err)
{
  if (fns.ctx_new)
    return 0;
  void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h)
    return err_set(err, ENOENT, "load libnftables: %s", dlerror());
  struct nft_fns f;
  *(void **)&f.ctx_new = dlsym(h, "nft_ctx_new");
  *(void **)&f.ctx_free = dlsym(h, "nft_ctx_free");
  *(void **)&f.run = dlsym(h, "nft_run_cmd_from_buffer");
  *(void **)&f.buffer_output = dlsym(h, "nft_ctx_buffer_output");
  *(void **)&f.buffer_error = dlsym(h, "nft_ctx_buffer_error");
  *(void **)&f.get_output = dlsym(h, "nft_ctx_get_output_buffer");
  *(void **)&f.set_flags = dlsym(h, "nft_ctx_output_set_flags");
  *(void **)&f.get_error = dlsym(h, "nft_ctx_get_error_buffer");
  if (!f.ctx_new || !f.ctx_free || !f.run || !f.buffer_output || !f.buffer_error || !f.get_error ||
      !f.get_output || !f.set_flags)
    return err_set(err, ENOENT, "libnftables lacks a needed symbol");
  fns = f;
  fns_handle = h;
  return 0;
}

/* The engine's monitor outlives the attach: give the library's memory back when done. */
static void nft_unload(void)
{
  if (fns_users > 0 || !fns_handle)
    return;
  dlclose(fns_handle);
  fns_handle = NULL;
  memset(&fns, 0, sizeof(fns));
}

/* The whole table, created once. Order in forward matters: replies, then same-bridge traffic
 * (seen here when br_netfilter is on), then --internal (nothing in or out, published ports of
 * other networks included), then published ports, then isolation. input keeps an internal
 * network's containers off every host address (the gateway's, 127.0.0.1's, eth0's) while the
 * replies to connections the host made to them pass. */
static const char table_fmt[] =
    "table inet %1$s {\n"
    "  comment \"%2$s\";\n"
    "  set bridges { type ifname; }\n"
    "  set internal { type ifname; }\n"
    "  set same { type ifname . ifname; }\n"
    "  set masq { type ipv4_addr; flags interval; }\n"
    "  set hairpin { type ipv4_addr . ifname; flags interval; }\n"
    "  map pub4 { type inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
    "  map pub4any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "  chain pub {\n"
    "    dnat ip to meta l4proto . ip daddr . th dport map @pub4\n"
    "    dnat ip to meta l4proto . th dport map @pub4any\n"
    "  }\n"
    "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
    "    fib daddr type local jump pub\n"
    "  }\n"
    "  chain output { type nat hook output priority -100; policy accept;\n"
    "    fib daddr type local jump pub\n"
    "  }\n"
    "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
    "    ip saddr 127.0.0.0/8 oifname @bridges masquerade\n"
    "    ct status dnat ip saddr . oifname @hairpin masquerade\n"
    "    ip saddr @masq oifname != @bridges masquerade\n"
    "  }\n"
    "  chain forward { type filter hook forward priority filter; policy accept;\n"
    "    ct state established,related accept\n"
    "    iifname . oifname @same accept\n"
    "    iifname @internal drop\n"
    "    oifname @internal drop\n"
    "    ct status dnat oifname @bridges accept\n"
    "    iifname @bridges oifname @bridges drop\n"
    "    oifname @bridges drop\n"
    "  }\n"
    "  chain input { type filter hook input priority filter; policy accept;\n"
    "    iifname @internal ct state established,related accept\n"
    "    iifname @internal drop\n"
    "  }\n"
    "}\n";

static struct nft *nft_new(const char *table, struct td_err **err)
{
  if (nft_load(err) < 0)
    return NULL;
  struct nft_ctx *ctx = fns.ctx_new(0);
  if (!ctx) {
    nft_unload();
    return err_set(err, ENOMEM, "nft context"), NULL;
  }
  fns.buffer_output(ctx);
  fns.buffer_error(ctx);
  struct nft *n = xmalloc(sizeof(*n));
  fns_users++;
  n->ctx = ctx;
  n->table = xstrdup(table);
  return n;
}

int nft_run(struct nft *nft, const char *cmds, struct td_err **err)
{
  if (fns.run(nft->ctx, cmds) != 0) {
    const char *e = fns.get_error(nft->ctx);
    autofree char *line = xstrdup(e && *e ? e : "failed");
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    return err_set(err, EINVAL, "nftables: %s", line);
  }
  return 0;
}

void nft_run_each_quiet(struct nft *nft, char *const *cmds)
{
  for (char *const *c = cmds; c && *c; c++)
    fns.run(nft->ctx, *c);
}

struct nft *nft_open(const char *table, const char *root, struct td_err **err)
{
  struct nft *n = nft_new(table, err);
  if (!n)
    return NULL;
  /* input is the newest chain: a table made by an older version lacks it and gets its rules
   * replaced in the same transaction (flush keeps the sets' elements) */
  autofree char *probe = xasprintf("list chain inet %s input", table);
  if (fns.run(n->ctx, probe) != 0) {
    /* the comment names the root, so `network cleanup --orphans` can tell a table whose
     * root is gone (a test's deleted tmp dir) from a live one */
    char real[PATH_MAX];
    const char *r = realpath(root, real) ? real : root;
    autofree char *body = xasprintf(table_fmt, table, strchr(r, '"') ? "" : r);
    autofree char *tprobe = xasprintf("list table inet %s", table);
    bool old = fns.run(n->ctx, tprobe) == 0;
    autofree char *def = xasprintf("%s%s%s\n%s", old ? "flush table inet " : "", old ? table : "",
                                   old ? "\n" : "", body);
    if (nft_run(n, def, err) < 0) {
      nft_close(n);
      return NULL;
    }
  }
  return n;
}

void nft_close(struct nft *nft)
{
  if (!nft)
    return;
  fns.ctx_free(nft->ctx);
  free(nft->table);
  free(nft);
  fns_users--;
  nft_unload();
}

int nft_table_delete(const char *table, struct td_err **err)
{
  struct nft *n = nft_new(table, err);
  if (!n)
    return -1;
  autofree char *probe = xasprintf("list table inet %s", table);
  int r = 0;
  if (fns.run(n->ctx, probe) == 0) {
    autofree char *del = xasprintf("delete table inet %s", table);
    r = nft_run(n, del, err);
  }
  nft_close(n);
  return r;
}

/* JSON output of one list command, parsed; NULL on failure. */
static json_t *nft_list_json(struct nft *n, const char *cmd)
{
  fns.set_flags(n->ctx, 1u << 4 /* NFT_CTX_OUTPUT_JSON */);
  if (fns.run(n->ctx, cmd) != 0)
    return NULL;
  return json_loads(fns.get_output(n->ctx), 0, NULL);
}

/* The table's comment (our root); nft 1.0's JSON output leaves comments out, its text has
 * them on the line after the table's. */
static char *table_comment(struct nft *n, const char *table)
{
  fns.set_flags(n->ctx, 0);
  autofree char *cmd = xasprintf("list table inet %s", table);
  if (fns.run(n->ctx, cmd) != 0)
    return NULL;
  const char *c = strstr(fns.get_output(n->ctx), "\tcomment \"");
  if (!c)
    return NULL;
  c += strlen("\tcomment \"");
  const char *e = strchr(c, '"');
  return e ? xstrndup(c, (size_t)(e - c)) : NULL;
}

/* Names of the elements of an ifname set. */
static char **set_ifnames(struct nft *n, const char *table, const char *set)
{
  autofree char *cmd = xasprintf("list set inet %s %s", table, set);
  autojson json_t *j = nft_list_json(n, cmd);
  char **v = xcalloc(1, sizeof(char *));
  size_t i, k;
  json_t *o, *e;
  json_array_foreach (json_object_get(j, "nftables"), i, o) {
    json_t *elems = json_object_get(json_object_get(o, "set"), "elem");
    json_array_foreach (elems, k, e)
      if (json_is_string(e))
        strv_push(&v, json_string_value(e));
  }
  return v;
}

int nft_orphans(char ***tables, char ***bridges, struct td_err **err)
{
  struct nft *n = nft_new("", err);
  if (!n)
    return -1;
  autojson json_t *j = nft_list_json(n, "list tables");
  size_t i;
  json_t *o;
  json_array_foreach (json_object_get(j, "nftables"), i, o) {
    json_t *t = json_object_get(o, "table");
    const char *name = json_string_value(json_object_get(t, "name"));
    if (!name || strncmp(name, "tinydocker", 10) != 0 ||
        strcmp(json_string_value(json_object_get(t, "family")), "inet") != 0)
      continue;
    autofree char *root = table_comment(n, name);
    if (!root || root[0] != '/')
      continue;
    autofree char *dir = xasprintf("%s/networks", root);
    if (access(dir, F_OK) == 0)
      continue;
    strv_push(tables, name);
    autostrv char **b = set_ifnames(n, name, "bridges");
    for (char **p = b; p && *p; p++)
      strv_push(bridges, *p);
  }
  nft_close(n);
  return 0;
}
