/* `network connect` and `network disconnect` of a container: docker's rules on which
 * containers may join a network, the attach or detach itself (net/), and the container's
 * record, so that `inspect CONTAINER` shows the networks it is on. Lock order: the
 * container's record lock, then the network store's (docs/engine.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/container/container.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/lock.h"
#include "util/xalloc.h"

/* docker's refusals: a container without a network namespace of its own to add to. */
static int check_connectable(const struct ctr_record *rec, struct td_err **err)
{
  const char *m = rec->host.network_mode;
  if (m && strcmp(m, "none") == 0)
    return err_set(err, EINVAL,
                   "container cannot be connected to multiple networks with one of the networks "
                   "in private (none) mode");
  if (!eng_mode_has_endpoints(m))
    return err_set(err, EINVAL,
                   "container sharing network namespace with another container or host cannot "
                   "be connected to any other network");
  return 0;
}

/* docker's connect of a container that is not running: the network is kept in the record
 * (NetworkSettings.Networks, no address yet) and the start attaches it after the container's
 * own network, in the order they were connected (engine/monitor/network.c). */
static int connect_later(struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                         const struct net_attach_req *req, struct td_err **err)
{
  autojson json_t *net = NULL;
  if (net_inspect(ctx->root, req->network, &net, err) < 0) {
    if ((*err)->errnum == ENOENT)
      (*err)->errnum = 0; /* the message says it */
    return -1;
  }
  const char *name = json_string_value(json_object_get(net, "Name"));
  if (req->ip)
    return err_set(err, EINVAL, "--ip: connect the container %s once it runs", rec->name + 1);
  if (name == NULL || record_endpoint(rec, name))
    return 0; /* docker's: a second connect before the start changes nothing */
  record_add_pending(rec, name, req->aliases);
  return record_save(ctx, id, rec, err);
}

/* ref's container: fn(ctx, id, arg) with its record locked */
static int with_record_locked(struct eng_ctx *ctx, const char *ref,
                              int (*fn)(struct eng_ctx *ctx, const char *id, void *arg,
                                        struct td_err **err),
                              void *arg, struct td_err **err)
{
  autofree char *id = NULL;
  if (eng_lookup(ctx, ref, &id, err) < 0)
    return -1;
  int lk = store_lock(ctx, id, err);
  if (lk < 0)
    return -1;
  int rc = fn(ctx, id, arg, err);
  lock_release(lk);
  return rc;
}

static int connect_locked(struct eng_ctx *ctx, const char *id, void *arg, struct td_err **err)
{
  struct net_attach_req *req = arg;
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0 || check_connectable(rec, err) < 0)
    return -1;
  if (rec->state.pid <= 0)
    return connect_later(ctx, id, rec, req, err);
  const char *name = rec->name;
  req->container_name = name && name[0] == '/' ? name + 1 : name;
  req->hostname = rec->config.hostname;
  autofree char *hosts = eng_hosts_file(ctx, rec);
  req->hosts_path = hosts;
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)rec->state.pid);
  struct net_attach_result res = {0};
  if (net_attach(ctx->root, id, nspath, req, &res, err) < 0)
    return -1;
  record_set_attached(rec, &res, req->aliases, false);
  net_attach_result_free(&res);
  return record_save(ctx, id, rec, err);
}

int eng_network_connect(struct eng_ctx *ctx, const char *ref, struct net_attach_req *req,
                        struct td_err **err)
{
  return with_record_locked(ctx, ref, connect_locked, req, err);
}

static int disconnect_locked(struct eng_ctx *ctx, const char *id, void *arg, struct td_err **err)
{
  const char *network = arg;
  autojson json_t *net = NULL;
  if (net_inspect(ctx->root, network, &net, err) < 0)
    return -1;
  const char *net_name = json_string_value(json_object_get(net, "Name"));
  autorecord struct ctr_record *rec = NULL;
  if (record_load(ctx, id, &rec, err) < 0)
    return -1;
  /* not running: a network connected before the start is only in the record */
  bool later = rec->state.pid <= 0 && net_name && record_endpoint(rec, net_name);
  if (!later && net_disconnect(ctx->root, network, id, err) < 0)
    return -1;
  if (net_name && record_drop_endpoint(rec, net_name))
    return record_save(ctx, id, rec, err);
  return 0;
}

int eng_network_disconnect(struct eng_ctx *ctx, const char *network, const char *ref,
                           struct td_err **err)
{
  return with_record_locked(ctx, ref, disconnect_locked, (void *)network, err);
}
