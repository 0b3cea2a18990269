/* The engine's side of issue 16's run flags: --expose, --link, --volumes-from, --mac-address,
 * --dns-option and --runtime checked against the store and written into the record as docker
 * writes them (HostConfig.Links "/other:/me/alias", VolumesFrom, Runtime, DnsOptions,
 * Config.MacAddress, Config.ExposedPorts). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/internal.h"
#include "engine/container/runflags.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The object with its keys in Go's order (sorted), as docker's inspect prints a map; takes
 * the reference. */
static json_t *sorted_keys(json_t *o)
{
  size_t n = json_object_size(o), i = 0;
  const char **keys = xcalloc(n + 1, sizeof(*keys));
  const char *k;
  json_t *v;
  json_object_foreach (o, k, v)
    keys[i++] = k;
  qsort(keys, n, sizeof(*keys), cmp_str);
  json_t *out = json_object();
  for (i = 0; i < n; i++)
    json_object_set(out, keys[i], json_object_get(o, keys[i]));
  free(keys);
  json_decref(o);
  return out;
}

json_t *runflags_exposed(const struct eng_run_req *req, json_t *imgcfg)
{
  json_t *img = json_object_get(imgcfg, "ExposedPorts");
  if (!req->expose && !json_is_object(img))
    return NULL;
  json_t *out = json_is_object(img) ? json_deep_copy(img) : json_object();
  for (char **e = req->expose; e && *e; e++) {
    size_t n = strcspn(*e, "/");
    const char *proto = (*e)[n] ? *e + n + 1 : "tcp";
    unsigned long a = 0, b = 0;
    char dash = 0;
    int got = sscanf(*e, "%lu%c%lu", &a, &dash, &b);
    if (got < 3 || dash != '-')
      b = a;
    for (unsigned long p = a; p <= b && p <= 65535; p++) {
      char key[32];
      snprintf(key, sizeof(key), "%lu/%s", p, proto);
      json_object_set_new(out, key, json_object());
    }
  }
  return sorted_keys(out);
}

/* NAME[:ALIAS] -> the target's record (running or not), its name and the alias. */
static int link_target(const struct eng_ctx *ctx, const char *link, struct ctr_record **rec,
                       char **alias, struct td_err **err)
{
  const char *c = strchr(link, ':');
  autofree char *name = c ? xstrndup(link, (size_t)(c - link)) : xstrdup(link);
  autofree char *id = NULL;
  autoerr struct td_err *e = NULL;
  if (store_lookup(ctx, name[0] == '/' ? name + 1 : name, &id, &e) < 0 ||
      record_load(ctx, id, rec, &e) < 0)
    return err_set(err, 0, "could not get container for %s: No such container: %s", name, name);
  const char *a = c ? c + 1 : name;
  *alias = xstrdup(a[0] == '/' ? a + 1 : a);
  return 0;
}

int runflags_links(const struct eng_ctx *ctx, const struct eng_run_req *req, const char *name,
                   char ***out, struct td_err **err)
{
  for (char **l = req->links; l && *l; l++) {
    autorecord struct ctr_record *t = NULL;
    autofree char *alias = NULL;
    if (link_target(ctx, *l, &t, &alias, err) < 0)
      return -1;
    strv_push_owned(out, xasprintf("%s:/%s/%s", t->name, name, alias));
  }
  return 0;
}

