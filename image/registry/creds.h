/* Internal: stored registry credentials (<root>/auth.json, docker's config format, 0600)
 * and answering WWW-Authenticate challenges. */
#pragma once
#include "image/registry/client.h"
#include "util/err.h"

/* "user:password" for host from <root>/auth.json, or *out = NULL when none. */
int reg_creds_get(const char *root, const char *host, char **out, struct td_err **err);
/* Store (user, password) for host; the file is written atomically with mode 0600. */
int reg_creds_put(const char *root, const char *host, const char *user, const char *password,
                  struct td_err **err);
/* Remove host's entry; ENOENT error if there was none. */
int reg_creds_remove(const char *root, const char *host, struct td_err **err);
/* Answer a 401 challenge: fetch a bearer token (scope repository:<repo>:<actions>) or switch
 * to basic auth. */
int reg_answer_challenge(struct reg_client *c, const char *www_auth, struct td_err **err);
