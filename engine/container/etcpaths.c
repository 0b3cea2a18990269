/* docker's ResolvConfPath, HostnamePath and HostsPath: empty in a created container's record,
 * set by its first start (docker's initializeNetworking) once the start got past joining the
 * namespaces. A --network container:X joiner gets X's files (the ones its bundle mounts, each
 * opened beneath X's directory and checked at every start: nsmode.c), others their own. The
 * paths are what inspect shows; the files themselves exist from the create on. */
#include <stdlib.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/container/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static void set_path(char **field, const char *dir, const char *file)
{
  free(*field);
  *field = xasprintf("%s/%s", dir, file);
}

void eng_etc_paths_fill(const struct eng_ctx *ctx, struct ctr_record *rec)
{
  if (rec->hosts_path && *rec->hosts_path)
    return;
  autofree char *etc = eng_ns_net_etc_dir(ctx, rec->host.network_mode);
  autofree char *own = etc ? NULL : store_dir(ctx, rec->id);
  const char *dir = etc ? etc : own;
  set_path(&rec->resolv_conf_path, dir, "resolv.conf");
  set_path(&rec->hostname_path, dir, "hostname");
  set_path(&rec->hosts_path, dir, "hosts");
}

char *eng_hosts_file(const struct eng_ctx *ctx, const struct ctr_record *rec)
{
  if (rec->hosts_path && *rec->hosts_path)
    return xstrdup(rec->hosts_path);
  autofree char *dir = store_dir(ctx, rec->id);
  return xasprintf("%s/hosts", dir);
}
