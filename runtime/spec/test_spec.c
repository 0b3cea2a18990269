/* Unit tests of the spec parser: top level, process, hooks, defaults, features, files. */
#include <fcntl.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "runtime/spec/test_spec_util.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void test_top(void)
{
  struct spec *s = parse_ok(MIN(",\"hostname\":\"h\",\"domainname\":\"d\",\"unknownField\":[1],"
                                "\"annotations\":{\"a\":\"1\",\"b\":\"2\"}"));
  TAP_OK(s != NULL, "minimal document with unknown fields parses");
  if (s) {
    TAP_STREQ(s->oci_version, "1.2.0", "ociVersion");
    TAP_STREQ(s->root_path, "rootfs", "root.path");
    TAP_OK(!s->root_readonly, "root.readonly defaults to false");
    TAP_STREQ(s->hostname, "h", "hostname");
    TAP_STREQ(s->domainname, "d", "domainname");
    TAP_OK(s->n_annotations == 2, "two annotations");
    TAP_OK(s->process == NULL, "no process");
    TAP_OK(s->linux_.resources == NULL && s->linux_.seccomp == NULL, "no resources, no seccomp");
  }
  spec_free(s);
  s = parse_ok("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/r\",\"readonly\":true},"
               "\"hostname\":null}");
  TAP_OK(s && s->root_readonly && s->hostname == NULL, "readonly root; null means absent");
  spec_free(s);

  TAP_OK(rejects("[]", "config.json: must be an object, not an array"), "root not an object");
  TAP_OK(rejects("{\"ociVersion\":1}", "config.json: ociVersion: must be a string, not an integer"),
         "ociVersion type");
  TAP_OK(rejects("{\"root\":{}}", "config.json: root.path: is required"), "root.path required");
  TAP_OK(rejects("{\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}",
                 "config.json: root.readonly: must be a boolean, not a string"),
         "root.readonly type");
  TAP_OK(rejects(MIN(",\"hostname\":[]"), "config.json: hostname: must be a string, not an array"),
         "hostname type");
  TAP_OK(rejects(MIN(",\"annotations\":{\"a\":1}"),
                 "config.json: annotations.a: must be a string, not an integer"),
         "annotation value type");
  TAP_OK(rejects(MIN(",\"annotations\":[]"),
                 "config.json: annotations: must be an object, not an array"),
         "annotations type");
  TAP_OK(rejects(MIN(",\"process\":3"), "config.json: process: must be an object, not an integer"),
         "process type");
  TAP_OK(rejects(MIN(",\"mounts\":{}"), "config.json: mounts: must be an array, not an object"),
         "mounts type");
  TAP_OK(rejects(MIN(",\"linux\":true"), "config.json: linux: must be an object, not a boolean"),
         "linux type");
  TAP_OK(rejects(MIN(",\"hooks\":[]"), "config.json: hooks: must be an object, not an array"),
         "hooks type");
}

