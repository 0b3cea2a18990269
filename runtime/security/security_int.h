/* Internal to runtime/security: the pieces security_drop_privileges puts together. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "runtime/spec/spec.h"
#include "util/err.h"

struct security_seccomp {
  void *prog;         /* struct sock_filter[] exported by libseccomp */
  unsigned short len; /* number of instructions */
  unsigned flags;     /* SECCOMP_FILTER_FLAG_* to load with */
  bool notify;        /* some rule (or the default) is SCMP_ACT_NOTIFY */
  bool loaded;
  /* Without no_new_privs, loading needs CAP_SYS_ADMIN: security_drop_privileges then keeps
   * it effective (never in the bounding set) and security_final installs these sets right
   * after the load. */
  bool restore_caps;
  uint64_t final_eff, final_prm, final_inh;
};

/* Highest capability number the kernel knows. */
int security_cap_last(void);
/* The caps this process can still have: its permitted set, as a mask. */
uint64_t security_caps_available(void);
/* Drop from the bounding set every cap not in caps->bounding (needs CAP_SETPCAP). */
int security_caps_drop_bounding(const struct spec_caps *caps, struct td_err **err);
/* Install effective/permitted/inheritable (masked by avail, the permitted set before the
 * user switch), then raise ambient; uid_changed: setresuid to non-root happened. */
int security_caps_apply(const struct spec_caps *caps, uint64_t avail, bool uid_changed,
                        struct td_err **err);
/* Set the effective/permitted/inheritable sets (capset through libcap). */
int security_caps_set(uint64_t eff, uint64_t prm, uint64_t inh, struct td_err **err);
/* Load a compiled filter now, without allocating or touching errno: the notify fd, -1 when
 * there is none (or nothing to load), or -errno (never -1). */
long security_seccomp_load_raw(struct security_seccomp *f);
/* The error for a failed load (the flags the kernel refused, when that is why). */
int security_seccomp_load_error(const struct security_seccomp *f, int errnum, struct td_err **err);
/* capset without libcap (which allocates): 0 or -errno. */
int security_caps_set_raw(uint64_t eff, uint64_t prm, uint64_t inh);
/* RLIMIT_* name ("RLIMIT_NOFILE") of a resource number. */
const char *security_rlimit_name(int resource);
/* What security_final_noalloc names a failed filter load with (final_raw.c). */
extern const char security_load_step[];
