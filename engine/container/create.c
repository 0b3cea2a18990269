/* create: validate, reserve id + name, mount the rootfs, write the bundle and the record (its
 * document: create_record.c). Everything is checked before anything is created; a failure half
 * way undoes it all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container/internal.h"
#include "engine/container/container.h"
#include "engine/container/runflags.h"
#include "image/image.h"
#include "image/volume.h"
#include "net/net.h"
#include "runtime/spec/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "util/trace.h"
#include "engine/container/userns.h"

static json_t *image_config_json(const struct image_info *img)
{
  json_t *c = json_object_get(img->config, "config");
  return c ? json_incref(c) : json_object();
}

int eng_image_prepare(const struct eng_ctx *ctx, const char *ref, bool transient, const char *dir,
                      const struct eng_remap *remap, json_t **config, char **image_id,
                      struct td_err **err)
{
  struct image_info *img = NULL;
  if (image_resolve(ctx->root, ref, &img, err) < 0)
    return -1;
  autofree char *rootfs = NULL;
  int rc = eng_remap_rootfs(ctx, img, dir, transient, remap, &rootfs, err);
  if (rc < 0) {
    image_info_free(img);
    return -1;
  }
  *config = image_config_json(img);
  *image_id = xstrdup(img->id);
  image_info_free(img);
  return 0;
}

int bundle_write_etc(const char *dir, const char *hostname, const char *net_mode, char **add_hosts,
                     char **dns, char **dns_search, char **dns_opts, struct td_err **err)
{
  autofree char *hn = xasprintf("%s\n", hostname);
  autofree char *p_hn = xasprintf("%s/hostname", dir);
  if (store_write(p_hn, hn, strlen(hn), 0644, err) < 0)
    return -1;
  bool host = net_mode && strcmp(net_mode, "host") == 0;
  autofree char *host_resolv = NULL;
  autoerr struct td_err *e2 = NULL;
  file_read_all(AT_FDCWD, "/etc/resolv.conf", &host_resolv, NULL, &e2);
  autofree char *hosts = NULL;
  if (host) {
    autoerr struct td_err *e3 = NULL;
    if (file_read_all(AT_FDCWD, "/etc/hosts", &hosts, NULL, &e3) < 0)
      hosts = net_hosts_render(hostname, NULL, add_hosts);
  } else {
    hosts = net_hosts_render(hostname, NULL, add_hosts);
  }
  struct net_dns_req d = {.dns = dns, .dns_search = dns_search, .dns_opts = dns_opts};
  autofree char *resolv = net_resolv_render(&d, host_resolv);
  autofree char *p_hosts = xasprintf("%s/hosts", dir);
  autofree char *p_resolv = xasprintf("%s/resolv.conf", dir);
  if (store_write(p_hosts, hosts, strlen(hosts), 0644, err) < 0 ||
      store_write(p_resolv, resolv, strlen(resolv), 0644, err) < 0)
    return -1;
  return 0;
}

/* A --sysctl acts on the namespace it belongs to: with --network host a net.* one is the
 * host's (docker refuses it; so does the runtime's spec_validate, later). */
static int validate_sysctls(const struct eng_run_req *req, struct td_err **err)
{
  bool host_net = req->network && strcmp(req->network, "host") == 0;
  for (char **s = req->sysctls; s && *s; s++) {
    autofree char *k = xstrndup(*s, strcspn(*s, "="));
    autofree char *rel = spec_sysctl_path(k);
    int ns = spec_sysctl_ns(k);
    if (rel == NULL || (ns != NS_NET && ns != NS_IPC))
      return err_set(err, 0, "sysctl '%s' is not whitelisted", *s);
    if (ns == NS_NET && host_net)
      return err_set(err, 0, "sysctl \"%s\" not allowed in host network namespace", k);
    if (ns == NS_IPC && req->ipc_mode && strcmp(req->ipc_mode, "host") == 0)
      return err_set(err, 0, "sysctl \"%s\" is not allowed in the hosts ipc namespace", k);
  }
  return 0;
}

