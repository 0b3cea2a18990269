/* Privileges applied in a forked child, checked from the parent through /proc (root only). */
#include <linux/capability.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "runtime/security/security.h"
#include "runtime/security/test_child.h"
#include "tests/tap.h"

struct tcase {
  struct spec spec;
  struct spec_process proc;
  struct security_seccomp *filter;
};

static void tcase_init(struct tcase *t)
{
  memset(t, 0, sizeof(*t));
  t->spec.process = &t->proc;
}

/* What the core does in the child: drop privileges, then the final step. */
static int setup_all(void *arg, struct td_err **err)
{
  struct tcase *t = arg;
  int lfd = -1;
  if (security_drop_privileges(&t->spec, t->filter, &lfd, err) < 0)
    return -1;
  if (lfd >= 0)
    close(lfd);
  if (security_final(&t->spec, t->filter, &lfd, err) < 0)
    return -1;
  if (lfd >= 0)
    close(lfd);
  return 0;
}

static void set_caps(struct spec_caps *c, uint64_t m, uint64_t ambient)
{
  c->present = true;
  c->bounding = c->effective = c->permitted = c->inheritable = m;
  c->ambient = ambient;
}

static void test_docker_caps(void)
{
  struct tcase t;
  struct child c;
  char b[128];
  tcase_init(&t);
  set_caps(&t.proc.caps, security_docker_default_caps_mask(), 0);
  t.proc.caps.inheritable = 0;
  t.proc.no_new_privileges = true;
  child_start(&c, setup_all, NULL, &t);
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "docker caps applied %s", c.rep.msg);
  TAP_STREQ(proc_status(c.pid, "CapEff", b, sizeof(b)), "00000000a80425fb", "CapEff");
  TAP_STREQ(proc_status(c.pid, "CapPrm", b, sizeof(b)), "00000000a80425fb", "CapPrm");
  TAP_STREQ(proc_status(c.pid, "CapBnd", b, sizeof(b)), "00000000a80425fb", "CapBnd");
  TAP_STREQ(proc_status(c.pid, "CapInh", b, sizeof(b)), "0000000000000000", "CapInh");
  TAP_STREQ(proc_status(c.pid, "CapAmb", b, sizeof(b)), "0000000000000000", "CapAmb");
  TAP_STREQ(proc_status(c.pid, "NoNewPrivs", b, sizeof(b)), "1", "NoNewPrivs");
  TAP_STREQ(proc_status(c.pid, "Seccomp", b, sizeof(b)), "0", "no filter, Seccomp 0");
  TAP_STREQ(proc_status(c.pid, "Umask", b, sizeof(b)), "0022", "default umask 0022");
  child_finish(&c);
}

static void test_user_and_ambient(void)
{
  struct tcase t;
  struct child c;
  char b[128];
  gid_t gids[] = {10, 20};
  tcase_init(&t);
  uint64_t nbs = UINT64_C(1) << CAP_NET_BIND_SERVICE;
  set_caps(&t.proc.caps, nbs, nbs);
  t.proc.user = (struct spec_user){.uid = 1000,
                                   .gid = 1001,
                                   .has_umask = true,
                                   .umask = 027,
                                   .additional_gids = gids,
                                   .n_additional_gids = 2};
  child_start(&c, setup_all, NULL, &t);
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "user 1000:1001 applied %s", c.rep.msg);
  TAP_STREQ(proc_status(c.pid, "Uid", b, sizeof(b)), "1000\t1000\t1000\t1000", "Uid");
  TAP_STREQ(proc_status(c.pid, "Gid", b, sizeof(b)), "1001\t1001\t1001\t1001", "Gid");
  TAP_STREQ(proc_status(c.pid, "Groups", b, sizeof(b)), "10 20", "Groups");
  TAP_STREQ(proc_status(c.pid, "CapEff", b, sizeof(b)), "0000000000000400",
            "CapEff survives the uid change");
  TAP_STREQ(proc_status(c.pid, "CapAmb", b, sizeof(b)), "0000000000000400", "CapAmb raised");
  TAP_STREQ(proc_status(c.pid, "CapBnd", b, sizeof(b)), "0000000000000400", "CapBnd");
  TAP_STREQ(proc_status(c.pid, "Umask", b, sizeof(b)), "0027", "umask 027");
  TAP_STREQ(proc_status(c.pid, "NoNewPrivs", b, sizeof(b)), "0", "NoNewPrivs off");
  child_finish(&c);

  /* no capabilities object: no capabilities (as runc); [] drops all groups */
  tcase_init(&t);
  t.proc.user = (struct spec_user){.uid = 1000, .gid = 1000};
  child_start(&c, setup_all, NULL, &t);
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "user without caps %s", c.rep.msg);
  TAP_STREQ(proc_status(c.pid, "Groups", b, sizeof(b)), "", "no supplementary groups");
  TAP_STREQ(proc_status(c.pid, "CapEff", b, sizeof(b)), "0000000000000000",
            "non-root without caps has none");
  child_finish(&c);

  tcase_init(&t);
  child_start(&c, setup_all, NULL, &t);
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "root without caps %s", c.rep.msg);
  TAP_STREQ(proc_status(c.pid, "CapEff", b, sizeof(b)), "0000000000000000",
            "root without a capabilities object has none");
  TAP_STREQ(proc_status(c.pid, "CapBnd", b, sizeof(b)), "0000000000000000", "nor a bounding set");
  child_finish(&c);
}

