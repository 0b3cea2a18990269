/* The container record: JSON <-> struct ctr_record, in one place. record_from_json (load) and
 * record_to_json (save) hold the schema: every JSON path the engine reads or writes and the
 * field it maps to. The document itself is kept (rec->doc): `inspect` prints it, and a save
 * writes back only the fields whose value changed, so a record written by an older engine
 * loads and saves unchanged (engine/container/test_record.c checks that on fixtures made
 * by one), and the engine's own records stay readable by an older one. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

_Static_assert(sizeof(pid_t) == sizeof(int), "pid_t fields are read as int");

/* The value at a dotted path ("State.Pid"), or NULL. Keys of the schema hold no dots. */
static json_t *get(json_t *doc, const char *path)
{
  json_t *cur = doc;
  char key[64];
  while (cur && *path) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof(key))
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    cur = json_object_get(cur, key);
    path += n + (dot ? 1 : 0);
  }
  return cur;
}

/* Set the value at path (steals v), making the objects on the way: an existing key keeps
 * its place in its object (jansson keeps insertion order), a new one goes last. */
static void put(json_t *doc, const char *path, json_t *v)
{
  json_t *cur = doc;
  char key[64];
  for (;;) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof(key) || !json_is_object(cur)) {
      json_decref(v);
      return;
    }
    memcpy(key, path, n);
    key[n] = '\0';
    if (dot == NULL) {
      json_object_set_new(cur, key, v);
      return;
    }
    json_t *next = json_object_get(cur, key);
    if (!json_is_object(next)) {
      next = json_object();
      json_object_set_new(cur, key, next);
    }
    cur = next;
    path = dot + 1;
  }
}

