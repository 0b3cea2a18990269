/* Seccomp filters loaded in a forked child: actions, argument conditions, flags, the notify
 * listener, and docker's default profile (root only). */
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "runtime/security/security.h"
#include "runtime/security/test_child.h"
#include "runtime/security/test_sc_json.h"
#include "tests/tap.h"
#include "util/fdpass.h"

struct tcase {
  struct spec spec;
  struct spec_process proc;
  struct security_seccomp *filter;
};

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

/* Build the filter of a JSON profile into t; false (and a failed test) if it does not. */
static bool tcase_profile(struct tcase *t, const char *json, bool nnp)
{
  memset(t, 0, sizeof(*t));
  t->spec.process = &t->proc;
  t->proc.no_new_privileges = nnp;
  struct spec_seccomp *sc = tsc_from_text(json);
  struct td_err *err = NULL;
  int r = sc ? security_seccomp_build(sc, &t->filter, &err) : -1;
  if (r < 0)
    TAP_OK(0, "build filter %s: %s", json, err ? err_text(err) : "bad JSON");
  err_free(&err);
  tsc_free(sc);
  return r == 0;
}

static void probe_getppid(void *arg, struct child_report *r)
{
  (void)arg;
  PROBE(r, 0, syscall(SYS_getppid));
}

static void test_errno_action(void)
{
  struct tcase t;
  struct child c;
  char b[64];
  if (!tcase_profile(&t,
                     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                     "[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}",
                     true))
    return;
  child_start(&c, setup_all, probe_getppid, &t);
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "ERRNO filter loaded %s", c.rep.msg);
  TAP_OK(c.rep.probe_errno[0] == 42, "getppid fails with errno 42 (%d)", c.rep.probe_errno[0]);
  TAP_STREQ(proc_status(c.pid, "Seccomp", b, sizeof(b)), "2", "Seccomp 2");
  TAP_STREQ(proc_status(c.pid, "NoNewPrivs", b, sizeof(b)), "1", "NoNewPrivs 1");
  child_finish(&c);
  security_seccomp_free(t.filter);

  /* default ERRNO without errnoRet is EPERM; loaded before caps when nnp is off */
  if (!tcase_profile(&t,
                     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                     "[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                     false))
    return;
  child_start(&c, setup_all, probe_getppid, &t);
  TAP_OK(c.rep.setup_rc == 0 && c.rep.probe_errno[0] == EPERM, "errno defaults to EPERM (%d)",
         c.rep.probe_errno[0]);
  TAP_STREQ(proc_status(c.pid, "NoNewPrivs", b, sizeof(b)), "0", "NoNewPrivs 0 with a filter");
  child_finish(&c);
  security_seccomp_free(t.filter);
}

static void test_kill_actions(void)
{
  static const char *const acts[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                     "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"};
  for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
    struct tcase t;
    struct child c;
    char *j = xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                        "[\"getppid\"],\"action\":\"%s\"}]}",
                        acts[i]);
    bool ok = tcase_profile(&t, j, true);
    free(j);
    if (!ok)
      continue;
    child_start(&c, setup_all, probe_getppid, &t);
    int st = child_finish(&c);
    TAP_OK(!c.got_report && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
           "%s kills the child with SIGSYS (status %#x)", acts[i], st);
    security_seccomp_free(t.filter);
  }
}

static void probe_prio(void *arg, struct child_report *r)
{
  (void)arg;
  PROBE(r, 0, syscall(SYS_getpriority, PRIO_PROCESS, 0));
  PROBE(r, 1, syscall(SYS_getpriority, PRIO_PGRP, 0));
  PROBE(r, 2, syscall(SYS_getpriority, PRIO_USER, 0));
  PROBE(r, 3, syscall(SYS_getpriority, PRIO_PGRP, getpgrp()));
}

