/* Internal: one registry endpoint + repository, with its auth, over libcurl. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "util/err.h"

struct reg_client {
  char *host;     /* "127.0.0.1:5000", "registry-1.docker.io" */
  char *base;     /* "http://127.0.0.1:5000" */
  char *repo;     /* "library/busybox" */
  char *actions;  /* "pull" or "pull,push" */
  char *basic;    /* "user:password" or NULL */
  char *token;    /* bearer token or NULL */
  bool use_basic; /* the registry asked for Basic auth */
  pthread_mutex_t lock;
};

struct reg_resp {
  long status;
  char *body; /* NUL-terminated, when not streamed */
  size_t len;
  char *content_type;
  char *docker_digest; /* Docker-Content-Digest */
  char *location;
  char *www_auth;
  uint64_t content_length;
};

/* Called with each chunk of a streamed body; return -1 with errno set to abort (the errno
 * becomes the cause of reg_do's error). */
typedef int (*reg_sink_fn)(void *ctx, const void *data, size_t n);
/* Called to fill an upload body; returns bytes (0 = end, -1 = error). */
typedef long (*reg_source_fn)(void *ctx, void *buf, size_t n);

struct reg_req {
  const char *method; /* GET HEAD PUT POST PATCH */
  const char *url;    /* absolute, or a path starting with / (joined to base) */
  const char *accept;
  const char *content_type;
  const void *body; /* small upload body */
  size_t body_len;
  reg_source_fn source; /* streamed upload body (with body_len as its size) */
  void *source_ctx;
  reg_sink_fn sink; /* stream the response body here instead of buffering it */
  void *sink_ctx;
  bool no_challenge; /* do not answer a 401 (the token request itself) */
};

/* Set up a client for host/repo, reading stored credentials from root; http is used for
 * loopback hosts and hosts in insecure. */
int reg_client_init(struct reg_client *c, const char *root, const char *host, const char *repo,
                    const char *actions, char *const *insecure, struct td_err **err);
/* Free what a client holds. */
void reg_client_clear(struct reg_client *c);
/* Make a request; on 401 it answers the challenge (token or basic) and retries once. */
int reg_do(struct reg_client *c, const struct reg_req *r, struct reg_resp *resp,
           struct td_err **err);
/* Free a response. */
void reg_resp_clear(struct reg_resp *r);
/* "registry-1.docker.io" for docker.io, else the domain itself. */
const char *reg_endpoint_host(const char *domain);
/* Whether plain http is allowed for host (loopback names/addresses or listed insecure). */
bool reg_host_insecure(const char *host, char *const *insecure);
/* Parse a WWW-Authenticate value: scheme ("Bearer"/"Basic") and realm/service/scope. */
int reg_parse_challenge(const char *h, char **scheme, char **realm, char **service, char **scope);
/* A registry error response as one line ("manifest unknown: ..."). */
char *reg_error_text(const struct reg_resp *resp);
