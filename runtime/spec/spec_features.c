/* The runtime-spec features.json document that `tinyrun features` prints. */
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/spec/spec_internal.h"
#include "util/jsonv.h"
#include "util/xalloc.h"

static json_t *capabilities(void)
{
  json_t *a = json_array();
  for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
    char *name = cap_to_name(c);
    if (name == NULL)
      continue;
    char *up = xstrdup(name);
    cap_free(name);
    for (char *p = up; *p; p++)
      *p = (char)toupper((unsigned char)*p);
    if (up[0] == 'C') /* libcap prints unnamed bits as plain numbers */
      json_array_append_new(a, json_string(up));
    free(up);
  }
  return a;
}

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Does this kernel take the filter flag? With no program the call ends in EFAULT where the
 * flag is known, EINVAL where not (runc's probe): nothing is installed either way. */
static bool kernel_has_seccomp_flag(unsigned long flag)
{
  unsigned long f = flag;
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) /* meaningless without a listener */
    f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL) < 0 && errno == EFAULT;
}

/* The flags the runtime applies (security/seccomp.c) that this kernel has: probed, as the
 * document must stay true on every kernel (WAIT_KILLABLE_RECV is 5.19+). */
static json_t *supported_flags(void)
{
  static const struct {
    unsigned long kernel;
    unsigned spec;
  } flags[] = {{SECCOMP_FILTER_FLAG_LOG, SPEC_SECCOMP_FLAG_LOG},
               {SECCOMP_FILTER_FLAG_SPEC_ALLOW, SPEC_SECCOMP_FLAG_SPEC_ALLOW},
               {SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SPEC_SECCOMP_FLAG_WAIT_KILLABLE_RECV}};
  json_t *a = json_array();
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
    if (kernel_has_seccomp_flag(flags[i].kernel))
      json_array_append_new(a, json_string(spec_seccomp_flag_name(flags[i].spec)));
  return a;
}

/* Idmapped mounts need mount_setattr (Linux 5.12+): ENOSYS where the kernel has none. */
static bool kernel_has_mount_setattr(void)
{
  return !(syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno == ENOSYS);
}

static json_t *seccomp_features(void)
{
  json_t *actions = json_array(), *ops = json_array(), *known = json_array();
  for (int a = SPEC_SCMP_KILL; a <= SPEC_SCMP_NOTIFY; a++)
    json_array_append_new(actions, json_string(spec_seccomp_action_name(a)));
  for (int o = SPEC_SCMP_CMP_NE; o <= SPEC_SCMP_CMP_MASKED_EQ; o++)
    json_array_append_new(ops, json_string(spec_seccomp_op_name(o)));
  for (unsigned f = 1; f <= SPEC_SECCOMP_FLAG_TSYNC; f <<= 1)
    json_array_append_new(known, json_string(spec_seccomp_flag_name(f)));
  json_t *archs = json_array();
  for (const char *const *a = spec_seccomp_archs; *a; a++)
    json_array_append_new(archs, json_string(*a));
  return json_pack("{s:b,s:o,s:o,s:o,s:o,s:o}", "enabled", 1, "actions", actions, "operators", ops,
                   "archs", archs, "knownFlags", known, "supportedFlags", supported_flags());
}

static json_t *linux_features(void)
{
  json_t *ns = json_array();
  for (int t = 0; t < NS_TYPE_COUNT; t++)
    json_array_append_new(ns, json_string(spec_ns_name(t)));
  return json_pack("{s:o,s:o,s:{s:b,s:b,s:b,s:b,s:b},s:o,s:{s:b},s:{s:b},s:{s:b},"
                   "s:{s:{s:b}}}",
                   "namespaces", ns, "capabilities", capabilities(), "cgroup", "v1", 1, "v2", 1,
                   "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp", seccomp_features(),
                   "apparmor", "enabled", 0, "selinux", "enabled", 0, "intelRdt", "enabled", 0,
                   "mountExtensions", "idmap", "enabled", kernel_has_mount_setattr());
}

json_t *spec_features_json(void)
{
  static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
                                      "startContainer", "poststart",     "poststop"};
  json_t *mopts = json_array();
  spec_mount_options_append(mopts);
  const struct scmp_version *v = seccomp_version();
  char *sv = xasprintf("%u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
  json_t *j =
      json_pack("{s:s,s:s,s:o,s:o,s:o,s:{s:s,s:s}}", "ociVersionMin", "1.0.0", "ociVersionMax",
                "1.2.0", "hooks", jsonv_from_array(hooks, 6), "mountOptions", mopts, "linux",
                linux_features(), "annotations", "io.github.seccomp.libseccomp.version", sv,
                "io.github.tinydocker.version", TD_VERSION);
  free(sv);
  return j;
}
