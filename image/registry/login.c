/* login / logout: credentials checked against the registry's /v2/ endpoint, then stored. */
#include "image/registry/registry.h"

#include <errno.h>
#include <string.h>

#include "image/registry/client.h"
#include "image/registry/creds.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

int registry_login(const char *root, const char *server, const char *user, const char *password,
                   const struct registry_opts *o, struct td_err **err)
{
  if (user == NULL || *user == '\0' || password == NULL || *password == '\0')
    return err_set(err, EINVAL, "login: username and password are required");
  struct reg_client c;
  if (reg_client_init(&c, root, server, "", "pull", o->insecure, err) < 0)
    return -1;
  free(c.basic);
  c.basic = xasprintf("%s:%s", user, password);
  struct reg_req r = {.method = "GET", .url = "/v2/"};
  struct reg_resp resp = {0};
  int rc = reg_do(&c, &r, &resp, err);
  if (rc == 0 && resp.status != 200)
    rc = err_set(err, EACCES, "login to %s: %s", server,
                 resp.status == 401 ? "unauthorized: incorrect username or password"
                                    : "unexpected answer");
  reg_resp_clear(&resp);
  reg_client_clear(&c);
  if (rc < 0)
    return -1;
  return reg_creds_put(root, server, user, password, err);
}

int registry_logout(const char *root, const char *server, struct td_err **err)
{
  return reg_creds_remove(root, server, err);
}
