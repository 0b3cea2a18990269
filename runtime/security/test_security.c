/* Pure parts of runtime/security: capability names, docker's defaults, compiling filters. */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>

#include <time.h>

#include "runtime/security/security.h"
#include "runtime/security/security_int.h"
#include "util/fileio.h"
#include "runtime/security/test_sc_json.h"
#include "tests/tap.h"
#include "util/err.h"

static void test_cap_names(void)
{
  TAP_OK(security_cap_from_name("CAP_NET_ADMIN") == CAP_NET_ADMIN, "CAP_NET_ADMIN parses");
  TAP_OK(security_cap_from_name("CAP_CHOWN") == 0, "CAP_CHOWN is 0");
  TAP_OK(security_cap_from_name("CAP_BOGUS") == -1, "unknown cap is -1");
  TAP_OK(security_cap_from_name("NET_ADMIN") == -1, "name without CAP_ prefix is -1");
  TAP_OK(security_cap_from_name("CAP_12") == -1, "numbers are not names");
  TAP_STREQ(security_cap_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN", "cap name round trip");
  TAP_STREQ(security_cap_name(CAP_CHECKPOINT_RESTORE), "CAP_CHECKPOINT_RESTORE", "cap 40");
  TAP_OK(security_cap_name(-1) == NULL && security_cap_name(64) == NULL, "out of range");
}

static void test_docker_caps(void)
{
  size_t n = 0;
  for (const char *const *c = security_docker_default_caps(); *c; c++, n++)
    TAP_OK(security_cap_from_name(*c) >= 0, "default cap %s is known", *c);
  TAP_OK(n == 14, "docker has 14 default caps (%zu)", n);
  TAP_OK(security_docker_default_caps_mask() == 0xa80425fbull, "mask is 00000000a80425fb");
}

static bool profile_has(json_t *p, const char *name)
{
  size_t i, k;
  json_t *c, *n;
  json_array_foreach (json_object_get(p, "syscalls"), i, c) {
    if (strcmp(json_string_value(json_object_get(c, "action")), "SCMP_ACT_ALLOW") != 0 ||
        json_object_get(c, "args"))
      continue;
    json_array_foreach (json_object_get(c, "names"), k, n)
      if (strcmp(json_string_value(n), name) == 0)
        return true;
  }
  return false;
}

static void test_docker_profile(void)
{
  json_t *p = security_docker_default_seccomp_json();
  TAP_STREQ(json_string_value(json_object_get(p, "defaultAction")), "SCMP_ACT_ERRNO",
            "default action ERRNO");
  TAP_OK(json_integer_value(json_object_get(p, "defaultErrnoRet")) == EPERM, "errnoRet 1");
  TAP_OK(profile_has(p, "read") && profile_has(p, "execve") && profile_has(p, "chroot"),
         "read, execve and chroot (CAP_SYS_CHROOT is a default cap) allowed");
  const char *blocked[] = {"mount",
                           "unshare",
                           "setns",
                           "keyctl",
                           "add_key",
                           "bpf",
                           "reboot",
                           "kexec_load",
                           "init_module",
                           "clock_settime",
                           "open_by_handle_at",
                           "userfaultfd",
                           "clone",
                           "io_uring_setup",
                           "pivot_root",
                           NULL};
  for (const char **b = blocked; *b; b++)
    TAP_OK(!profile_has(p, *b), "%s not allowed unconditionally", *b);
  json_t *admin = security_docker_seccomp_json_for_caps(security_docker_default_caps_mask() |
                                                        (1ull << CAP_SYS_ADMIN));
  TAP_OK(profile_has(admin, "mount") && profile_has(admin, "clone"),
         "CAP_SYS_ADMIN opens mount and clone");
  TAP_OK(!profile_has(admin, "reboot"), "but not reboot");

  struct spec_seccomp *sc = tsc_from_json(p);
  struct security_seccomp *f = NULL;
  struct td_err *err = NULL;
  TAP_OK(security_seccomp_build(sc, &f, &err) == 0 && f, "docker profile compiles%s%s",
         err ? ": " : "", err ? err_text(err) : "");
  security_seccomp_free(f);
  err_free(&err);
  tsc_free(sc);
  json_decref(p);
  json_decref(admin);
}

static void test_build_errors(void)
{
  struct security_seccomp *f = NULL;
  struct td_err *err = NULL;
  TAP_OK(security_seccomp_build(NULL, &f, &err) == 0 && !f, "no seccomp, no filter");

  struct spec_seccomp *sc = tsc_from_text(
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_NOPE\"]}");
  TAP_OK(security_seccomp_build(sc, &f, &err) < 0 && err && strstr(err_text(err), "SCMP_ARCH_NOPE"),
         "unknown architecture is a clear error: %s", err ? err_text(err) : "");
  err_free(&err);
  tsc_free(sc);

  sc = tsc_from_text("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                     "[\"no_such_call\",\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
  TAP_OK(security_seccomp_build(sc, &f, &err) == 0 && f, "unknown syscall names are skipped");
  TAP_OK(!security_seccomp_has_notify(f), "no NOTIFY rule");
  security_seccomp_free(f);
  f = NULL;
  tsc_free(sc);
  sc = tsc_from_text("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                     "[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");
  TAP_OK(security_seccomp_build(sc, &f, &err) == 0 && security_seccomp_has_notify(f),
         "a NOTIFY rule is seen");
  security_seccomp_free(f);
  f = NULL;
  tsc_free(sc);

  sc = tsc_from_text("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                     "[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,"
                     "\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  TAP_OK(security_seccomp_build(sc, &f, &err) < 0 && err && strstr(err_text(err), "index 6"),
         "argument index 6 is refused: %s", err ? err_text(err) : "");
  err_free(&err);
  tsc_free(sc);
}

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void test_cache(void)
{
  char dir[] = "/tmp/td-seccache-XXXXXX";
  if (!mkdtemp(dir))
    abort();
  char *cdir = xasprintf("%s/cache", dir);
  json_t *p = security_docker_default_seccomp_json();
  struct spec_seccomp *sc = tsc_from_json(p);
  struct security_seccomp *a = NULL, *b = NULL, *c = NULL;
  struct td_err *err = NULL;
  double t0 = now_ms();
  TAP_OK(security_seccomp_build_cached(sc, cdir, &a, &err) == 0, "cold build");
  double t1 = now_ms();
  TAP_OK(security_seccomp_build_cached(sc, cdir, &b, &err) == 0, "warm build");
  double t2 = now_ms();
  TAP_OK(a && b && a->len == b->len && memcmp(a->prog, b->prog, a->len * 8) == 0 &&
             a->flags == b->flags,
         "cached program is the compiled one (%u insns; cold %.2f ms, warm %.2f ms)",
         a ? a->len : 0, t1 - t0, t2 - t1);
  /* a different profile does not hit the first one's entry */
  sc->default_errno_ret = 38;
  TAP_OK(security_seccomp_build_cached(sc, cdir, &c, &err) == 0 && c &&
             (c->len != a->len || memcmp(c->prog, a->prog, a->len * 8) != 0),
         "another profile compiles to another program");
  security_seccomp_free(a);
  security_seccomp_free(b);
  security_seccomp_free(c);
  tsc_free(sc);
  json_decref(p);
  rm_rf(dir, &err);
  err_free(&err);
  free(cdir);
}

/* The real config.json parser and the test converter give the same program. */
static void test_spec_parser(void)
{
  json_t *p = security_docker_default_seccomp_json();
  json_t *cfg = json_pack("{s:s,s:{s:s},s:{s:O}}", "ociVersion", "1.2.0", "root", "path", "rootfs",
                          "linux", "seccomp", p);
  struct spec *s = NULL;
  struct td_err *err = NULL;
  struct security_seccomp *a = NULL, *b = NULL;
  struct spec_seccomp *sc = tsc_from_json(p);
  int r = spec_from_json(cfg, &s, &err);
  TAP_OK(r == 0 && s && s->linux_.seccomp, "spec_from_json takes docker's profile %s",
         err ? err_text(err) : "");
  if (r == 0) {
    security_seccomp_build(s->linux_.seccomp, &a, &err);
    security_seccomp_build(sc, &b, &err);
    TAP_OK(a && b && a->len == b->len && memcmp(a->prog, b->prog, a->len * 8) == 0,
           "same program through the spec parser");
  }
  security_seccomp_free(a);
  security_seccomp_free(b);
  spec_free(s);
  tsc_free(sc);
  err_free(&err);
  json_decref(cfg);
  json_decref(p);
}

int main(void)
{
  test_spec_parser();
  test_cache();
  test_cap_names();
  test_docker_caps();
  test_docker_profile();
  test_build_errors();
  return TAP_DONE();
}