int runflags_link_hosts(const struct eng_ctx *ctx, const struct ctr_record *rec,
                        const char *network, char ***hosts, struct td_err **err)
{
  bool dflt = network == NULL || strcmp(network, "bridge") == 0 || strcmp(network, "default") == 0;
  for (char **l = rec->host.links; l && *l; l++) {
    /* "/other:/me/alias" */
    const char *c = strchr(*l, ':');
    const char *slash = strrchr(*l, '/');
    if (c == NULL || slash == NULL || slash < c)
      continue;
    autofree char *tname = xstrndup(*l + 1, (size_t)(c - *l - 1));
    const char *alias = slash + 1;
    autofree char *tid = NULL;
    autorecord struct ctr_record *t = NULL;
    autoerr struct td_err *e = NULL;
    bool found = store_lookup(ctx, tname, &tid, &e) == 0 && record_load(ctx, tid, &t, &e) == 0;
    if (found)
      store_refresh_state(t);
    if (dflt) {
      /* docker's legacy links: the target must run on the default bridge; its hosts line is
       * "IP alias id12 name" */
      if (!found || !t->state.running)
        return err_set(err, 0, "Cannot link to a non running container: /%s AS %s", tname, c + 1);
      const char *m = t->host.network_mode;
      bool on_bridge = (m == NULL || strcmp(m, "bridge") == 0 || strcmp(m, "default") == 0) &&
                       t->net.ip && *t->net.ip;
      if (!on_bridge)
        return err_set(err, 0, "Cannot link to /%s, as it does not belong to the default network",
                       tname);
      /* docker: alias, the target's hostname, its name when the alias differs */
      char sid[13];
      snprintf(sid, sizeof(sid), "%.12s", t->id);
      const char *hn = t->config.hostname && *t->config.hostname ? t->config.hostname : sid;
      if (strcmp(alias, tname) == 0)
        strv_push_owned(hosts, xasprintf("%s %s:%s", alias, hn, t->net.ip));
      else
        strv_push_owned(hosts, xasprintf("%s %s %s:%s", alias, hn, tname, t->net.ip));
      continue;
    }
    /* a user network: the alias names the target where it is on the same network (docker
     * resolves it in its DNS; here a line of this container's hosts file); a target elsewhere
     * (or stopped) is not reachable from here, and gets no line */
    if (!found || !t->state.running)
      continue;
    for (size_t i = 0; i < t->net.n_nets; i++) {
      const struct ctr_endpoint *ep = &t->net.nets[i];
      if (ep->ip && *ep->ip && ep->network &&
          (strcmp(ep->network, network) == 0 ||
           (ep->network_id && strncmp(ep->network_id, network, strlen(network)) == 0)))
        strv_push_owned(hosts, xasprintf("%s:%s", alias, ep->ip));
    }
  }
  return 0;
}

/* crun refuses a hybrid host whose cgroup2 hierarchy holds a controller, whatever its
 * --cgroup-manager ("cgroups in hybrid mode not supported", libcrun_cgroup_enter): said
 * before anything is made, in one line. */
static int runtime_host_check(const char *name, struct td_err **err)
{
  if (strcmp(name, "crun") != 0 || cgroup_mode() != CGROUP_MODE_HYBRID)
    return 0;
  autofree char *ctrls = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, "/sys/fs/cgroup/unified/cgroup.controllers", &ctrls, NULL, &e) < 0 ||
      ctrls == NULL)
    return 0;
  ctrls[strcspn(ctrls, "\n")] = '\0';
  if (*ctrls == '\0')
    return 0;
  return err_set(err, 0,
                 "runtime crun cannot run on this host: cgroup v1 with the controllers %s on the "
                 "cgroup v2 hierarchy /sys/fs/cgroup/unified, a hybrid layout crun refuses",
                 ctrls);
}

int runflags_check(const struct eng_ctx *ctx, const struct eng_run_req *req, struct td_err **err)
{
  if (req->runtime) {
    const char *path = NULL;
    if (eng_runtime_lookup(req->runtime, &path, err) < 0 ||
        (path && runtime_host_check(req->runtime, err) < 0))
      return -1;
  }
  /* docker's runconfig refusals */
  const char *mode = req->network ? req->network : "bridge";
  bool other_ctr = strncmp(mode, "container:", 10) == 0;
  if (req->links && strcmp(mode, "host") == 0)
    return err_set(err, 0,
                   "conflicting options: host type networking can't be used with links. This "
                   "would result in undefined behavior");
  if (req->links && other_ctr)
    return err_set(err, 0, "conflicting options: container type network can't be used with links");
  if (req->mac_address && other_ctr)
    return err_set(err, 0, "conflicting options: mac-address and the network mode");
  for (char **v = req->volumes_from; v && *v; v++) {
    const char *c = strchr(*v, ':');
    autofree char *name = c ? xstrndup(*v, (size_t)(c - *v)) : xstrdup(*v);
    if (c && strcmp(c + 1, "ro") != 0 && strcmp(c + 1, "rw") != 0)
      return err_set(err, 0, "invalid mode: %s", c + 1);
    autofree char *id = NULL;
    autoerr struct td_err *e = NULL;
    if (store_lookup(ctx, name, &id, &e) < 0)
      return err_set(err, 0, "No such container: %s", name);
  }
  return 0;
}