static void test_process(void)
{
  struct spec *s = parse_ok(
      MIN(",\"process\":{\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
          "\"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"A=1\",\"B=\"],\"cwd\":\"/tmp\","
          "\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6]},"
          "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_NOT_A_CAP\"],\"effective\":[],"
          "\"permitted\":[\"CAP_SYS_ADMIN\"],\"ambient\":[\"CAP_CHOWN\"]},"
          "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":4096},"
          "{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}],"
          "\"noNewPrivileges\":true,\"oomScoreAdj\":-500,\"apparmorProfile\":\"p\","
          "\"selinuxLabel\":\"l\",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":4},"
          "\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":5,"
          "\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\"]},"
          "\"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"0-1\"}}"));
  TAP_OK(s && s->process, "full process parses");
  if (!s || !s->process)
    return;
  struct spec_process *p = s->process;
  TAP_OK(p->terminal && p->has_console_size && p->console_height == 24 && p->console_width == 80,
         "terminal and consoleSize");
  TAP_OK(strv_len(p->args) == 3 && strcmp(p->args[2], "true") == 0, "args");
  TAP_OK(strv_len(p->env) == 2, "env");
  TAP_STREQ(p->cwd, "/tmp", "cwd");
  TAP_OK(p->user.uid == 1000 && p->user.gid == 100 && p->user.has_umask && p->user.umask == 18,
         "user uid/gid/umask");
  TAP_OK(p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 6, "additionalGids");
  TAP_OK(p->caps.present, "capabilities present");
  TAP_OK(p->caps.bounding == (UINT64_C(1) << CAP_KILL), "bounding: known kept, unknown ignored");
  TAP_OK(p->caps.effective == 0 && p->caps.inheritable == 0, "empty and absent sets");
  TAP_OK(p->caps.permitted == (UINT64_C(1) << CAP_SYS_ADMIN), "permitted");
  TAP_OK(p->caps.ambient == (UINT64_C(1) << CAP_CHOWN), "ambient");
  TAP_OK(p->n_rlimits == 2 && p->rlimits[0].resource == RLIMIT_NOFILE &&
             p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 4096 &&
             p->rlimits[1].resource == RLIMIT_CORE,
         "rlimits");
  TAP_OK(p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -500,
         "noNewPrivileges, oomScoreAdj");
  TAP_STREQ(p->apparmor_profile, "p", "apparmorProfile");
  TAP_STREQ(p->selinux_label, "l", "selinuxLabel");
  TAP_OK(p->has_io_priority && p->io_priority_class == 2 && p->io_priority == 4, "ioPriority");
  TAP_OK(p->has_scheduler && p->scheduler.policy == 3 && p->scheduler.nice == 5 &&
             p->scheduler.flags == 1,
         "scheduler");
  TAP_STREQ(p->exec_cpu_affinity_final, "0-1", "execCPUAffinity");
  spec_free(s);

  s = parse_ok(PROC(""));
  TAP_OK(s && !s->process->caps.present && !s->process->has_oom_score_adj &&
             s->process->user.uid == 0 && !s->process->user.has_umask,
         "minimal process: defaults");
  spec_free(s);

  TAP_OK(rejects(MIN(",\"process\":{\"cwd\":\"/\"}"),
                 "config.json: process.args: is required and must not be empty"),
         "args required");
  TAP_OK(rejects(MIN(",\"process\":{\"args\":[],\"cwd\":\"/\"}"),
                 "config.json: process.args: is required and must not be empty"),
         "args not empty");
  TAP_OK(rejects(MIN(",\"process\":{\"args\":[\"a\",2],\"cwd\":\"/\"}"),
                 "config.json: process.args[1]: must be a string, not an integer"),
         "args element type");
  TAP_OK(rejects(MIN(",\"process\":{\"args\":[\"sh\"]}"), "config.json: process.cwd: is required"),
         "cwd required");
  TAP_OK(rejects(MIN(",\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}"),
                 "config.json: process.cwd: \"tmp\" is not an absolute path"),
         "cwd absolute");
  TAP_OK(rejects(PROC(",\"env\":[\"A=1\",\"NOEQUALS\"]"),
                 "config.json: process.env[1]: \"NOEQUALS\" is not in KEY=VALUE form"),
         "env form");
  TAP_OK(rejects(PROC(",\"terminal\":1"),
                 "config.json: process.terminal: must be a boolean, not an integer"),
         "terminal type");
  TAP_OK(rejects(PROC(",\"consoleSize\":{\"height\":-1}"),
                 "config.json: process.consoleSize.height: -1 is out of range [0, 4294967295]"),
         "consoleSize range");
  TAP_OK(rejects(PROC(",\"user\":{\"uid\":4294967296}"),
                 "config.json: process.user.uid: 4294967296 is out of range [0, 4294967295]"),
         "uid range");
  TAP_OK(rejects(PROC(",\"user\":{\"uid\":1.5}"),
                 "config.json: process.user.uid: must be an integer, not a number"),
         "uid type");
  TAP_OK(rejects(PROC(",\"user\":{\"umask\":512}"),
                 "config.json: process.user.umask: 512 is not a valid umask"),
         "umask range");
  TAP_OK(rejects(PROC(",\"user\":{\"additionalGids\":[1,\"x\"]}"),
                 "config.json: process.user.additionalGids[1]: must be a group id (0..4294967295)"),
         "additionalGids element");
  TAP_OK(rejects(PROC(",\"capabilities\":{\"bounding\":[\"CAP_KILL\",7]}"),
                 "config.json: process.capabilities.bounding[1]: must be a string, not an integer"),
         "capability non-string");
  TAP_OK(rejects(PROC(",\"capabilities\":{\"effective\":\"CAP_KILL\"}"),
                 "config.json: process.capabilities.effective: must be an array, not a string"),
         "capability set type");
  TAP_OK(rejects(PROC(",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]"),
                 "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""),
         "unknown rlimit");
  TAP_OK(rejects(PROC(",\"rlimits\":[{\"soft\":1,\"hard\":1}]"),
                 "config.json: process.rlimits[0].type: is required"),
         "rlimit type required");
  TAP_OK(rejects(PROC(",\"rlimits\":[{\"type\":\"RLIMIT_CORE\"},{\"type\":\"RLIMIT_CORE\"}]"),
                 "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_CORE\""),
         "duplicate rlimit");
  TAP_OK(rejects(PROC(",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":-1}]"),
                 "config.json: process.rlimits[0].soft: -1 is out of range [0, "
                 "9223372036854775807]"),
         "negative rlimit");
  TAP_OK(rejects(PROC(",\"oomScoreAdj\":1001"),
                 "config.json: process.oomScoreAdj: 1001 is out of range [-1000, 1000]"),
         "oomScoreAdj range");
  TAP_OK(rejects(PROC(",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_X\"}"),
                 "config.json: process.ioPriority.class: unknown I/O priority class "
                 "\"IOPRIO_CLASS_X\""),
         "ioPriority class");
  TAP_OK(rejects(PROC(",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\",\"priority\":8}"),
                 "config.json: process.ioPriority.priority: 8 is out of range [0, 7]"),
         "ioPriority priority");
  TAP_OK(rejects(PROC(",\"scheduler\":{\"policy\":\"SCHED_X\"}"),
                 "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_X\""),
         "scheduler policy");
  TAP_OK(rejects(PROC(",\"scheduler\":{\"policy\":\"SCHED_RR\",\"flags\":[\"F\"]}"),
                 "config.json: process.scheduler.flags[0]: unknown scheduler flag \"F\""),
         "scheduler flag");
  TAP_OK(rejects(PROC(",\"execCPUAffinity\":{\"initial\":\"a\"}"),
                 "config.json: process.execCPUAffinity.initial: \"a\" is not a cpu list"),
         "cpu affinity");
  TAP_OK(rejects(PROC(",\"apparmorProfile\":false"),
                 "config.json: process.apparmorProfile: must be a string, not a boolean"),
         "apparmorProfile type");
}