/* Checks that need no state: conflicts between flags, limits against the host. The -p
 * strings are parsed here, once, into *ports (*n_ports) for ports_precheck. */
static int validate(const struct eng_run_req *req, struct net_port **ports, size_t *n_ports,
                    struct td_err **err)
{
  /* docker's daemon: a duration under 1ms (0 is "the default") */
  static const char *const hnames[] = {"Interval", "Timeout", "StartPeriod"};
  int64_t hd[] = {req->health_interval, req->health_timeout, req->health_start_period};
  for (size_t i = 0; i < 3; i++)
    if (hd[i] > 0 && hd[i] < 1000000)
      return err_set(err, 0, "%s in Healthcheck cannot be less than 1ms", hnames[i]);
  if (validate_sysctls(req, err) < 0 || eng_ns_validate(req, err) < 0)
    return -1;
  if (req->auto_remove && req->restart.mode != RESTART_NO)
    return err_set(err, 0, "Conflicting options: --restart and --rm"),
           err_mark(err, ERR_CLI); /* docker's CLI finds it */
  if (req->memory > 0 && req->memory < 6 * 1024 * 1024)
    return err_set(err, 0, "Minimum memory limit allowed is 6MB");
  if (req->memory_swap > 0 && req->memory == 0)
    return err_set(err, 0,
                   "You should always set the Memory limit when using Memoryswap limit, "
                   "see usage");
  if (req->memory_swap > 0 && req->memory_swap < req->memory)
    return err_set(err, 0,
                   "Minimum memoryswap limit should be larger than memory limit, see "
                   "usage");
  if (req->memory_reservation > 0 && req->memory > 0 && req->memory_reservation > req->memory)
    return err_set(err, 0,
                   "Minimum memory limit can not be less than memory reservation limit, "
                   "see usage");
  if (req->nano_cpus > 0 && (req->cpu_quota != 0 || req->cpu_period != 0))
    return err_set(err, 0,
                   "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be "
                   "set");
  if (req->cpu_period != 0 && (req->cpu_period < 1000 || req->cpu_period > 1000000))
    return err_set(err, 0,
                   "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than "
                   "1s (i.e. 1000000)");
  if (req->cpu_quota > 0 && req->cpu_quota < 1000)
    return err_set(err, 0, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (req->name && !eng_valid_name(req->name))
    return err_set(err, 0,
                   "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                   "allowed",
                   req->name);
  if (req->hostname && strlen(req->hostname) > 63)
    return err_set(err, 0, "invalid hostname format: %s", req->hostname);
  for (char **p = req->publish; p && *p; p++)
    if (net_port_parse(*p, ports, n_ports, err) < 0)
      return -1;
  if (req->network) {
    enum net_mode mode;
    autofree char *arg = NULL;
    if (net_mode_parse(req->network, &mode, &arg, err) < 0)
      return -1;
  }
  if (req->rootfs) {
    struct stat st;
    if (stat(req->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
      return err_set(err, errno ? errno : ENOTDIR, "--rootfs %s", req->rootfs);
  }
  return 0;
}

/* A fixed host port that a host process or another container holds is refused before the
 * container exists (issue 5's bad input); net_attach checks again under its lock. */
static int ports_precheck(const struct eng_ctx *ctx, const struct eng_run_req *req,
                          const struct net_port *ports, size_t n_ports, struct td_err **err)
{
  if (!req->publish || !eng_mode_has_endpoints(req->network))
    return 0;
  return net_ports_check(ctx->root, ports, n_ports, err);
}

struct create_undo {
  const struct eng_ctx *ctx;
  char *id, *name, *dir;
  bool name_reserved, dir_made, mounted;
  uint64_t quota_size; /* --storage-opt size= in bytes (0: none) */
  bool quota_set;
};

static void undo(struct create_undo *u)
{
  autoerr struct td_err *e = NULL;
  if (u->mounted) {
    if (image_rootfs_umount(u->dir, &e) < 0)
      err_warn(&e, "undo create: unmount the rootfs");
    if (image_release(u->ctx->root, u->dir, &e) < 0)
      err_warn(&e, "undo create: release the image");
  }
  if (u->quota_set)
    eng_storage_release(u->dir);
  if (u->dir_made) {
    autostrv char **anon = NULL;
    if (volume_release(u->ctx->root, u->dir, &anon, &e) < 0)
      err_warn(&e, "undo create: release the volumes");
    for (char **a = anon; a && *a; a++)
      if (volume_remove(u->ctx->root, *a, true, &e) < 0)
        err_warn(&e, "undo create: remove anonymous volume %s", *a);
    if (rm_rf(u->dir, &e) < 0)
      err_warn(&e, "undo create: remove %s", u->dir);
  }
  if (u->name_reserved)
    store_name_release(u->ctx, u->name, u->id);
}

/* The part of create after the directory exists; the caller undoes on failure. */
static int create_fill(struct eng_ctx *ctx, const struct eng_run_req *req, const char *id,
                       const char *name, const char *dir, const struct eng_remap *remap,
                       struct create_undo *u, struct td_err **err)
{
  autojson json_t *imgcfg = NULL;
  autofree char *image_id = NULL;
  autofree char *rootfs = NULL;
  if (eng_remap_dirs(ctx, remap, dir, err) < 0)
    return -1;
  if (req->rootfs) {
    rootfs = realpath(req->rootfs, NULL);
    imgcfg = json_object();
  } else {
    if (u->quota_size > 0) { /* before the overlay: its work dir must be in the project */
      u->quota_set = true;
      if (eng_storage_apply(ctx, dir, u->quota_size, err) < 0)
        return -1;
    }
    if (eng_image_prepare(ctx, req->image, req->auto_remove, dir, remap, &imgcfg, &image_id, err) <
        0)
      return -1;
    u->mounted = true;
    td_trace("c-image");
    rootfs = xasprintf("%s/rootfs", dir);
  }
  autojson json_t *spec = NULL;
  autojson json_t *mounts = NULL;
  if (bundle_build_spec(ctx, req, imgcfg, id, dir, rootfs, &spec, &mounts, err) < 0)
    return -1;
  td_trace("c-spec");
  runflags_spec(req, spec);
  if (remap->nu)
    eng_remap_spec(remap, spec);
  if (eng_remap_volumes(remap, mounts, err) < 0)
    return -1;
  if (u->quota_size > 0)
    eng_storage_seccomp(spec);
  char sid[13];
  const char *hostname = json_string_value(json_object_get(spec, "hostname"));
  if (bundle_write_etc(dir, hostname ? hostname : eng_short_id(id, sid), req->network,
                       req->add_hosts, req->dns, req->dns_search, req->dns_opts, err) < 0)
    return -1;
  if (eng_remap_chown_etc(remap, dir, err) < 0)
    return -1;
  td_trace("c-etc");
  autofree char *cfgpath = xasprintf("%s/config.json", dir);
  if (store_write_json(cfgpath, spec, 0600, err) < 0)
    return -1;
  store_cache_put(STORE_CACHE_SPEC, id, spec);
  td_trace("c-config");
  autostrv char **links = NULL;
  if (runflags_links(ctx, req, name, &links, err) < 0)
    return -1;
  json_t *doc = create_record_doc(req, id, name, dir, spec, imgcfg, image_id, rootfs, mounts);
  runflags_record(req, links, doc);
  if (remap->nu)
    eng_remap_to_td(remap, json_object_get(doc, "Td"));
  /* the new record's inspect document, read into the typed record as any other */
  autorecord struct ctr_record *rec = record_from_json(doc);
  if (record_save(ctx, id, rec, err) < 0)
    return -1;
  store_cache_put(STORE_CACHE_RECORD, id, rec->doc); /* run's start goes on with it */
  eng_event(ctx, id, rec, "create", NULL);
  return 0;
}

int eng_create(struct eng_ctx *ctx, const struct eng_run_req *req_in, char **id_out,
               struct td_err **err)
{
  struct eng_run_req adj = *req_in; /* what the host can apply (hostcheck.c) */
  const struct eng_run_req *req = &adj;
  autofree struct net_port *ports = NULL;
  size_t n_ports = 0;
  uint64_t quota_size = 0;
  if (validate(req, &ports, &n_ports, err) < 0 || eng_host_adjust(&adj, err) < 0 ||
      eng_storage_check(ctx, req, &quota_size, err) < 0)
    return -1;
  bool remapped = false;
  struct eng_remap remap = {0};
  if (eng_remap_check(ctx, req, &remapped, err) < 0 ||
      (remapped && eng_remap_resolve(ctx->userns_remap, &remap, err) < 0)) {
    (*err)->exit_code = EXIT_ENGINE;
    return -1;
  }
  if (runflags_check(ctx, req, err) < 0) {
    (*err)->exit_code = EXIT_ENGINE;
    return -1;
  }
  __attribute__((cleanup(eng_ns_modes_clear))) struct eng_ns_modes nsm = {0};
  if (eng_ns_resolve_modes(ctx, &adj, &nsm, err) < 0) {
    (*err)->exit_code = EXIT_ENGINE;
    return -1;
  }
  if (req->network && strcmp(req->network, "none") != 0 && strcmp(req->network, "host") != 0 &&
      strcmp(req->network, "bridge") != 0 && strcmp(req->network, "default") != 0 &&
      strncmp(req->network, "container:", 10) != 0) {
    autojson json_t *net = NULL;
    if (net_inspect(ctx->root, req->network, &net, err) < 0) {
      /* dockerd finds it when it starts the container (docker run: no help line) */
      (*err)->exit_code = EXIT_ENGINE;
      if ((*err)->errnum != ENOENT)
        return -1;
      (*err)->errnum = 0;
      return err_mark(err, ERR_START);
    }
  }
  if (ports_precheck(ctx, req, ports, n_ports, err) < 0) {
    (*err)->exit_code = EXIT_ENGINE;
    return -1;
  }
  if (req->image) {
    struct image_ref *r = NULL;
    if (image_ref_parse(req->image, &r, err) < 0) {
      (*err)->exit_code = EXIT_ENGINE;
      return -1;
    }
    image_ref_free(r);
  }
  td_trace("c-validated");
  autofree char *id = store_new_id();
  autofree char *name =
      req->name ? xstrdup(req->name[0] == '/' ? req->name + 1 : req->name) : store_random_name();
  autofree char *dir = store_dir(ctx, id);
  struct create_undo u = {.ctx = ctx, .id = id, .name = name, .dir = dir, .quota_size = quota_size};
  /* the directory (with its creator) before the name: a crash in between leaves a directory
   * that `ps -a` shows and `rm -f` removes, never a name that points at nothing */
  if (mkdir(dir, 0700) < 0)
    return err_set(err, errno, "mkdir %s", dir);
  u.dir_made = true;
  store_mark_creator(ctx, id);
  for (int tries = 0; store_name_reserve(ctx, name, id, err) < 0; tries++) {
    if (req->name || tries > 20)
      goto fail;
    err_free(err);
    free(name);
    name = store_random_name();
    if (tries >= 3) { /* 588 names: with hundreds taken, a digit keeps the odds (docker's way) */
      char *n2 = xasprintf("%s%d", name, tries);
      free(name);
      name = n2;
    }
    u.name = name;
  }
  u.name_reserved = true;
  td_trace("c-name");
  if (create_fill(ctx, req, id, name, dir, &remap, &u, err) < 0)
    goto fail;
  if (req->cidfile && write_all(req->cidfile_fd, id, strlen(id)) < 0) {
    /* docker: the container stays; the file's write failed */
    autoerr struct td_err *e = NULL;
    err_set(&e, errno, "failed to write the container ID to the file");
    err_warn(&e, "--cidfile");
  }
  *id_out = steal_ptr(id);
  return 0;
fail:
  undo(&u);
  if (*err)
    (*err)->exit_code = EXIT_ENGINE; /* docker: every create failure is the engine's (125) */
  return -1;
}
