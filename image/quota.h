/* Project quotas on a container's writable layer (`--storage-opt size=`), docker's overlay2
 * way (quota/projectquota.go): the upper and work dirs get a project id of their own with
 * FS_XFLAG_PROJINHERIT (every file made below inherits it) and a hard block limit on that
 * project, set with quotactl_fd(2) on the store's filesystem (no device node needed). Support is
 * decided by a probe, never by the filesystem's name: xfs mounted with pquota/prjquota, ext4
 * with the project quota feature mounted prjquota, whatever the kernel accepts. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* Does the filesystem holding dir enforce project quotas (accounting and enforcement on, and a
 * zero limit settable on a test project, as docker's NewControl checks)? 1 yes, 0 no. */
int quota_probe(const char *dir, struct td_err **err);
/* Give dirs (NULL-terminated; made 0755 if absent, the last one 0700) a fresh project id and a
 * hard limit of bytes on it. Ids start above the store dir's own project id and above every id
 * recorded in store_dir/quota-next or held by store_dir/<id>/upper, so no live container's id
 * is reused; the allocation holds store_dir/quota.lock. *projid gets the id. */
int quota_apply(const char *store_dir, const char *const *dirs, uint64_t bytes, uint32_t *projid,
                struct td_err **err);
/* The project id of dir (0: none, or dir absent). */
uint32_t quota_projid(const char *dir);
/* Clear the limit of dir's project (the container is going away); a dir without a project id,
 * or absent, is no error. */
int quota_release(const char *dir, struct td_err **err);
/* The limit of dir's project in bytes (0: none), for tests and inspect. */
int quota_limit(const char *dir, uint64_t *bytes, struct td_err **err);