static void test_process_from_json(void)
{
  autojson json_t *j = json_loads("{\"args\":[\"ls\"],\"cwd\":\"/\",\"env\":[\"X=y\"]}", 0, NULL);
  struct spec_process *p = NULL;
  struct td_err *err = NULL;
  TAP_OK(spec_process_from_json(j, &p, &err) == 0 && p && strcmp(p->args[0], "ls") == 0,
         "spec_process_from_json parses a process");
  spec_process_free(p);
  autojson json_t *bad = json_loads("{\"args\":[\"ls\"],\"cwd\":\"rel\"}", 0, NULL);
  p = NULL;
  TAP_OK(spec_process_from_json(bad, &p, &err) < 0 && p == NULL, "bad process rejected");
  TAP_STREQ(err ? err_text(err) : NULL, "process.cwd: \"rel\" is not an absolute path",
            "process error names the path");
  err_free(&err);
  spec_process_free(NULL);
}

static void test_hooks(void)
{
  struct spec *s = parse_ok(
      MIN(",\"hooks\":{\"prestart\":[{\"path\":\"/bin/a\"}],"
          "\"createRuntime\":[{\"path\":\"/bin/b\",\"args\":[\"b\",\"1\"],\"env\":[\"X=1\"],"
          "\"timeout\":5},{\"path\":\"/bin/c\"}],\"createContainer\":[],"
          "\"startContainer\":[{\"path\":\"/s\"}],\"poststart\":[{\"path\":\"/p\"}],"
          "\"poststop\":[{\"path\":\"/q\"}],\"unknownHook\":[{}]}"));
  TAP_OK(s != NULL, "hooks parse");
  if (s) {
    TAP_OK(s->hooks[HOOK_PRESTART].n == 1, "prestart");
    TAP_OK(s->hooks[HOOK_CREATE_RUNTIME].n == 2 &&
               s->hooks[HOOK_CREATE_RUNTIME].v[0].timeout == 5 &&
               strv_len(s->hooks[HOOK_CREATE_RUNTIME].v[0].args) == 2,
           "createRuntime with args and timeout");
    TAP_OK(s->hooks[HOOK_CREATE_CONTAINER].n == 0, "empty createContainer");
    TAP_OK(s->hooks[HOOK_START_CONTAINER].n == 1 && s->hooks[HOOK_POSTSTART].n == 1 &&
               s->hooks[HOOK_POSTSTOP].n == 1,
           "startContainer, poststart, poststop");
    TAP_STREQ(spec_hook_name(HOOK_CREATE_CONTAINER), "createContainer", "hook name");
  }
  spec_free(s);
  TAP_OK(rejects(MIN(",\"hooks\":{\"poststop\":[{\"args\":[]}]}"),
                 "config.json: hooks.poststop[0].path: is required"),
         "hook path required");
  TAP_OK(rejects(MIN(",\"hooks\":{\"poststart\":[{\"path\":\"bin/x\"}]}"),
                 "config.json: hooks.poststart[0].path: \"bin/x\" is not an absolute path"),
         "hook path absolute");
  TAP_OK(rejects(MIN(",\"hooks\":{\"prestart\":[{\"path\":\"/x\",\"timeout\":0}]}"),
                 "config.json: hooks.prestart[0].timeout: 0 is not a positive number of seconds"),
         "hook timeout positive");
  TAP_OK(rejects(MIN(",\"hooks\":{\"prestart\":{}}"),
                 "config.json: hooks.prestart: must be an array, not an object"),
         "hook list type");
  TAP_OK(rejects(MIN(",\"hooks\":{\"prestart\":[{\"path\":\"/x\",\"env\":[1]}]}"),
                 "config.json: hooks.prestart[0].env[0]: must be a string, not an integer"),
         "hook env type");
}