static bool str_same(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static char **strv_or_null(json_t *a)
{
  return json_is_array(a) ? jsonv_to_strv(a) : NULL;
}

static bool strv_same(char *const *a, char *const *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  size_t i = 0;
  for (; a[i] && b[i]; i++)
    if (strcmp(a[i], b[i]) != 0)
      return false;
  return a[i] == b[i];
}

/* The scalar part of the schema: one line per field, used both ways. A field is a key of one
 * of the document's objects (a section), each looked up once per load. */
enum kind { K_STR, K_BOOL, K_INT, K_U64, K_STRV };
enum sect { S_TOP, S_STATE, S_HOST, S_RESTART, S_LOG, S_CONFIG, S_HEALTH, S_NET, S_TD, S_N };
static const char *const sect_path[S_N] = {NULL,
                                           "State",
                                           "HostConfig",
                                           "HostConfig.RestartPolicy",
                                           "HostConfig.LogConfig.Config",
                                           "Config",
                                           "Config.Healthcheck",
                                           "NetworkSettings",
                                           "Td"};
#define F(sect, key, kind, member)                                                                 \
  {                                                                                                \
    sect, key, kind, offsetof(struct ctr_record, member)                                           \
  }
static const struct field {
  enum sect sect;
  const char *key;
  enum kind kind;
  size_t off;
} schema[] = {
    F(S_TOP, "Id", K_STR, id),
    F(S_TOP, "Created", K_STR, created),
    F(S_TOP, "Path", K_STR, path),
    F(S_TOP, "Args", K_STRV, args),
    F(S_STATE, "Status", K_STR, state.status),
    F(S_STATE, "Running", K_BOOL, state.running),
    F(S_STATE, "Paused", K_BOOL, state.paused),
    F(S_STATE, "Restarting", K_BOOL, state.restarting),
    F(S_STATE, "OOMKilled", K_BOOL, state.oom_killed),
    F(S_STATE, "Dead", K_BOOL, state.dead),
    F(S_STATE, "Pid", K_INT, state.pid),
    F(S_STATE, "ExitCode", K_INT, state.exit_code),
    F(S_STATE, "Error", K_STR, state.error),
    F(S_STATE, "StartedAt", K_STR, state.started_at),
    F(S_STATE, "FinishedAt", K_STR, state.finished_at),
    F(S_TOP, "Image", K_STR, image),
    F(S_TOP, "ResolvConfPath", K_STR, resolv_conf_path),
    F(S_TOP, "HostnamePath", K_STR, hostname_path),
    F(S_TOP, "HostsPath", K_STR, hosts_path),
    F(S_TOP, "LogPath", K_STR, log_path),
    F(S_TOP, "Name", K_STR, name),
    F(S_TOP, "RestartCount", K_INT, restart_count),
    F(S_HOST, "NetworkMode", K_STR, host.network_mode),
    F(S_HOST, "IpcMode", K_STR, host.ipc_mode),
    F(S_HOST, "PidMode", K_STR, host.pid_mode),
    F(S_RESTART, "Name", K_STR, host.restart_policy),
    F(S_RESTART, "MaximumRetryCount", K_INT, host.restart_max),
    F(S_HOST, "AutoRemove", K_BOOL, host.auto_remove),
    F(S_LOG, "max-size", K_STR, host.log_max_size),
    F(S_LOG, "max-file", K_STR, host.log_max_file),
    F(S_HOST, "Links", K_STRV, host.links),
    F(S_HOST, "Runtime", K_STR, host.runtime),
    F(S_CONFIG, "MacAddress", K_STR, config.mac_address),
    F(S_CONFIG, "Hostname", K_STR, config.hostname),
    F(S_CONFIG, "Tty", K_BOOL, config.tty),
    F(S_CONFIG, "OpenStdin", K_BOOL, config.open_stdin),
    F(S_CONFIG, "StdinOnce", K_BOOL, config.stdin_once),
    F(S_CONFIG, "Image", K_STR, config.image),
    F(S_CONFIG, "StopSignal", K_STR, config.stop_signal),
    F(S_HEALTH, "Test", K_STRV, config.health.test),
    F(S_HEALTH, "Interval", K_U64, config.health.interval),
    F(S_HEALTH, "Timeout", K_U64, config.health.timeout),
    F(S_HEALTH, "StartPeriod", K_U64, config.health.start_period),
    F(S_HEALTH, "Retries", K_INT, config.health.retries),
    F(S_NET, "IPAddress", K_STR, net.ip),
    F(S_NET, "IPPrefixLen", K_INT, net.prefix),
    F(S_NET, "Gateway", K_STR, net.gateway),
    F(S_NET, "MacAddress", K_STR, net.mac),
    F(S_TD, "Rootfs", K_STR, td.rootfs),
    F(S_TD, "RootfsIsDir", K_BOOL, td.rootfs_is_dir),
    F(S_TD, "ImageRef", K_STR, td.image_ref),
    F(S_TD, "Publish", K_STRV, td.publish),
    F(S_TD, "MonitorPid", K_INT, td.monitor_pid),
    F(S_TD, "MonitorStart", K_U64, td.monitor_start),
    F(S_TD, "InitStart", K_U64, td.init_start),
    F(S_TD, "IP", K_STR, td.ip),
    F(S_TD, "Aliases", K_STRV, td.aliases),
    F(S_TD, "AddHosts", K_STRV, td.add_hosts),
    F(S_TD, "UidMap", K_STRV, td.uid_map),
    F(S_TD, "GidMap", K_STRV, td.gid_map),
};
#undef F

static void sections(json_t *doc, json_t *sec[S_N])
{
  sec[S_TOP] = doc;
  for (int i = 1; i < S_N; i++)
    sec[i] = get(doc, sect_path[i]);
}

static void field_load(struct ctr_record *r, const struct field *f, json_t *const sec[S_N])
{
  void *p = (char *)r + f->off;
  json_t *v = json_object_get(sec[f->sect], f->key);
  switch (f->kind) {
  case K_STR:
    *(char **)p = xstrdup(json_string_value(v));
    break;
  case K_BOOL:
    *(bool *)p = json_is_true(v);
    break;
  case K_INT:
    *(int *)p = (int)json_integer_value(v);
    break;
  case K_U64:
    *(uint64_t *)p = (uint64_t)json_integer_value(v);
    break;
  case K_STRV:
    *(char ***)p = strv_or_null(v);
    break;
  }
}

/* Write a field back only if it differs from what the document reads as. */
static void field_save(struct ctr_record *r, const struct field *f, json_t *sec[S_N])
{
  void *p = (char *)r + f->off;
  json_t *v = json_object_get(sec[f->sect], f->key);
  json_t *nv = NULL;
  switch (f->kind) {
  case K_STR: {
    const char *s = *(char **)p;
    if (!str_same(json_string_value(v), s))
      nv = s ? json_string(s) : json_null();
    break;
  }
  case K_BOOL:
    if (json_is_true(v) != *(bool *)p)
      nv = json_boolean(*(bool *)p);
    break;
  case K_INT:
    if (json_integer_value(v) != *(int *)p)
      nv = json_integer(*(int *)p);
    break;
  case K_U64:
    if ((uint64_t)json_integer_value(v) != *(uint64_t *)p)
      nv = json_integer((json_int_t) * (uint64_t *)p);
    break;
  case K_STRV: {
    char **cur = *(char ***)p;
    autostrv char **old = strv_or_null(v);
    if (!strv_same(old, cur))
      nv = cur ? jsonv_from_strv(cur) : json_null();
    break;
  }
  }
  if (nv == NULL)
    return;
  char path[128];
  snprintf(path, sizeof(path), "%s%s%s", sect_path[f->sect] ? sect_path[f->sect] : "",
           sect_path[f->sect] ? "." : "", f->key);
  put(r->doc, path, nv);
  sections(r->doc, sec); /* put may have made a section */
}

/* Config.Labels: an object of strings <-> "key=value". */
static char **labels_load(json_t *o)
{
  if (!json_is_object(o))
    return NULL;
  char **v = xcalloc(1, sizeof(char *));
  const char *k;
  json_t *e;
  json_object_foreach (o, k, e)
    strv_push_owned(&v, xasprintf("%s=%s", k, json_is_string(e) ? json_string_value(e) : ""));
  return v;
}

/* NetworkSettings.Ports: {"80/tcp": [{"HostIp": ..., "HostPort": ...}]}. */
static void ports_load(struct ctr_record *r, json_t *o)
{
  const char *k;
  json_t *a;
  json_object_foreach (o, k, a) {
    size_t i, n = json_array_size(a);
    json_t *b;
    if (n == 0) { /* docker's exposed but not published: null */
      r->net.ports = xrealloc(r->net.ports, (r->net.n_ports + 1) * sizeof(*r->net.ports));
      r->net.ports[r->net.n_ports++] = (struct ctr_port_binding){.key = xstrdup(k)};
    }
    json_array_foreach (a, i, b) {
      r->net.ports = xrealloc(r->net.ports, (r->net.n_ports + 1) * sizeof(*r->net.ports));
      r->net.ports[r->net.n_ports++] = (struct ctr_port_binding){
          .key = xstrdup(k),
          .host_ip = xstrdup(json_string_value(json_object_get(b, "HostIp"))),
          .host_port = xstrdup(json_string_value(json_object_get(b, "HostPort")))};
    }
  }
}

static json_t *ports_json(const struct ctr_record *r)
{
  json_t *o = json_object();
  for (size_t i = 0; i < r->net.n_ports; i++) {
    const struct ctr_port_binding *p = &r->net.ports[i];
    json_t *a = json_object_get(o, p->key);
    if (p->host_ip == NULL && p->host_port == NULL) {
      if (a == NULL)
        json_object_set_new(o, p->key, json_null());
      continue;
    }
    if (!json_is_array(a)) {
      a = json_array();
      json_object_set_new(o, p->key, a);
    }
    json_t *b = json_object();
    if (p->host_ip)
      json_object_set_new(b, "HostIp", json_string(p->host_ip));
    if (p->host_port)
      json_object_set_new(b, "HostPort", json_string(p->host_port));
    json_array_append_new(a, b);
  }
  return o;
}

/* NetworkSettings.Networks: name -> the endpoint. */
static void nets_load(struct ctr_record *r, json_t *o)
{
  const char *k;
  json_t *e;
  json_object_foreach (o, k, e) {
    r->net.nets = xrealloc(r->net.nets, (r->net.n_nets + 1) * sizeof(*r->net.nets));
    r->net.nets[r->net.n_nets++] = (struct ctr_endpoint){
        .network = xstrdup(k),
        .network_id = xstrdup(json_string_value(json_object_get(e, "NetworkID"))),
        .ip = xstrdup(json_string_value(json_object_get(e, "IPAddress"))),
        .gateway = xstrdup(json_string_value(json_object_get(e, "Gateway"))),
        .prefix = (int)json_integer_value(json_object_get(e, "IPPrefixLen")),
        .mac = xstrdup(json_string_value(json_object_get(e, "MacAddress"))),
        .aliases = strv_or_null(json_object_get(e, "Aliases"))};
  }
}

static json_t *opt_str(const char *s)
{
  return s ? json_string(s) : json_null();
}

static json_t *nets_json(const struct ctr_record *r)
{
  json_t *o = json_object();
  for (size_t i = 0; i < r->net.n_nets; i++) {
    const struct ctr_endpoint *n = &r->net.nets[i];
    json_object_set_new(o, n->network,
                        json_pack("{s:o,s:o,s:o,s:i,s:o,s:o}", "NetworkID", opt_str(n->network_id),
                                  "IPAddress", opt_str(n->ip), "Gateway", opt_str(n->gateway),
                                  "IPPrefixLen", n->prefix, "MacAddress", opt_str(n->mac),
                                  "Aliases",
                                  n->aliases ? jsonv_from_strv(n->aliases) : json_null()));
  }
  return o;
}

/* -p as given, parsed once: the monitor's attach uses the ports; a string that does not
 * parse keeps its error for the monitor to report, as it did when it parsed them itself. */
static void publish_parse(struct ctr_record *r)
{
  for (char **p = r->td.publish; p && *p; p++)
    if (net_port_parse(*p, &r->td.ports, &r->td.n_ports, &r->td.ports_err) < 0)
      return;
}

/* A composite part of the document written back when the one built from the fields differs. */
static void put_if_changed(json_t *doc, const char *path, json_t *built, bool dflt)
{
  json_t *cur = get(doc, path);
  if ((cur == NULL && dflt) || (cur && json_equal(cur, built)))
    json_decref(built);
  else
    put(doc, path, built);
}

struct ctr_record *record_from_json(json_t *doc)
{
  struct ctr_record *r = xcalloc(1, sizeof(*r));
  r->doc = json_is_object(doc) ? doc : (json_decref(doc), json_object());
  json_t *sec[S_N];
  sections(r->doc, sec);
  for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
    field_load(r, &schema[i], sec);
  json_t *t = json_object_get(sec[S_CONFIG], "StopTimeout");
  r->config.stop_timeout = json_is_integer(t) ? (int)json_integer_value(t) : -1;
  r->config.labels = labels_load(json_object_get(sec[S_CONFIG], "Labels"));
  ports_load(r, json_object_get(sec[S_NET], "Ports"));
  nets_load(r, json_object_get(sec[S_NET], "Networks"));
  publish_parse(r);
  return r;
}

json_t *record_to_json(struct ctr_record *r)
{
  json_t *sec[S_N];
  sections(r->doc, sec);
  for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
    field_save(r, &schema[i], sec);
  json_t *t = get(r->doc, "Config.StopTimeout");
  int old = json_is_integer(t) ? (int)json_integer_value(t) : -1;
  if (old != r->config.stop_timeout) {
    if (r->config.stop_timeout >= 0)
      put(r->doc, "Config.StopTimeout", json_integer(r->config.stop_timeout));
    else if (json_is_object(get(r->doc, "Config")))
      json_object_del(get(r->doc, "Config"), "StopTimeout");
  }
  if (r->config.labels || get(r->doc, "Config.Labels"))
    put_if_changed(r->doc, "Config.Labels", jsonv_kv_object(r->config.labels), false);
  put_if_changed(r->doc, "NetworkSettings.Ports", ports_json(r), r->net.n_ports == 0);
  put_if_changed(r->doc, "NetworkSettings.Networks", nets_json(r), r->net.n_nets == 0);
  return r->doc;
}

static void endpoint_clear(struct ctr_endpoint *n)
{
  free(n->network);
  free(n->network_id);
  free(n->ip);
  free(n->gateway);
  free(n->mac);
  strv_free(n->aliases);
}

static void ports_clear(struct ctr_record *r)
{
  for (size_t i = 0; i < r->net.n_ports; i++) {
    free(r->net.ports[i].key);
    free(r->net.ports[i].host_ip);
    free(r->net.ports[i].host_port);
  }
  free(r->net.ports);
  r->net.ports = NULL;
  r->net.n_ports = 0;
}

void record_free(struct ctr_record *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++) {
    void *p = (char *)r + schema[i].off;
    if (schema[i].kind == K_STR)
      free(*(char **)p);
    else if (schema[i].kind == K_STRV)
      strv_free(*(char ***)p);
  }
  strv_free(r->config.labels);
  free(r->state.health);
  ports_clear(r);
  for (size_t i = 0; i < r->net.n_nets; i++)
    endpoint_clear(&r->net.nets[i]);
  free(r->net.nets);
  free(r->td.ports);
  err_free(&r->td.ports_err);
  json_decref(r->doc);
  free(r);
}

