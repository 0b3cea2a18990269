/* `inspect` of a container: the record's document in docker 20.10's shape. The record keeps
 * what the engine wrote (records of older engines too); here its members are put in docker's
 * order, the keys docker prints that the record lacks get docker's values (HostConfig's from
 * eng_host_config_defaults, the one list of them), and what is only known now (the sandbox of
 * a running container, the rootfs' layers, -s's sizes) is added. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/view/view.h"
#include "image/image.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *const top_order[] = {"Id",
                                        "Created",
                                        "Path",
                                        "Args",
                                        "State",
                                        "Image",
                                        "ResolvConfPath",
                                        "HostnamePath",
                                        "HostsPath",
                                        "LogPath",
                                        "Name",
                                        "RestartCount",
                                        "Driver",
                                        "Platform",
                                        "MountLabel",
                                        "ProcessLabel",
                                        "AppArmorProfile",
                                        "ExecIDs",
                                        "HostConfig",
                                        "GraphDriver",
                                        "?SizeRw",
                                        "?SizeRootFs",
                                        "Mounts",
                                        "Config",
                                        "NetworkSettings",
                                        NULL};
static const char *const net_order[] = {"Bridge",
                                        "SandboxID",
                                        "HairpinMode",
                                        "LinkLocalIPv6Address",
                                        "LinkLocalIPv6PrefixLen",
                                        "Ports",
                                        "SandboxKey",
                                        "SecondaryIPAddresses",
                                        "SecondaryIPv6Addresses",
                                        "EndpointID",
                                        "Gateway",
                                        "GlobalIPv6Address",
                                        "GlobalIPv6PrefixLen",
                                        "IPAddress",
                                        "IPPrefixLen",
                                        "IPv6Gateway",
                                        "MacAddress",
                                        "Networks",
                                        NULL};
static const char *const endpoint_order[] = {"IPAMConfig",
                                             "Links",
                                             "Aliases",
                                             "NetworkID",
                                             "EndpointID",
                                             "Gateway",
                                             "IPAddress",
                                             "IPPrefixLen",
                                             "IPv6Gateway",
                                             "GlobalIPv6Address",
                                             "GlobalIPv6PrefixLen",
                                             "MacAddress",
                                             "DriverOpts",
                                             NULL};

/* A stable 64-hex id for what docker makes random (sandbox, endpoint): FNV-1a of the parts,
 * four rounds. It changes with every start (init_start is one of the parts). */
static void derived_id(char out[65], const char *a, const char *b, uint64_t start)
{
  for (int round = 0; round < 4; round++) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)round;
    char buf[32];
    snprintf(buf, sizeof(buf), "%d:%llu", round, (unsigned long long)start);
    for (const char *parts[] = {a, "/", b, buf, NULL}, **p = parts; *p; p++)
      for (const unsigned char *c = (const unsigned char *)*p; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    snprintf(out + 16 * round, 17, "%016llx", (unsigned long long)h);
  }
}

/* HostConfig: docker's keys in its order, its omitempty keys only when they hold something. */
static json_t *host_view(json_t *hc)
{
  autojson json_t *defaults = eng_host_config_defaults();
  autojson json_t *src = json_deep_copy(json_is_object(hc) ? hc : NULL) ?: json_object();
  /* older records: empty omitempty members, [] where docker has null, the quota --cpus set */
  static const char *const omit[] = {"Tmpfs", "Sysctls", "StorageOpt", NULL};
  for (const char *const *k = omit; *k; k++)
    if (json_object_size(json_object_get(src, *k)) == 0)
      json_object_del(src, *k);
  if (json_is_false(json_object_get(src, "Init")))
    json_object_del(src, "Init");
  const char *k;
  json_t *v;
  json_object_foreach (defaults, k, v)
    if (json_is_null(v) && json_is_array(json_object_get(src, k)) &&
        json_array_size(json_object_get(src, k)) == 0)
      json_object_set_new(src, k, json_null());
  if (json_integer_value(json_object_get(src, "NanoCpus")) > 0) {
    json_object_set_new(src, "CpuQuota", json_integer(0));
    json_object_set_new(src, "CpuPeriod", json_integer(0));
  }
  const char *order[128];
  size_t n = 0;
  json_object_foreach (defaults, k, v) {
    if (n + 4 >= sizeof(order) / sizeof(order[0]))
      break;
    if (strcmp(k, "MaskedPaths") == 0)
      order[n++] = "?Mounts";
    order[n++] = k;
    if (strcmp(k, "SecurityOpt") == 0) {
      order[n++] = "?StorageOpt";
      order[n++] = "?Tmpfs";
    } else if (strcmp(k, "ShmSize") == 0) {
      order[n++] = "?Sysctls";
    }
  }
  order[n++] = "?Init";
  order[n] = NULL;
  /* Go's encoder prints a map with its keys sorted */
  static const char *const maps[] = {"PortBindings", "Tmpfs", "Sysctls", "StorageOpt", NULL};
  for (const char *const *m = maps; *m; m++)
    if (json_is_object(json_object_get(src, *m)))
      json_object_set_new(src, *m, jsonv_sorted(json_object_get(src, *m)));
  return jsonv_shape(src, order, defaults);
}