/* getpriority(which, who) is harmless: its arguments exercise the comparisons. */
static void test_args(const char *args, const char *what, int e0, int e1, int e2, int e3)
{
  struct tcase t;
  struct child c;
  char *j = xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                      "[\"getpriority\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":11,"
                      "\"args\":%s}]}",
                      args);
  bool ok = tcase_profile(&t, j, true);
  free(j);
  if (!ok)
    return;
  child_start(&c, setup_all, probe_prio, &t);
  int *pe = c.rep.probe_errno;
  TAP_OK(c.rep.setup_rc == 0 && pe[0] == e0 && pe[1] == e1 && pe[2] == e2 && pe[3] == e3,
         "%s: errnos %d %d %d %d", what, pe[0], pe[1], pe[2], pe[3]);
  child_finish(&c);
  security_seccomp_free(t.filter);
}

static void test_arg_conditions(void)
{
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]", "EQ", 0, 11, 0, 11);
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NE\"}]", "NE", 11, 0, 11, 0);
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_GT\"}]", "GT", 0, 0, 11, 0);
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_GE\"}]", "GE", 0, 11, 11, 11);
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_LT\"}]", "LT", 11, 0, 0, 0);
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_LE\"}]", "LE", 11, 11, 0, 11);
  test_args("[{\"index\":0,\"value\":2,\"valueTwo\":2,\"op\":\"SCMP_CMP_MASKED_EQ\"}]",
            "MASKED_EQ (which & 2) == 2", 0, 0, 11, 0);
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
            "{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]",
            "two args are ANDed", 0, 11, 0, 0);
  test_args("[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
            "{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]",
            "same arg twice: separate rules (ORed)", 0, 11, 11, 11);
}

static void test_flags(void)
{
  struct tcase t;
  struct child c;
  if (!tcase_profile(&t,
                     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\","
                     "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\"syscalls\":"
                     "[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_LOG\"}]}",
                     true))
    return;
  child_start(&c, setup_all, probe_getppid, &t);
  TAP_OK(c.rep.setup_rc == 0 && c.rep.probe_errno[0] == 0,
         "LOG action with flags LOG+SPEC_ALLOW lets the call run %s", c.rep.msg);
  child_finish(&c);
  security_seccomp_free(t.filter);
}

/* NOTIFY: the listener fd travels to listenerPath with the process state, and a supervisor
 * answering on it decides what the blocked syscall returns. */
static int notify_listen(const char *path)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0)
    abort();
  return s;
}

static int notify_receive(int lsock, char *buf, size_t len)
{
  struct pollfd pfd = {.fd = lsock, .events = POLLIN};
  if (poll(&pfd, 1, 5000) != 1)
    return -1;
  int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return -1;
  int fd = -1;
  ssize_t n = fd_recv(conn, buf, len - 1, &fd);
  close(conn);
  buf[n > 0 ? n : 0] = 0;
  return fd;
}

static void notify_child(struct tcase *t, struct spec_seccomp *sc, int out)
{
  struct td_err *err = NULL;
  long r = -1;
  int lfd = -1;
  if (security_drop_privileges(&t->spec, t->filter, &lfd, &err) == 0 && lfd < 0 &&
      security_final(&t->spec, t->filter, &lfd, &err) == 0 && lfd >= 0 &&
      security_seccomp_send_listener(sc, lfd,
                                     "{\"ociVersion\":\"1.2.0\",\"id\":\"t\","
                                     "\"status\":\"creating\",\"pid\":7,"
                                     "\"bundle\":\"/b\"}",
                                     0, &err) == 0) {
    close(lfd);
    r = syscall(SYS_getppid);
  }
  if (write(out, &r, sizeof(r)) != sizeof(r))
    _exit(3);
  _exit(0);
}

static void notify_answer(int nfd)
{
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  memset(&req, 0, sizeof(req));
  memset(&resp, 0, sizeof(resp));
  int r = ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req);
  TAP_OK(r == 0 && req.data.nr == SYS_getppid, "supervisor sees getppid (nr %d)", req.data.nr);
  resp.id = req.id;
  resp.val = 4242;
  TAP_OK(ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0, "supervisor answers");
}