void record_freep(struct ctr_record **r)
{
  record_free(*r);
}

struct ctr_record *record_dead(const char *id, const char *name)
{
  autofree char *slash = xasprintf("/%s", name ? name : "");
  return record_from_json(
      json_pack("{s:s,s:s,s:s,s:[],s:{s:s,s:b,s:b,s:b,s:b,s:i,s:i,s:s},s:s,s:{s:s},"
                "s:{},s:{},s:{s:b}}",
                "Id", id, "Name", slash, "Created", "0001-01-01T00:00:00Z", "Args", "State",
                "Status", "dead", "Running", 0, "Paused", 0, "Restarting", 0, "Dead", 1, "Pid", 0,
                "ExitCode", 255, "Error", "incomplete container record", "Path", "", "Config",
                "Image", "", "HostConfig", "NetworkSettings", "Td", "RootfsIsDir", 0));
}

struct ctr_endpoint *record_endpoint(struct ctr_record *r, const char *name)
{
  for (size_t i = 0; i < r->net.n_nets; i++)
    if (strcmp(r->net.nets[i].network, name) == 0)
      return &r->net.nets[i];
  return NULL;
}

bool record_drop_endpoint(struct ctr_record *r, const char *name)
{
  struct ctr_endpoint *n = record_endpoint(r, name);
  if (n == NULL)
    return false;
  endpoint_clear(n);
  size_t i = (size_t)(n - r->net.nets);
  memmove(n, n + 1, (r->net.n_nets - i - 1) * sizeof(*n));
  r->net.n_nets--;
  return true;
}