/* Whether the container has never been started (docker's zero StartedAt). */
static bool never_started(const struct ctr_record *rec)
{
  const char *s = rec->state.started_at;
  return s == NULL || *s == '\0' || strncmp(s, "0001-01-01", 10) == 0;
}

/* The name of the network a created container will join: docker's key is the network's name
 * (a --network given as an id, or a prefix of one, too). */
static char *own_network(const struct eng_ctx *ctx, const char *mode)
{
  if (strcmp(mode, "default") == 0 || strcmp(mode, "bridge") == 0)
    return xstrdup("bridge");
  autojson json_t *net = NULL;
  autoerr struct td_err *e = NULL;
  const char *name = NULL;
  if (strcmp(mode, "none") != 0 && strcmp(mode, "host") != 0 &&
      net_inspect(ctx->root, mode, &net, &e) == 0)
    name = json_string_value(json_object_get(net, "Name"));
  return xstrdup(name ? name : mode);
}

static json_t *networks_view(const struct eng_ctx *ctx, const struct ctr_record *rec, json_t *nets,
                             bool running)
{
  json_t *out = json_object();
  const char *name;
  json_t *ep;
  const char *mode = rec->host.network_mode;
  const char *own = NULL; /* the network the container was created on */
  autofree char *own_name = NULL;
  autojson json_t *all = json_copy(json_is_object(nets) ? nets : NULL) ?: json_object();
  bool own_created = false;
  if (mode && strncmp(mode, "container:", 10) != 0 &&
      (json_object_size(all) == 0 || (!running && never_started(rec)))) {
    /* never attached: docker (updateContainerNetworkSettings at create) lists the network it
     * will join, empty, beside those connected before the start; none and host, which have no
     * endpoint of ours, always */
    own = own_name = own_network(ctx, mode);
    if (json_object_get(all, own) == NULL) {
      json_object_set_new(all, own,
                          json_pack("{s:o,s:s}", "Aliases",
                                    jsonv_from_strv_or_null(rec->td.aliases), "NetworkID", ""));
      own_created = true;
    }
  } else {
    void *it = json_object_iter(all); /* attached: the record lists its own network first */
    own = it ? json_object_iter_key(it) : NULL;
  }
  json_object_foreach (all, name, ep) {
    bool first = own && strcmp(name, own) == 0;
    json_t *e = jsonv_shape(ep, endpoint_order, NULL);
    char eid[65];
    derived_id(eid, rec->id, json_string_value(json_object_get(ep, "NetworkID")) ?: name,
               rec->td.init_start);
    if (json_string_length(json_object_get(e, "EndpointID")) == 0)
      json_object_set_new(e, "EndpointID", json_string(running ? eid : ""));
    static const char *const empty_str[] = {"IPv6Gateway", "GlobalIPv6Address", NULL};
    for (const char *const *k = empty_str; *k; k++)
      if (json_is_null(json_object_get(e, *k)))
        json_object_set_new(e, *k, json_string(""));
    static const char *const zero_int[] = {"GlobalIPv6PrefixLen", "IPPrefixLen", NULL};
    for (const char *const *k = zero_int; *k; k++)
      if (json_is_null(json_object_get(e, *k)))
        json_object_set_new(e, *k, json_integer(0));
    static const char *const addr[] = {"Gateway", "IPAddress", "MacAddress", NULL};
    for (const char *const *k = addr; *k; k++)
      if (!running || json_is_null(json_object_get(e, *k)))
        json_object_set_new(e, *k, json_string("")); /* a stopped one has none (docker) */
    if (!running)
      json_object_set_new(e, "IPPrefixLen", json_integer(0));
    /* a network connected (docker's CLI sends an IPAMConfig and DriverOpts of its own) */
    if (own && !first) {
      static const char *const conn[] = {"IPAMConfig", "DriverOpts", NULL};
      for (const char *const *k = conn; *k; k++)
        if (json_is_null(json_object_get(e, *k)))
          json_object_set_new(e, *k, json_object());
    }
    /* --ip, given for the network the container was created on */
    if (first && rec->td.ip && json_is_null(json_object_get(e, "IPAMConfig")))
      json_object_set_new(e, "IPAMConfig", json_pack("{s:s}", "IPv4Address", rec->td.ip));
    /* on a user-defined network docker adds the short id to the aliases: at every attach and
     * connect (kept when stopped), not at the create */
    bool user_net = strcmp(name, "bridge") && strcmp(name, "none") && strcmp(name, "host");
    if (user_net && !(first && own_created)) {
      char sid[13];
      eng_short_id(rec->id, sid);
      json_t *al = json_is_array(json_object_get(e, "Aliases"))
                       ? json_copy(json_object_get(e, "Aliases"))
                       : json_array();
      json_object_set_new(e, "Aliases", al);
      bool has = false;
      size_t i;
      json_t *a;
      json_array_foreach (al, i, a)
        has = has || strcmp(json_string_value(a) ?: "", sid) == 0;
      if (!has)
        json_array_append_new(al, json_string(sid));
    }
    json_object_set_new(out, name, e);
  }
  /* a Go map: its keys sorted */
  json_t *sorted = jsonv_sorted(out);
  json_decref(out);
  return sorted;
}

