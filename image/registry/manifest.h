/* Internal: fetching manifests and picking a platform out of an index or manifest list. */
#pragma once
#include <stdint.h>

#include <jansson.h>

#include "image/registry/client.h"
#include "util/err.h"

/* The Accept header for manifests: docker schema 2, OCI manifest, manifest list, OCI index. */
extern const char reg_manifest_accept[];

struct reg_manifest {
  char *bytes; /* exactly as served (its sha256 is the digest) */
  size_t len;
  char *digest;
  char *media_type;
  json_t *json;
};

/* GET a manifest by tag or digest and verify its digest (against the digest asked for, or
 * the Docker-Content-Digest header). An index/list is resolved to the manifest for platform
 * ("os/arch[/variant]", NULL = this host). */
int reg_manifest_fetch(struct reg_client *c, const char *reference, const char *platform,
                       struct reg_manifest *out, struct td_err **err);
/* Free a manifest. */
void reg_manifest_clear(struct reg_manifest *m);
/* Whether a media type is an index or manifest list. */
bool reg_media_is_index(const char *mt);
/* Pick the digest of the entry for platform from an index; NULL if none matches. */
const char *reg_index_pick(json_t *index, const char *platform);
/* The host platform "linux/<arch>[/<variant>]". */
const char *reg_host_platform(void);
