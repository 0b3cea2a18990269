/* The registry client (distribution HTTP API v2) behind pull, push, login and logout.
 * Heavy part: libcurl + libcrypto, linked only into tinydocker-image. See docs/registry.md. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"

struct registry_opts {
  char **insecure;      /* --insecure-registry hosts: plain http allowed */
  bool quiet;           /* -q: only the final line */
  const char *platform; /* "linux/amd64[/variant]"; NULL = this host's */
  bool no_ref_line;     /* pull: leave out the final full-reference line (run's pull, -a) */
};

/* Pull ref into the store; nothing is published unless every digest checks out. */
int registry_pull(const char *root, const char *ref, const struct registry_opts *o, FILE *out,
                  struct td_err **err);
/* Push a stored image to its registry; blobs the registry has are skipped (HEAD first). */
int registry_push(const char *root, const char *ref, const struct registry_opts *o, FILE *out,
                  struct td_err **err);
/* `pull --all-tags`: every tag of repo_ref's repository in its registry (GET tags/list, paged,
 * at most 10000); a list for another repository or a tag that is not docker's tag syntax is an
 * error, nothing pulled. */
int registry_tags(const char *root, const char *repo_ref, const struct registry_opts *o,
                  char ***tags, struct td_err **err);
/* `push --all-tags`: every tag of repo_ref's repository in the store (exit 1 if none). */
int registry_local_tags(const char *root, const char *repo_ref, char ***tags, struct td_err **err);
/* Whether t is a tag by docker's rule: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool registry_tag_valid(const char *t);
/* Check credentials against server and store them in <root>/auth.json (mode 0600). */
int registry_login(const char *root, const char *server, const char *user, const char *password,
                   const struct registry_opts *o, struct td_err **err);
/* Remove stored credentials for server; not logged in is an error as in docker. */
int registry_logout(const char *root, const char *server, struct td_err **err);
/* `search`: the repositories of host's catalog (GET /v2/_catalog, paged; at most 10000);
 * a registry without one (Docker Hub) is a clear error, exit 1. */
int registry_catalog(const char *root, const char *host, const struct registry_opts *o,
                     char ***repos, struct td_err **err);
/* `manifest inspect`: the manifest or index of ref exactly as served (its digest checked when
 * ref names one), and its media type. */
int registry_manifest_raw(const char *root, const char *ref, const struct registry_opts *o,
                          char **body, char **media_type, struct td_err **err);

/* docker's `manifest` list commands (docs/registry.md): a list made locally, in
 * <root>/manifests/, from manifests already in the list's own registry, each entry with its
 * image's platform (mlist.c); annotated; shown by `manifest inspect` before the registry is
 * asked; pushed with every entry's manifest into the list's repository (mlist_push.c). */
struct registry_platform {
  const char *os, *arch, *variant, *os_version;
  char **os_features; /* NULL: unchanged */
};
/* `manifest create [--amend] LIST REF...`: prints "Created manifest list LIST". */
int registry_list_create(const char *root, const char *list, char *const *refs, bool amend,
                         const struct registry_opts *o, struct td_err **err);
/* `manifest annotate`: the platform of ref's entry in list (docker's os/arch pairs only). */
int registry_list_annotate(const char *root, const char *list, const char *ref,
                           const struct registry_platform *p, struct td_err **err);
/* `manifest inspect` of a local list: the list as it would be pushed (verbose: docker's
 * entries), or with ref the manifest of that entry (verbose: the entry); *tabbed when the text
 * is to be printed with tabs for its indentation (docker's). 1 when list is not a local list
 * and no ref is given (the registry is asked then). */
int registry_list_show(const char *root, const char *list, const char *ref, bool verbose,
                       char **text, bool *tabbed, struct td_err **err);
/* `manifest push [--purge] LIST`: the pushed list's digest in *digest. */
int registry_list_push(const char *root, const char *list, bool purge,
                       const struct registry_opts *o, char **digest, struct td_err **err);
/* `manifest rm LIST`: "No such manifest: LIST" when it is not a local list. */
int registry_list_rm(const char *root, const char *list, struct td_err **err);