static json_t *net_view(const struct eng_ctx *ctx, const struct ctr_record *rec, json_t *ns)
{
  bool running = rec->state.pid > 0 && eng_net_endpoints((struct ctr_record *)rec);
  autojson json_t *defaults =
      json_pack("{s:s,s:s,s:b,s:s,s:i,s:o,s:s,s:n,s:n,s:s,s:s,s:s,s:i,s:s,s:i,s:s,s:s,s:o}",
                "Bridge", "", "SandboxID", "", "HairpinMode", 0, "LinkLocalIPv6Address", "",
                "LinkLocalIPv6PrefixLen", 0, "Ports", json_object(), "SandboxKey", "",
                "SecondaryIPAddresses", "SecondaryIPv6Addresses", "EndpointID", "", "Gateway", "",
                "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "IPAddress", "", "IPPrefixLen",
                0, "IPv6Gateway", "", "MacAddress", "", "Networks", json_object());
  json_t *out = jsonv_shape(json_is_object(ns) ? ns : defaults, net_order, defaults);
  json_t *nets = networks_view(ctx, rec, json_object_get(out, "Networks"), running);
  json_object_set_new(out, "Networks", nets);
  json_object_set_new(out, "Ports", jsonv_sorted(json_object_get(out, "Ports")));
  if (!running) { /* a stopped container has no addresses (docker) */
    static const char *const addr[] = {"Gateway", "IPAddress", "MacAddress", NULL};
    for (const char *const *k = addr; *k; k++)
      json_object_set_new(out, *k, json_string(""));
    json_object_set_new(out, "IPPrefixLen", json_integer(0));
  }
  if (running && json_string_length(json_object_get(out, "SandboxID")) == 0) {
    char sb[65];
    derived_id(sb, rec->id, "sandbox", rec->td.init_start);
    json_object_set_new(out, "SandboxID", json_string(sb));
    /* the container's network namespace, as the kernel names it */
    char key[64];
    snprintf(key, sizeof(key), "/proc/%d/ns/net", (int)rec->state.pid);
    json_object_set_new(out, "SandboxKey", json_string(key));
    /* the top-level endpoint is the default bridge's, as docker's */
    json_t *br = json_object_get(nets, "bridge");
    if (br)
      json_object_set(out, "EndpointID", json_object_get(br, "EndpointID"));
  }
  return out;
}