static void test_default(void)
{
  for (int rootless = 0; rootless <= 1; rootless++) {
    autojson json_t *j = spec_default_json(rootless);
    struct spec *s = NULL;
    struct td_err *err = NULL;
    int r = spec_from_json(j, &s, &err);
    TAP_OK(r == 0, "default spec (rootless=%d) parses: %s", rootless, r ? err_text(err) : "ok");
    err_free(&err);
    if (r)
      continue;
    TAP_OK(s->process && s->process->terminal && strcmp(s->process->args[0], "sh") == 0,
           "terminal sh");
    TAP_OK(s->process->caps.bounding ==
               ((UINT64_C(1) << CAP_AUDIT_WRITE) | (UINT64_C(1) << CAP_KILL) |
                (UINT64_C(1) << CAP_NET_BIND_SERVICE)),
           "default capabilities");
    TAP_OK(s->process->n_rlimits == 1 && s->process->rlimits[0].soft == 1024, "NOFILE 1024");
    TAP_OK(s->n_mounts == 7, "seven mounts");
    TAP_OK(s->linux_.ns[NS_PID].present && s->linux_.ns[NS_MNT].present &&
               s->linux_.ns[NS_CGROUP].present,
           "pid, mount, cgroup namespaces");
    TAP_OK(s->linux_.ns[NS_NET].present == !rootless, "network namespace unless rootless");
    TAP_OK(s->linux_.ns[NS_USER].present == rootless, "user namespace when rootless");
    if (rootless) {
      TAP_OK(s->linux_.n_uid_mappings == 1 && s->linux_.uid_mappings[0].host_id == getuid() &&
                 s->linux_.gid_mappings[0].host_id == getgid(),
             "rootless maps the caller");
      TAP_OK(s->mounts[5].is_bind && s->mounts[5].flags & MS_REC, "rootless binds /sys");
      TAP_OK(strstr(s->mounts[2].data, "gid=") == NULL, "rootless devpts without gid=");
      TAP_OK(s->linux_.resources == NULL, "rootless has no resources");
    } else {
      TAP_OK(s->linux_.resources && s->linux_.resources->n_devices == 1 &&
                 !s->linux_.resources->devices[0].allow,
             "deny all devices");
      TAP_STREQ(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts data");
    }
    TAP_OK(strv_len(s->linux_.masked_paths) == 11 && strv_len(s->linux_.readonly_paths) == 5,
           "masked and readonly paths");
    spec_free(s);
  }
}

static void test_features(void)
{
  autojson json_t *f = spec_features_json();
  TAP_OK(f != NULL, "features document");
  TAP_STREQ(json_string_value(json_object_get(f, "ociVersionMax")), "1.2.0", "ociVersionMax");
  TAP_OK(json_array_size(json_object_get(f, "hooks")) == 6, "six hooks");
  TAP_OK(json_array_size(json_object_get(f, "mountOptions")) > 50, "mount options listed");
  json_t *l = json_object_get(f, "linux");
  TAP_OK(json_array_size(json_object_get(l, "namespaces")) == 8, "eight namespaces");
  json_t *caps = json_object_get(l, "capabilities");
  TAP_OK(json_array_size(caps) >= 38 &&
             strcmp(json_string_value(json_array_get(caps, 0)), "CAP_CHOWN") == 0,
         "capabilities listed upper case");
  json_t *sc = json_object_get(l, "seccomp");
  TAP_OK(json_is_true(json_object_get(sc, "enabled")) &&
             json_array_size(json_object_get(sc, "actions")) == 9 &&
             json_array_size(json_object_get(sc, "operators")) == 7,
         "seccomp actions and operators");
  TAP_OK(json_is_true(json_object_get(json_object_get(l, "cgroup"), "v2")), "cgroup v2");
  TAP_OK(json_is_true(json_object_get(
             json_object_get(json_object_get(l, "mountExtensions"), "idmap"), "enabled")),
         "idmap mount extension");
  TAP_OK(json_object_get(json_object_get(f, "annotations"), "io.github.seccomp.libseccomp.version"),
         "libseccomp version annotation");
}

static void test_files(void)
{
  char dir[] = "/tmp/test-spec-XXXXXX";
  TAP_OK(mkdtemp(dir) != NULL, "temp dir");
  autofree char *missing = xasprintf("%s/config.json", dir);
  struct spec *s = NULL;
  struct td_err *err = NULL;
  TAP_OK(spec_load_file(missing, &s, &err) < 0, "missing file fails");
  autofree char *want = xasprintf("open %s: No such file or directory", missing);
  TAP_STREQ(err ? err_text(err) : NULL, want, "missing file message");
  err_free(&err);

  int fd = open(missing, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  const char bad[] = "{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": {\n}}}\n";
  TAP_OK(fd >= 0 && write(fd, bad, sizeof(bad) - 1) == (ssize_t)sizeof(bad) - 1, "write bad");
  close(fd);
  TAP_OK(spec_load_file(missing, &s, &err) < 0, "malformed file fails");
  TAP_OK(err && strstr(err_text(err), "line 4") != NULL, "parse error names the line: %s",
         err ? err_text(err) : "");
  err_free(&err);

  fd = open(missing, O_WRONLY | O_TRUNC | O_CLOEXEC);
  const char good[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                      "\"linux\":{\"namespaces\":[{\"type\":\"foo\"}]}}";
  TAP_OK(fd >= 0 && write(fd, good, sizeof(good) - 1) == (ssize_t)sizeof(good) - 1, "write");
  close(fd);
  TAP_OK(spec_load_file(missing, &s, &err) < 0, "invalid value in file fails");
  TAP_STREQ(err ? err_text(err) : NULL,
            "config.json: linux.namespaces[0].type: unknown namespace type \"foo\"",
            "invalid value names the path");
  err_free(&err);
  fd = open(missing, O_WRONLY | O_TRUNC | O_CLOEXEC);
  const char big[] = "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
                     "\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551615,"
                     "\"hard\":18446744073709551615},{\"type\":\"RLIMIT_NOFILE\","
                     "\"soft\":1024,\"hard\":9007199254740993}]},\"linux\":{\"resources\":"
                     "{\"memory\":{\"limit\":9223372036854775807}}}}";
  TAP_OK(fd >= 0 && write(fd, big, sizeof(big) - 1) == (ssize_t)sizeof(big) - 1, "write big");
  close(fd);
  int r = spec_load_file(missing, &s, &err);
  TAP_OK(r == 0, "integers above INT64_MAX load: %s", r ? err_text(err) : "ok");
  err_free(&err);
  if (r == 0) {
    TAP_OK(s->process->rlimits[0].soft == UINT64_MAX && s->process->rlimits[0].hard == UINT64_MAX,
           "2^64-1 rlimit is RLIM_INFINITY");
    /* soft <= hard: a soft limit above the hard one is refused at parse time (setrlimit
     * would refuse it in the init) */
    TAP_OK(s->process->rlimits[1].soft == 1024, "small values stay exact");
    TAP_OK(s->linux_.resources->memory.limit == INT64_MAX, "INT64_MAX clamps, no overflow");
    spec_free(s);
  }
  TAP_OK(rejects("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":1e300}}",
                 "config.json: process.oomScoreAdj: 1e+300 "
                 "is out of range [-1000, 1000]"),
         "huge double out of range");
  unlink(missing);
  rmdir(dir);
}