void runflags_record(const struct eng_run_req *req, char **links, json_t *rec)
{
  json_t *hc = json_object_get(rec, "HostConfig");
  json_t *cfg = json_object_get(rec, "Config");
  json_object_set_new(hc, "Links", links ? jsonv_from_strv(links) : json_null());
  json_object_set_new(hc, "VolumesFrom",
                      req->volumes_from ? jsonv_from_strv(req->volumes_from) : json_null());
  json_object_set_new(hc, "Runtime", json_string(req->runtime ? req->runtime : "tinyrun"));
  json_object_set_new(hc, "DnsOptions", jsonv_from_strv(req->dns_opts));
  json_object_set_new(hc, "PublishAllPorts", json_boolean(req->publish_all));
  if (req->mac_address) {
    /* docker keeps it as given; the kernel's form (lower case, colons) is what the link has */
    json_object_set_new(cfg, "MacAddress", json_string(req->mac_address));
  }
}

int runflags_mac(const char *s, uint8_t mac[6])
{
  unsigned v[6];
  char sep[5];
  if (s == NULL || sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x", &v[0], &sep[0], &v[1], &sep[1], &v[2],
                          &sep[2], &v[3], &sep[3], &v[4], &sep[4], &v[5]) != 11)
    return -1;
  for (int i = 0; i < 6; i++)
    mac[i] = (uint8_t)v[i];
  return 0;
}

/* The configured runtimes: a name, never a path the user gives (the engine runs it as root). */
static const struct {
  const char *name;
  const char *const paths[3];
} runtimes[] = {
    {"runc", {"/usr/sbin/runc", "/usr/bin/runc", NULL}},
    {"crun", {"/usr/bin/crun", "/usr/local/bin/crun", NULL}},
};

int eng_runtime_lookup(const char *name, const char **path, struct td_err **err)
{
  *path = NULL;
  if (name == NULL || strcmp(name, "tinyrun") == 0 || strcmp(name, "default") == 0)
    return 0;
  for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
    if (strcmp(name, runtimes[i].name) != 0)
      continue;
    for (size_t k = 0; runtimes[i].paths[k]; k++)
      if (access(runtimes[i].paths[k], X_OK) == 0) {
        *path = runtimes[i].paths[k];
        return 0;
      }
  }
  return err_set(err, 0, "Unknown runtime specified %s", name);
}

bool runflags_external(const struct ctr_record *rec)
{
  const char *n = rec ? rec->host.runtime : NULL;
  return n && strcmp(n, "tinyrun") != 0 && strcmp(n, "default") != 0;
}

void runflags_forget_state(const struct eng_ctx *ctx, const char *id)
{
  for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
    autofree char *st = xasprintf("%s/%s/%s", ctx->run_root, runtimes[i].name, id);
    autoerr struct td_err *e = NULL;
    if (access(st, F_OK) == 0 && rm_rf(st, &e) < 0)
      err_warn(&e, "container %s: the state of runtime %s", id, runtimes[i].name);
  }
}

void runflags_spec(const struct eng_run_req *req, json_t *spec)
{
  const char *path = NULL;
  autoerr struct td_err *e = NULL;
  if (req->runtime && eng_runtime_lookup(req->runtime, &path, &e) == 0 && path)
    json_object_set_new(spec, "ociVersion", json_string("1.0.2"));
}

json_t *eng_runtimes_json(void)
{
  json_t *o = json_pack("{s:{s:s}}", "tinyrun", "path", "(in-process)");
  for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
    const char *path = NULL;
    autoerr struct td_err *e = NULL;
    if (eng_runtime_lookup(runtimes[i].name, &path, &e) == 0 && path)
      json_object_set_new(o, runtimes[i].name, json_pack("{s:s}", "path", path));
  }
  return o;
}