/* GraphDriver: the overlay's dirs (the image's layers, top first, as lower dirs). */
static json_t *graph_view(const struct eng_ctx *ctx, const struct ctr_record *rec)
{
  if (rec->td.rootfs_is_dir)
    return json_pack("{s:n,s:s}", "Data", "Name", "dir");
  autofree char *dir = xasprintf("%s/%s", ctx->ctr_dir, rec->id);
  autofree char *lower = xstrdup("");
  struct image_info *img = NULL;
  autoerr struct td_err *e = NULL;
  if (rec->image && image_resolve(ctx->root, rec->image, &img, &e) == 0) {
    for (size_t i = img->n_layers; i > 0; i--) {
      char *l = xasprintf("%s%s%s", lower, *lower ? ":" : "", img->layer_dirs[i - 1]);
      free(lower);
      lower = l;
    }
    image_info_free(img);
  }
  autofree char *merged = xasprintf("%s/rootfs", dir);
  autofree char *upper = xasprintf("%s/upper", dir);
  autofree char *work = xasprintf("%s/work", dir);
  return json_pack("{s:{s:s,s:s,s:s,s:s},s:s}", "Data", "LowerDir", lower, "MergedDir", merged,
                   "UpperDir", upper, "WorkDir", work, "Name", "overlay");
}

int64_t eng_dir_size(int dfd)
{
  int64_t total = 0;
  DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return 0;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        total += eng_dir_size(sub);
    } else {
      total += st.st_size;
    }
  }
  closedir(d);
  return total;
}

void eng_ctr_sizes(const struct eng_ctx *ctx, const struct ctr_record *rec, int64_t *rw_out,
                   int64_t *rootfs_out)
{
  autofree char *upper = xasprintf("%s/%s/upper", ctx->ctr_dir, rec->id);
  int dfd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int64_t rw = dfd >= 0 ? eng_dir_size(dfd) : 0;
  int64_t image = 0;
  struct image_info *img = NULL;
  autoerr struct td_err *e = NULL;
  if (rec->image && *rec->image && image_resolve(ctx->root, rec->image, &img, &e) == 0) {
    /* each layer's size, as its layer.json (beside its diff dir) holds it */
    for (size_t i = 0; i < img->n_layers; i++) {
      autofree char *meta = xasprintf("%s/../layer.json", img->layer_dirs[i]);
      autojson json_t *j = NULL;
      autoerr struct td_err *e2 = NULL;
      if (file_read_json(AT_FDCWD, meta, &j, &e2) == 0)
        image += json_integer_value(json_object_get(j, "size"));
    }
    image_info_free(img);
  } else if (rec->td.rootfs_is_dir && rec->td.rootfs) {
    int rfd = open(rec->td.rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    image = rfd >= 0 ? eng_dir_size(rfd) : 0;
  }
  *rw_out = rw;
  *rootfs_out = rw + image;
}

/* -s: the container's own files (SizeRw) and those with the image's (SizeRootFs). */
static void sizes(const struct eng_ctx *ctx, const struct ctr_record *rec, json_t *doc)
{
  int64_t rw = 0, rootfs = 0;
  eng_ctr_sizes(ctx, rec, &rw, &rootfs);
  json_object_set_new(doc, "SizeRw", json_integer(rw));
  json_object_set_new(doc, "SizeRootFs", json_integer(rootfs));
}

static void mounts_view(json_t *mounts)
{
  size_t i;
  json_t *m;
  json_array_foreach (mounts, i, m) {
    if (json_object_get(m, "Mode"))
      continue;
    /* older records: Mode before RW, as docker has it */
    const char *type = json_string_value(json_object_get(m, "Type")) ?: "";
    bool rw = json_is_true(json_object_get(m, "RW"));
    const char *mode = !rw ? "ro"
                       : (strcmp(type, "volume") == 0 && json_object_get(m, "Name") &&
                          strlen(json_string_value(json_object_get(m, "Name")) ?: "") != 64)
                           ? "z"
                           : "";
    json_t *copy = json_copy(m);
    json_object_clear(m);
    const char *k;
    json_t *v;
    json_object_foreach (copy, k, v) {
      if (strcmp(k, "RW") == 0)
        json_object_set_new(m, "Mode", json_string(mode));
      json_object_set(m, k, v);
    }
    json_decref(copy);
  }
}

/* ExecIDs: the exec'd processes that still run (engine/ops/exec.c marks them), null when none,
 * as docker's. */
static json_t *exec_ids(const struct eng_ctx *ctx, const struct ctr_record *rec)
{
  if (rec->state.pid <= 0)
    return json_null();
  autofree char *dir = xasprintf("%s/%s/execs", ctx->ctr_dir, rec->id);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return json_null();
  autoclosedir DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return json_null();
  }
  autostrv char **ids = xcalloc(1, sizeof(char *));
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strlen(de->d_name) != 64 || strspn(de->d_name, "0123456789abcdef") != 64)
      continue;
    autofree char *text = NULL;
    autoerr struct td_err *e = NULL;
    if (file_read_all(dirfd(d), de->d_name, &text, NULL, &e) < 0)
      continue;
    int pid = 0;
    unsigned long long start = 0;
    if (sscanf(text, "%d %llu", &pid, &start) == 2 && pid > 0 && proc_alive(pid, start))
      strv_push(&ids, de->d_name);
  }
  size_t n = strv_len(ids);
  if (n == 0)
    return json_null();
  for (size_t a = 1; a < n; a++)
    for (size_t c = a; c > 0 && strcmp(ids[c - 1], ids[c]) > 0; c--) {
      char *t = ids[c];
      ids[c] = ids[c - 1];
      ids[c - 1] = t;
    }
  return jsonv_from_strv(ids);
}

