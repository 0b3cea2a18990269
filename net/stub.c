/* Temporary: the stateful half of net/ lands next; these keep the contract linkable. */
#include <errno.h>

#include "net/net.h"

#define NET_TODO(err) err_set(err, ENOSYS, "networking not implemented yet")

int net_create(const char *root, const struct net_create_req *req, char **id_out,
               struct td_err **err)
{
  (void)root, (void)req, (void)id_out;
  return NET_TODO(err);
}
int net_remove(const char *root, const char *name_or_id, struct td_err **err)
{
  (void)root, (void)name_or_id;
  return NET_TODO(err);
}
int net_list(const char *root, json_t **out, struct td_err **err)
{
  (void)root, (void)out;
  return NET_TODO(err);
}
int net_inspect(const char *root, const char *name_or_id, json_t **out, struct td_err **err)
{
  (void)root, (void)name_or_id, (void)out;
  return NET_TODO(err);
}
int net_prune(const char *root, char ***removed, struct td_err **err)
{
  (void)root, (void)removed;
  return NET_TODO(err);
}
int net_cleanup(const char *root, struct td_err **err)
{
  (void)root;
  return NET_TODO(err);
}
int net_ensure_default(const char *root, struct td_err **err)
{
  (void)root;
  return NET_TODO(err);
}
int net_attach(const char *root, const char *container_id, const char *netns_path,
               const struct net_attach_req *req, struct net_attach_result *res,
               struct td_err **err)
{
  (void)root, (void)container_id, (void)netns_path, (void)req, (void)res;
  return NET_TODO(err);
}
void net_attach_result_free(struct net_attach_result *res)
{
  (void)res;
}
int net_detach(const char *root, const char *container_id, struct td_err **err)
{
  (void)root, (void)container_id, (void)err;
  return 0;
}
int net_disconnect(const char *root, const char *network, const char *container_id,
                   struct td_err **err)
{
  (void)root, (void)network, (void)container_id;
  return NET_TODO(err);
}
int net_container_ports(const char *root, const char *container_id, struct net_port **ports,
                        size_t *n, struct td_err **err)
{
  (void)root, (void)container_id, (void)err;
  *ports = NULL;
  *n = 0;
  return 0;
}
int net_gc(const char *root, struct td_err **err)
{
  (void)root, (void)err;
  return 0;
}
