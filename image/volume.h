/* Named volumes (light part, linked into tinydocker): <root>/volumes/<name>/_data holds the
 * data, <root>/volumes/<name>/volume.json the record, users/ the containers that use it.
 * See docs/images.md ("Volumes"). */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "util/err.h"

/* docker's rule for local volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool volume_name_valid(const char *name);
/* Create a volume (name NULL: an anonymous one with a random 64-hex name); an existing volume
 * is fine (docker's create is idempotent). labels may be NULL. *name_out gets the name. */
int volume_create(const char *root, const char *name, json_t *labels, bool anonymous,
                  char **name_out, struct td_err **err);
/* docker-shaped inspect object; "No such volume: NAME" (exit 1) when missing. */
int volume_inspect(const char *root, const char *name, json_t **out, struct td_err **err);
/* Inspect objects of every volume, sorted by name. */
int volume_list(const char *root, json_t **out, struct td_err **err);
/* Remove a volume; refused while a container uses it (docker: even with force). */
int volume_remove(const char *root, const char *name, bool force, struct td_err **err);
/* Remove unused volumes (anonymous only unless all); names appended to removed. */
int volume_prune(const char *root, bool all, json_t *removed, unsigned long long *freed,
                 struct td_err **err);
/* For `run -v NAME:/path`: create the volume if missing, record that container_dir uses it,
 * and on first use copy the image content at ctr_path (inside the mounted rootfs, resolved
 * without leaving it) into the volume, as docker does. *data_path = <root>/volumes/NAME/_data. */
int volume_prepare(const char *root, const char *name, const char *container_dir,
                   const char *rootfs, const char *ctr_path, char **data_path, struct td_err **err);
/* Record that container_dir uses the volume (done by volume_prepare); idempotent. */
int volume_use(const char *root, const char *name, const char *container_dir, struct td_err **err);
/* Drop container_dir's use of every volume (at `rm`); returns the anonymous volumes it used in
 * *anon (caller frees; remove them for `rm -v`). */
int volume_release(const char *root, const char *container_dir, char ***anon, struct td_err **err);
/* Whether an error means "no such volume". */
bool volume_err_is_not_found(struct td_err *e);