static void test_notify(void)
{
  char dir[] = "/tmp/td-sec-XXXXXX", buf[4096];
  if (!mkdtemp(dir))
    abort();
  char *path = xasprintf("%s/listener.sock", dir);
  char *j = xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"%s\","
                      "\"listenerMetadata\":\"meta\",\"flags\":["
                      "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
                      "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                      path);
  struct tcase t;
  struct spec_seccomp *sc = tsc_from_text(j);
  int lsock = notify_listen(path), res[2];
  if (tcase_profile(&t, j, false) && pipe2(res, O_CLOEXEC) == 0) {
    pid_t pid = fork();
    if (pid == 0)
      notify_child(&t, sc, res[1]);
    close(res[1]);
    int nfd = notify_receive(lsock, buf, sizeof(buf));
    TAP_OK(nfd >= 0, "listener fd received over SCM_RIGHTS");
    json_t *msg = json_loads(buf, 0, NULL);
    TAP_STREQ(json_string_value(json_array_get(json_object_get(msg, "fds"), 0)), "seccompFd",
              "fds names seccompFd");
    TAP_STREQ(json_string_value(json_object_get(msg, "metadata")), "meta", "metadata");
    TAP_STREQ(json_string_value(json_object_get(json_object_get(msg, "state"), "status")),
              "creating", "state is the OCI state");
    TAP_OK(json_integer_value(json_object_get(msg, "pid")) == 7, "pid");
    json_decref(msg);
    if (nfd >= 0)
      notify_answer(nfd);
    long r = 0;
    if (read(res[0], &r, sizeof(r)) != sizeof(r))
      r = -2;
    TAP_OK(r == 4242, "the child's getppid returned the supervisor's 4242 (%ld)", r);
    waitpid(pid, NULL, 0);
    close(res[0]);
    if (nfd >= 0)
      close(nfd);
    security_seccomp_free(t.filter);
  }
  close(lsock);
  unlink(path);
  rmdir(dir);
  tsc_free(sc);
  free(j);
  free(path);
}

static int setup_drop_only(void *arg, struct td_err **err)
{
  struct tcase *t = arg;
  int lfd = -1;
  return security_drop_privileges(&t->spec, t->filter, &lfd, err);
}

/* What the core does between the two calls (close fds) runs before the filter. */
static void probe_late_load(void *arg, struct child_report *r)
{
  struct tcase *t = arg;
  struct td_err *err = NULL;
  int lfd = -1;
  PROBE(r, 0, syscall(SYS_close_range, 1000, 1001, 0));
  PROBE(r, 1, security_final(&t->spec, t->filter, &lfd, &err));
  PROBE(r, 2, syscall(SYS_close_range, 1000, 1001, 0));
  err_free(&err);
}