static void test_rlimits(void)
{
  struct tcase t;
  struct child c;
  struct spec_rlimit rl[] = {{.resource = RLIMIT_NOFILE, .soft = 100, .hard = 200},
                             {.resource = RLIMIT_CORE, .soft = 0, .hard = 0}};
  tcase_init(&t);
  t.proc.rlimits = rl;
  t.proc.n_rlimits = 2;
  child_start(&c, setup_all, NULL, &t);
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "rlimits applied %s", c.rep.msg);
  struct rlimit r = {0};
  TAP_OK(prlimit(c.pid, RLIMIT_NOFILE, NULL, &r) == 0 && r.rlim_cur == 100 && r.rlim_max == 200,
         "NOFILE 100/200 seen from the parent (%lu/%lu)", (unsigned long)r.rlim_cur,
         (unsigned long)r.rlim_max);
  child_finish(&c);

  struct spec_rlimit bad[] = {{.resource = RLIMIT_NOFILE, .soft = 300, .hard = 200}};
  t.proc.rlimits = bad;
  t.proc.n_rlimits = 1;
  child_start(&c, setup_all, NULL, &t);
  TAP_OK(c.got_report && c.rep.setup_rc < 0 && strstr(c.rep.msg, "RLIMIT_NOFILE"),
         "soft above hard: error names the limit: %s", c.rep.msg);
  child_finish(&c);
}

static void test_personality_ioprio(void)
{
  struct tcase t;
  struct child c;
  char path[64], buf[32] = {0};
  tcase_init(&t);
  t.spec.linux_.has_personality = true;
  t.spec.linux_.personality = PER_LINUX32;
  t.proc.has_io_priority = true;
  t.proc.io_priority_class = 2; /* IOPRIO_CLASS_BE */
  t.proc.io_priority = 5;
  child_start(&c, setup_all, NULL, &t);
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "personality+ioprio applied %s", c.rep.msg);
  snprintf(path, sizeof(path), "/proc/%d/personality", (int)c.pid);
  FILE *f = fopen(path, "re");
  if (f) {
    if (!fgets(buf, sizeof(buf), f))
      buf[0] = 0;
    fclose(f);
  }
  buf[strcspn(buf, "\n")] = 0;
  TAP_OK(strtoul(buf, NULL, 16) == PER_LINUX32, "personality is PER_LINUX32 (%s)", buf);
  long prio = syscall(SYS_ioprio_get, 1, c.pid);
  TAP_OK(prio == ((2 << 13) | 5), "ioprio BE/5 (%ld)", prio);
  child_finish(&c);
}

static void test_oom_and_lsm(void)
{
  struct child c;
  struct td_err *err = NULL;
  char path[64], buf[32] = {0};
  child_start(&c, NULL, NULL, NULL);
  TAP_OK(security_set_oom_score_adj(c.pid, 500, &err) == 0, "set oom_score_adj");
  snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)c.pid);
  FILE *f = fopen(path, "re");
  if (f) {
    if (!fgets(buf, sizeof(buf), f))
      buf[0] = 0;
    fclose(f);
  }
  buf[strcspn(buf, "\n")] = 0;
  TAP_OK(atoi(buf) == 500, "oom_score_adj is 500 (%s)", buf);
  child_finish(&c);
  err_free(&err);

  struct spec_process p = {.apparmor_profile = "tinydocker-test"};
  if (access("/sys/kernel/security/apparmor", F_OK) < 0) {
    TAP_OK(security_check_lsm(&p, &err) < 0 && strstr(err_text(err), "AppArmor"),
           "apparmor on a host without it: %s", err ? err_text(err) : "");
    err_free(&err);
  }
  p = (struct spec_process){.selinux_label = "system_u:system_r:container_t:s0"};
  if (access("/sys/fs/selinux", F_OK) < 0) {
    TAP_OK(security_check_lsm(&p, &err) < 0 && strstr(err_text(err), "SELinux"),
           "selinux on a host without it: %s", err ? err_text(err) : "");
    err_free(&err);
  }
  p = (struct spec_process){0};
  TAP_OK(security_check_lsm(&p, &err) == 0, "no LSM asked: fine");
}

int main(void)
{
  if (geteuid() != 0) {
    printf("1..0 # SKIP needs root\n");
    return 0;
  }
  test_docker_caps();
  test_user_and_ambient();
  test_rlimits();
  test_personality_ioprio();
  test_oom_and_lsm();
  return TAP_DONE();
}
