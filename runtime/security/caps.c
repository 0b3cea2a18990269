/* Capabilities: names, docker's default set, and applying the five sets in the child. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runtime/security/security.h"
#include "runtime/security/security_int.h"
#include "util/rawsys.h"

static const char *const docker_default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

const char *const *security_docker_default_caps(void)
{
  return docker_default_caps;
}

uint64_t security_docker_default_caps_mask(void)
{
  uint64_t m = 0;
  for (const char *const *c = docker_default_caps; *c; c++)
    m |= UINT64_C(1) << security_cap_from_name(*c);
  return m;
}

int security_cap_from_name(const char *name)
{
  cap_value_t v;
  if (!name || strncasecmp(name, "CAP_", 4) != 0)
    return -1;
  /* libcap also accepts plain numbers, which OCI does not */
  const char *rest = name + 4;
  if (!*rest || (*rest >= '0' && *rest <= '9'))
    return -1;
  if (cap_from_name(name, &v) != 0 || v < 0 || v > 63)
    return -1;
  return v;
}

const char *security_cap_name(int cap)
{
  /* libcap allocates its names; keep one upper-case copy per cap for the process. */
  static char *names[64];
  if (cap < 0 || cap > 63)
    return NULL;
  if (!names[cap]) {
    char *n = cap_to_name(cap);
    if (!n)
      return NULL;
    if (strncmp(n, "cap_", 4) != 0) { /* a number: unknown to libcap */
      cap_free(n);
      return NULL;
    }
    size_t len = strlen(n);
    char *u = malloc(len + 1);
    if (!u) {
      cap_free(n);
      return NULL;
    }
    for (size_t i = 0; i <= len; i++)
      u[i] = (n[i] >= 'a' && n[i] <= 'z') ? (char)(n[i] - 'a' + 'A') : n[i];
    cap_free(n);
    names[cap] = u;
  }
  return names[cap];
}

int security_cap_last(void)
{
  int last = (int)cap_max_bits() - 1;
  return last > 63 ? 63 : last;
}

/* Caps outside our own permitted set can never be had: asking for them (docker --privileged
 * on a host that lacks CAP_SYS_RESOURCE) only narrows, it never fails. */
uint64_t security_caps_available(void)
{
  uint64_t m = 0;
  cap_t c = cap_get_proc();
  if (!c)
    return 0;
  int last = security_cap_last();
  for (int i = 0; i <= last; i++) {
    cap_flag_value_t f = CAP_CLEAR;
    if (cap_get_flag(c, i, CAP_PERMITTED, &f) == 0 && f == CAP_SET)
      m |= UINT64_C(1) << i;
  }
  cap_free(c);
  return m;
}

/* Syscalls cost microseconds on the hot path: drop without reading first, and read only
 * when a drop fails (without CAP_SETPCAP a drop fails even for a cap already gone). */
int security_caps_drop_bounding(const struct spec_caps *caps, struct td_err **err)
{
  int last = security_cap_last();
  for (int c = 0; c <= last; c++) {
    if (caps->bounding & (UINT64_C(1) << c))
      continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 0)
      return err_set(err, errno, "drop %s from the bounding set", security_cap_name(c));
  }
  return 0;
}

int security_caps_set(uint64_t eff, uint64_t prm, uint64_t inh, struct td_err **err)
{
  cap_t c = cap_init();
  if (!c)
    return err_set(err, errno, "cap_init");
  int last = security_cap_last();
  for (int i = 0; i <= last; i++) {
    cap_value_t v = i;
    if (eff & (UINT64_C(1) << i))
      cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
    if (prm & (UINT64_C(1) << i))
      cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET);
    if (inh & (UINT64_C(1) << i))
      cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET);
  }
  int r = cap_set_proc(c);
  int saved = errno;
  cap_free(c);
  if (r < 0)
    return err_set(err, saved,
                   "set capabilities (effective %#llx permitted %#llx "
                   "inheritable %#llx)",
                   (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh);
  return 0;
}

int security_caps_apply(const struct spec_caps *caps, uint64_t avail, bool uid_changed,
                        struct td_err **err)
{
  /* setresuid to a non-root uid (with KEEPCAPS) emptied the effective set: raise it to the
   * permitted set first, so that CAP_SETPCAP is effective when the final sets (and a wider
   * inheritable set) are installed */
  if (uid_changed && security_caps_set(avail, avail, 0, err) < 0)
    return err_prefix(err, "restore effective capabilities");
  if (security_caps_set(caps->effective & avail, caps->permitted & avail, caps->inheritable & avail,
                        err) < 0)
    return -1;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return err_set(err, errno, "clear ambient capabilities");
  int last = security_cap_last();
  /* an ambient cap that is not both permitted and inheritable cannot be raised: skipped, as
   * runc does (its own `spec` template asks for ambient caps without inheritable ones) */
  uint64_t raisable = caps->ambient & avail & caps->permitted & caps->inheritable;
  for (int c = 0; c <= last; c++) {
    if (!(raisable & (UINT64_C(1) << c)))
      continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return err_set(err, errno, "raise ambient %s (it must be permitted and inheritable)",
                     security_cap_name(c));
  }
  return 0;
}
