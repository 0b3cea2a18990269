/* Our rules sit in one table whose base chains match against sets and maps, so a network or
 * a published port is a set element, not a rule. tinydocker is static and cannot dlopen:
 * libnftables is loaded only by the helper tinydocker-nft (net/nft_tool.c), which nft_open
 * starts once for all the handle's requests (one libnftables context, as a dlopen gave) and
 * nft_close ends, so only when rules change: `run` without -p and --network none/host never
 * runs it, nor does -p (net/nftport.c). */
#include "net/nft.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/nft_proto.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/spawn.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define NFT_TOOL "tinydocker-nft"

/* A running `tinydocker-nft session`: one libnftables context for the handle's life. */
struct nft {
  pid_t pid;
  int fd;     /* our end of its stdin and stdout */
  bool stuck; /* an exchange timed out or broke: killed at close, not waited for */
  char *table;
};

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

/* The helper with one end of a socketpair as its stdin and stdout; its stderr (nothing but a
 * crash's, or the loader's debug output) goes nowhere. */
static int tool_start(struct nft *n, struct td_err **err)
{
  autofree char *tool = helper_find(NFT_TOOL);
  if (!tool)
    return err_set(err, ENOENT,
                   "cannot find " NFT_TOOL " (next to tinydocker or in ../libexec/tinydocker)");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return err_set(err, errno, "socketpair");
  autoclose int theirs = sv[1];
  n->fd = sv[0];
  /* a helper that stops answering must not hold the network store's lock forever: each
   * exchange is bounded like a lock wait (util/lock.h), then the call fails and the helper
   * is killed (nft_close) */
  int ms = lock_timeout_ms();
  struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
  setsockopt(n->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(n->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  autoclose int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null < 0)
    return err_set(err, errno, "open /dev/null");
  char parent[16];
  snprintf(parent, sizeof(parent), "%d", (int)getpid());
  char *argv[] = {(char *)NFT_TOOL, (char *)"session", parent, NULL};
  return spawn_fds(tool, argv, (const int[3]){theirs, theirs, null}, &n->pid, err);
}

static struct nft *nft_new(const char *table, struct td_err **err)
{
  struct nft *n = xcalloc(1, sizeof(*n));
  n->pid = -1;
  n->fd = -1;
  n->table = xstrdup(table);
  if (tool_start(n, err) < 0) {
    nft_close(n);
    return NULL;
  }
  return n;
}

static bool send_all(int fd, const void *buf, size_t len)
{
  for (const char *p = buf; len > 0;) {
    ssize_t w = RETRY_EINTR(send(fd, p, len, MSG_NOSIGNAL));
    if (w <= 0)
      return false;
    p += w;
    len -= (size_t)w;
  }
  return true;
}

static bool recv_all(int fd, void *buf, size_t len)
{
  for (char *p = buf; len > 0;) {
    ssize_t r = RETRY_EINTR(read(fd, p, len));
    if (r <= 0)
      return false;
    p += r;
    len -= (size_t)r;
  }
  return true;
}

/* One request to the helper; its output (NUL-terminated) in *out and its error text in
 * *errtxt. rc is 0 or 1 as libnftables answered; false when the helper is gone. */
static bool tool_call(const struct nft *n, enum nft_mode mode, const char *cmds, size_t len,
                      int *rc, char **out, char **errtxt)
{
  struct nft_req rq = {.mode = mode, .len = (uint32_t)len};
  struct nft_rep rp;
  if (!send_all(n->fd, &rq, sizeof(rq)) || !send_all(n->fd, cmds, len) ||
      !recv_all(n->fd, &rp, sizeof(rp)))
    return false;
  *out = xmalloc((size_t)rp.out_len + 1);
  *errtxt = xmalloc((size_t)rp.err_len + 1);
  (*out)[rp.out_len] = (*errtxt)[rp.err_len] = '\0';
  *rc = rp.rc;
  return recv_all(n->fd, *out, rp.out_len) && recv_all(n->fd, *errtxt, rp.err_len);
}

/* Run commands in `mode`; the output in *out when out is not NULL. A failure is libnftables'
 * first error line in err (NULL for a quiet probe). */
static int nft_call(const struct nft *n, enum nft_mode mode, const char *cmds, size_t len,
                    char **out, struct td_err **err)
{
  autofree char *output = NULL;
  autofree char *errtxt = NULL;
  int rc = 1;
  if (!tool_call(n, mode, cmds, len, &rc, &output, &errtxt)) {
    ((struct nft *)n)->stuck = true;
    return err_set(err, EPIPE, "nftables: " NFT_TOOL " stopped answering");
  }
  if (rc != 0) {
    errtxt[strcspn(errtxt, "\n")] = '\0';
    return err_set(err, EINVAL, "nftables: %s", *errtxt ? errtxt : "failed");
  }
  if (out)
    *out = steal_ptr(output);
  return 0;
}

int nft_run(struct nft *nft, const char *cmds, struct td_err **err)
{
  return nft_call(nft, NFT_MODE_RUN, cmds, strlen(cmds), NULL, err);
}

/* Whether a command (a probe: list ...) succeeds. */
static bool nft_ok(const struct nft *nft, const char *cmd)
{
  return nft_call(nft, NFT_MODE_RUN, cmd, strlen(cmd), NULL, NULL) == 0;
}

void nft_run_each_quiet(struct nft *nft, char *const *cmds)
{
  /* one request; the helper takes them NUL-separated, as a command may span lines */
  size_t len = 0;
  for (char *const *c = cmds; c && *c; c++)
    len += strlen(*c) + 1;
  if (len == 0)
    return;
  autofree char *buf = xmalloc(len);
  char *p = buf;
  for (char *const *c = cmds; *c; c++)
    p = stpcpy(p, *c) + 1;
  nft_call(nft, NFT_MODE_EACH, buf, len, NULL, NULL);
}

struct nft *nft_open(const char *table, const char *root, struct td_err **err)
{
  struct nft *n = nft_new(table, err);
  if (!n)
    return NULL;
  /* input is the newest chain: a table made by an older version lacks it and gets its rules
   * replaced in the same transaction (flush keeps the sets' elements) */
  autofree char *probe = xasprintf("list chain inet %s input", table);
  if (!nft_ok(n, probe)) {
    /* the comment names the root, so `network cleanup --orphans` can tell a table whose
     * root is gone (a test's deleted tmp dir) from a live one */
    char real[PATH_MAX];
    const char *r = realpath(root, real) ? real : root;
    autofree char *body = xasprintf(table_fmt, table, strchr(r, '"') ? "" : r);
    autofree char *tprobe = xasprintf("list table inet %s", table);
    bool old = nft_ok(n, tprobe);
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
  /* EOF ends the session */
  cleanup_closep(&nft->fd);
  if (nft->pid > 0 && nft->stuck)
    kill(nft->pid, SIGKILL);
  if (nft->pid > 0)
    spawn_wait(nft->pid, NFT_TOOL, NULL);
  free(nft->table);
  free(nft);
}

int nft_table_delete(const char *table, struct td_err **err)
{
  struct nft *n = nft_new(table, err);
  if (!n)
    return -1;
  autofree char *probe = xasprintf("list table inet %s", table);
  int r = 0;
  if (nft_ok(n, probe)) {
    autofree char *del = xasprintf("delete table inet %s", table);
    r = nft_run(n, del, err);
  }
  nft_close(n);
  return r;
}

/* The output of one list command, text or JSON; NULL on failure. */
static char *nft_list(const struct nft *n, enum nft_mode mode, const char *cmd)
{
  char *out = NULL;
  return nft_call(n, mode, cmd, strlen(cmd), &out, NULL) == 0 ? out : NULL;
}

/* JSON output of one list command, parsed; NULL on failure. */
static json_t *nft_list_json(const struct nft *n, const char *cmd)
{
  autofree char *out = nft_list(n, NFT_MODE_LIST_JSON, cmd);
  return out ? json_loads(out, 0, NULL) : NULL;
}

/* The table's comment (our root); nft 1.0's JSON output leaves comments out, its text has
 * them on the line after the table's. */
static char *table_comment(const struct nft *n, const char *table)
{
  autofree char *cmd = xasprintf("list table inet %s", table);
  autofree char *out = nft_list(n, NFT_MODE_RUN, cmd);
  const char *c = out ? strstr(out, "\tcomment \"") : NULL;
  if (!c)
    return NULL;
  c += strlen("\tcomment \"");
  const char *e = strchr(c, '"');
  return e ? xstrndup(c, (size_t)(e - c)) : NULL;
}

/* Names of the elements of an ifname set. */
static char **set_ifnames(const struct nft *n, const char *table, const char *set)
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
