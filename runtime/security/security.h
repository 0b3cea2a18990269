/* The process's privileges: rlimits, user and groups, capabilities, no_new_privs, seccomp,
 * personality, LSM labels; and docker's defaults for the engine (caps, seccomp profile).
 * Core calls, in the child after rootfs_finalize:
 *   security_seccomp_build (may be earlier: needs no files; best before the clone, through
 *                           security_seccomp_build_cached)
 *   security_drop_privileges  (rlimits, personality, ioprio, LSM, user, caps; when
 *                              no_new_privileges is false and a filter is to be loaded,
 *                              CAP_SYS_ADMIN stays effective, never in the bounding set,
 *                              until security_final has loaded it)
 *   <core waits on the exec fifo, closes fds>
 *   security_final            (no_new_privs if asked, then the seccomp filter, then the
 *                              final capability sets when CAP_SYS_ADMIN was held for it)
 *   execve
 * A filter with SCMP_ACT_NOTIFY (security_seccomp_has_notify) is loaded by calling
 * security_final before the core reports ready, so the listener fd can reach the runtime. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "runtime/spec/spec.h"
#include "util/err.h"

struct security_seccomp; /* a compiled filter */

/* Compile linux.seccomp into a filter (NULL spec => *out = NULL, nothing to load). */
int security_seccomp_build(const struct spec_seccomp *sc, struct security_seccomp **out,
                           struct td_err **err);
/* Same, through an on-disk cache of compiled filters under cache_dir (created if missing;
 * NULL = no cache): a hit costs a file read instead of ~10 ms of libseccomp. */
int security_seccomp_build_cached(const struct spec_seccomp *sc, const char *cache_dir,
                                  struct security_seccomp **out, struct td_err **err);
/* True when the filter uses SCMP_ACT_NOTIFY: then the core loads it (security_final) before
 * it reports ready, so that the listener fd can reach the runtime for
 * security_seccomp_send_listener, as runc does; security_final later is a no-op. */
bool security_seccomp_has_notify(const struct security_seccomp *f);
/* Free a compiled filter. */
void security_seccomp_free(struct security_seccomp *f);
/* Everything but the final no_new_privs+seccomp step (see above). *listener_fd is -1 (the
 * filter is loaded by security_final; kept for callers written against the first API). */
int security_drop_privileges(const struct spec *spec, struct security_seccomp *f, int *listener_fd,
                             struct td_err **err);
/* Set no_new_privs (if asked) and load the filter if not loaded yet; *listener_fd as above. */
int security_final(const struct spec *spec, struct security_seccomp *f, int *listener_fd,
                   struct td_err **err);
/* The same without allocating anything or touching errno, for the container init after
 * READY (runtime/core/tail.c): 0, or -errno with *what naming the step; *listener_fd as
 * above. */
int security_final_noalloc(bool no_new_privs, struct security_seccomp *f, int *listener_fd,
                           const char **what);
/* A compiled filter copied into caller memory of security_seccomp_copy_size bytes (the
 * init's own region, runtime/core/clone_vm.c); NULL for NULL. */
size_t security_seccomp_copy_size(const struct security_seccomp *f);
struct security_seccomp *security_seccomp_copy(const struct security_seccomp *f, void *buf);
/* Send a seccomp notify fd to linux.seccomp.listenerPath with the OCI state (runtime side);
 * pid is the process the filter is on (an exec'd one), 0 = the state's pid (the init). */
int security_seccomp_send_listener(const struct spec_seccomp *sc, int listener_fd,
                                   const char *state_json, pid_t pid, struct td_err **err);
/* Set /proc/<pid>/oom_score_adj (parent side). */
int security_set_oom_score_adj(pid_t pid, int adj, struct td_err **err); /* pid 0: self */
/* Fail clearly if the process asks for an AppArmor profile or SELinux label the host lacks. */
int security_check_lsm(const struct spec_process *p, struct td_err **err);
/* Capability name ("CAP_NET_ADMIN") to number, -1 if unknown; and back. */
int security_cap_from_name(const char *name);
const char *security_cap_name(int cap);
/* docker's 14 default capabilities, as a NULL-terminated list of names. */
const char *const *security_docker_default_caps(void);
/* docker's default seccomp profile as a linux.seccomp JSON object (new reference). */
json_t *security_docker_default_seccomp_json(void);
/* docker's 14 default capabilities as a bitmask of CAP_* numbers (00000000a80425fb). */
uint64_t security_docker_default_caps_mask(void);
/* docker's profile rendered for a container holding caps (a bitmask): the groups of
 * syscalls gated on CAP_SYS_ADMIN, CAP_SYS_PTRACE, ... are allowed when caps has them. */
json_t *security_docker_seccomp_json_for_caps(uint64_t caps);