static void test_late_load_without_nnp(void)
{
  struct tcase t;
  struct child c;
  char b[64];
  if (!tcase_profile(&t,
                     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                     "[\"close_range\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                     false))
    return;
  t.proc.caps.present = true;
  t.proc.caps.bounding = t.proc.caps.effective = t.proc.caps.permitted = 1u << CAP_KILL;
  t.proc.user.uid = t.proc.user.gid = 1000;
  child_start(&c, setup_drop_only, probe_late_load, &t);
  int *e = c.rep.probe_errno;
  TAP_OK(c.rep.setup_rc == 0 && e[0] == 0 && e[1] == 0 && e[2] == EPERM,
         "no_new_privs off: filter loads in security_final, after the core's close_range "
         "(%d %d %d) %s",
         e[0], e[1], e[2], c.rep.msg);
  TAP_STREQ(proc_status(c.pid, "CapEff", b, sizeof(b)), "0000000000000020",
            "CAP_SYS_ADMIN held for the load is gone after it (CapEff)");
  TAP_STREQ(proc_status(c.pid, "CapPrm", b, sizeof(b)), "0000000000000020", "CapPrm");
  TAP_STREQ(proc_status(c.pid, "NoNewPrivs", b, sizeof(b)), "0", "NoNewPrivs 0");
  TAP_STREQ(proc_status(c.pid, "Seccomp", b, sizeof(b)), "2", "Seccomp 2");
  child_finish(&c);
  security_seccomp_free(t.filter);
}

static void probe_docker(void *arg, struct child_report *r)
{
  (void)arg;
  PROBE(r, 0, unshare(CLONE_NEWUSER));
  PROBE(r, 1, syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
  PROBE(r, 2, syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL));
  PROBE(r, 3, getpid());
  pid_t p = fork();
  if (p == 0)
    _exit(0);
  PROBE(r, 4, p > 0 ? waitpid(p, NULL, 0) : -1);
  long cl;
  PROBE(r, 5,
        (cl = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)) == 0 ? (_exit(0), 0) : cl);
  if (cl > 0)
    waitpid((pid_t)cl, NULL, 0);
  PROBE(r, 6, personality(0xffffffff));
  PROBE(r, 7, personality(PER_BSD));
  PROBE(r, 8, syscall(SYS_clone3, NULL, 0));
  PROBE(r, 9, syscall(SYS_bpf, 0, NULL, 0));
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  PROBE(r, 10, s);
  if (s >= 0)
    close(s);
  PROBE(r, 11, socket(AF_VSOCK, SOCK_STREAM, 0));
  PROBE(r, 12, syscall(SYS_setns, 0, 0));
  PROBE(r, 13, syscall(1000, 0, 0));
  PROBE(r, 14, syscall(SYS_ioctl, 999, 0)); /* allowed: the kernel says EBADF */
}

static void test_docker_once(bool nnp, uint32_t uid)
{
  struct tcase t;
  struct child c;
  char b[64];
  json_t *p = security_docker_default_seccomp_json();
  char *txt = json_dumps(p, JSON_COMPACT);
  json_decref(p);
  bool ok = tcase_profile(&t, txt, nnp);
  free(txt);
  if (!ok)
    return;
  struct spec_caps *caps = &t.proc.caps;
  caps->present = true;
  caps->bounding = caps->effective = caps->permitted = security_docker_default_caps_mask();
  t.proc.user.uid = uid;
  t.proc.user.gid = uid;
  child_start(&c, setup_all, probe_docker, &t);
  int *e = c.rep.probe_errno;
  TAP_OK(c.got_report && c.rep.setup_rc == 0, "docker profile (nnp %d uid %u) loaded %s", nnp, uid,
         c.rep.msg);
  TAP_OK(e[0] == EPERM && e[1] == EPERM && e[2] == EPERM, "unshare/keyctl/mount: EPERM (%d %d %d)",
         e[0], e[1], e[2]);
  TAP_OK(e[3] == 0 && e[4] == 0 && e[6] == 0 && e[10] == 0,
         "getpid, fork, personality query, unix socket work (%d %d %d %d)", e[3], e[4], e[6],
         e[10]);
  TAP_OK(e[5] == EPERM && e[7] == EPERM,
         "clone(CLONE_NEWUSER), personality(PER_BSD): EPERM "
         "(%d %d)",
         e[5], e[7]);
  TAP_OK(e[8] == ENOSYS, "clone3: ENOSYS so libc falls back (%d)", e[8]);
  TAP_OK(e[9] == EPERM && e[11] == EPERM && e[12] == EPERM,
         "bpf, AF_VSOCK, setns: EPERM "
         "(%d %d %d)",
         e[9], e[11], e[12]);
  TAP_OK(e[13] == ENOSYS, "a syscall newer than libseccomp: ENOSYS (%d)", e[13]);
  TAP_OK(e[14] == EBADF, "an allowed syscall reaches the kernel (%d)", e[14]);
  TAP_STREQ(proc_status(c.pid, "Seccomp", b, sizeof(b)), "2", "Seccomp 2");
  TAP_STREQ(proc_status(c.pid, "CapEff", b, sizeof(b)), "00000000a80425fb", "CapEff");
  TAP_STREQ(proc_status(c.pid, "CapPrm", b, sizeof(b)), "00000000a80425fb", "CapPrm");
  child_finish(&c);
  security_seccomp_free(t.filter);
}

static void test_docker(void)
{
  test_docker_once(true, 0);
  test_docker_once(false, 0);
  test_docker_once(false, 1000);
}

int main(void)
{
  if (geteuid() != 0) {
    printf("1..0 # SKIP needs root\n");
    return 0;
  }
  test_errno_action();
  test_kill_actions();
  test_arg_conditions();
  test_flags();
  test_late_load_without_nnp();
  test_notify();
  test_docker();
  return TAP_DONE();
}