static void set_str(char **dst, const char *s)
{
  free(*dst);
  *dst = xstrdup(s);
}

void record_set_attached(struct ctr_record *r, const struct net_attach_result *res,
                         char *const *aliases, bool replace)
{
  if (replace) {
    set_str(&r->net.ip, res->ip);
    set_str(&r->net.gateway, res->gateway);
    r->net.prefix = res->prefix;
    set_str(&r->net.mac, res->mac);
    ports_clear(r);
    for (size_t k = 0; k < res->n_ports; k++) {
      char key[32], hip[16], hp[8];
      snprintf(key, sizeof(key), "%u/%s", res->ports[k].ctr_port, res->ports[k].proto);
      snprintf(hp, sizeof(hp), "%u", res->ports[k].host_port);
      net_ip_fmt(res->ports[k].host_ip, hip);
      struct ctr_port_binding *b = NULL;
      for (size_t j = 0; j < r->net.n_ports && b == NULL; j++) /* one binding per key */
        if (strcmp(r->net.ports[j].key, key) == 0)
          b = &r->net.ports[j];
      if (b == NULL) {
        r->net.ports = xrealloc(r->net.ports, (r->net.n_ports + 1) * sizeof(*r->net.ports));
        b = &r->net.ports[r->net.n_ports++];
        *b = (struct ctr_port_binding){.key = xstrdup(key)};
      }
      set_str(&b->host_ip, hip);
      set_str(&b->host_port, hp);
    }
    for (size_t i = 0; i < r->net.n_nets; i++)
      endpoint_clear(&r->net.nets[i]);
    r->net.n_nets = 0;
  }
  struct ctr_endpoint *n = record_endpoint(r, res->network_name);
  if (n)
    endpoint_clear(n);
  else {
    r->net.nets = xrealloc(r->net.nets, (r->net.n_nets + 1) * sizeof(*r->net.nets));
    n = &r->net.nets[r->net.n_nets++];
  }
  *n = (struct ctr_endpoint){.network = xstrdup(res->network_name),
                             .network_id = xstrdup(res->network_id),
                             .ip = xstrdup(res->ip),
                             .gateway = xstrdup(res->gateway),
                             .prefix = res->prefix,
                             .mac = xstrdup(res->mac),
                             .aliases = aliases ? strv_dup(aliases) : NULL};
}