/* Write text to path; false on failure. */
static bool put(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  if (fd >= 0)
    close(fd);
  return ok;
}

static void test_load_if(void)
{
  char dir[] = "/tmp/test-spec-XXXXXX";
  TAP_OK(mkdtemp(dir) != NULL, "temp dir");
  autofree char *cfg = xasprintf("%s/config.json", dir);
  struct spec *s = NULL;
  struct td_err *err = NULL;
  TAP_OK(spec_load_file_if(cfg, "poststop", &s, &err) < 0 && s == NULL, "missing file fails");
  err_free(&err);
  /* no mention of the word: no parse (so even a document the parser refuses passes) */
  TAP_OK(put(cfg, "{\"ociVersion\":\"1.2.0\",\"root\":{}}}"), "write");
  TAP_OK(spec_load_file_if(cfg, "poststop", &s, &err) == 0 && s == NULL, "no poststop: no spec");
  const char hooks[] =
      "{\"ociVersion\":\"1.2.0\",\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\"}]}}";
  TAP_OK(put(cfg, hooks), "write hooks");
  int r = spec_load_file_if(cfg, "poststop", &s, &err);
  TAP_OK(r == 0 && s && s->hooks[HOOK_POSTSTOP].n == 1, "poststop named: parsed, one hook");
  spec_free(s);
  s = NULL;
  TAP_OK(spec_load_file_if(cfg, "poststart", &s, &err) == 0 && s == NULL, "other kind: no spec");
  /* a key spelled with \u escapes still counts */
  const char esc[] =
      "{\"ociVersion\":\"1.2.0\",\"hooks\":{\"\\u0070oststop\":[{\"path\":\"/bin/true\"}]}}";
  TAP_OK(put(cfg, esc), "write escaped");
  r = spec_load_file_if(cfg, "poststop", &s, &err);
  TAP_OK(r == 0 && s && s->hooks[HOOK_POSTSTOP].n == 1, "escaped key: parsed, one hook");
  spec_free(s);
  err_free(&err);
  unlink(cfg);
  rmdir(dir);
}

int main(void)
{
  test_top();
  test_process();
  test_process_from_json();
  test_hooks();
  test_default();
  test_features();
  test_files();
  test_load_if();
  return TAP_DONE();
}