int eng_inspect_doc(struct eng_ctx *ctx, const char *id, bool size, json_t **out,
                    struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  json_t *doc = record_to_json(rec);
  autojson json_t *defaults = json_pack("{s:s,s:s,s:s,s:n}", "MountLabel", "", "ProcessLabel", "",
                                        "AppArmorProfile", "", "ExecIDs");
  json_object_set_new(defaults, "GraphDriver", graph_view(ctx, rec));
  json_object_set_new(defaults, "ExecIDs", exec_ids(ctx, rec));
  json_t *view = jsonv_shape(doc, top_order, defaults);
  json_object_del(view, "Td");
  /* docker's State.Health: there once the container with a check has started */
  json_t *health = health_configured(rec) ? health_load(ctx, id) : NULL;
  if (health && json_is_object(json_object_get(view, "State"))) {
    json_t *state = json_copy(json_object_get(view, "State"));
    json_object_set_new(state, "Health", health);
    json_object_set_new(view, "State", state);
  } else {
    json_decref(health);
  }
  json_object_set_new(view, "HostConfig", host_view(json_object_get(doc, "HostConfig")));
  json_t *cfg = json_object_get(doc, "Config");
  autojson json_t *cfg_defaults = json_pack("{s:n,s:n}", "OnBuild", "Volumes");
  json_t *config = jsonv_shape(json_is_object(cfg) ? cfg : cfg_defaults, jsonv_docker_config_order,
                               cfg_defaults);
  static const char *const cfg_maps[] = {"Labels", "ExposedPorts", "Volumes", NULL};
  for (const char *const *m = cfg_maps; *m; m++)
    if (json_is_object(json_object_get(config, *m)))
      json_object_set_new(config, *m, jsonv_sorted(json_object_get(config, *m)));
  json_object_set_new(view, "Config", config);
  json_object_set_new(view, "NetworkSettings",
                      net_view(ctx, rec, json_object_get(doc, "NetworkSettings")));
  json_t *mounts = json_deep_copy(json_object_get(doc, "Mounts")) ?: json_array();
  mounts_view(mounts);
  json_object_set_new(view, "Mounts", mounts);
  if (size) {
    sizes(ctx, rec, view);
    /* in their place, before Mounts */
    json_t *re = jsonv_shape(view, top_order, NULL);
    json_decref(view);
    view = re;
  }
  *out = view;
  return 0;
}

int eng_inspect(struct eng_ctx *ctx, const char *id, json_t **out, struct td_err **err)
{
  return eng_inspect_doc(ctx, id, false, out, err);
}