void record_add_pending(struct ctr_record *r, const char *network, char *const *aliases)
{
  r->net.nets = xrealloc(r->net.nets, (r->net.n_nets + 1) * sizeof(*r->net.nets));
  r->net.nets[r->net.n_nets++] = (struct ctr_endpoint){
      .network = xstrdup(network), .network_id = xstrdup(""), .aliases = strv_dup(aliases)};
}

const char *record_label(const struct ctr_record *r, const char *key)
{
  size_t n = strlen(key);
  for (char **l = r->config.labels; l && *l; l++)
    if (strncmp(*l, key, n) == 0 && (*l)[n] == '=')
      return *l + n + 1;
  return NULL;
}

int record_load(const struct eng_ctx *ctx, const char *id, struct ctr_record **rec,
                struct td_err **err)
{
  autofree char *p = xasprintf("%s/%s/%s", ctx->ctr_dir, id, STORE_RECORD);
  json_t *doc = NULL;
  if (file_read_json(AT_FDCWD, p, &doc, err) < 0) {
    if ((*err)->errnum == ENOENT) {
      err_free(err);
      return err_set(err, 0, "No such container: %s", id);
    }
    return -1;
  }
  *rec = record_from_json(doc);
  return 0;
}

int record_save(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                struct td_err **err)
{
  json_t *doc = record_to_json(rec);
  autofree char *p = xasprintf("%s/%s/%s", ctx->ctr_dir, id, STORE_RECORD);
  if (store_write_json(p, doc, 0600, err) < 0)
    return -1;
  /* what `ps` reads: a few fields, so listing hundreds of containers parses little */
  autofree char *ps = xasprintf("%s/%s/%s", ctx->ctr_dir, id, STORE_PS_RECORD);
  autojson json_t *sum = store_summary(doc);
  return store_write_json(ps, sum, 0600, err);
}
