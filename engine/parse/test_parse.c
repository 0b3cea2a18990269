#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util/timefmt.h"
#include "util/gotmpl.h"
#include "engine/parse/parse.h"
#include "engine/container/container.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int64_t size_of(const char *s)
{
  int64_t v = -1;
  autoerr struct td_err *e = NULL;
  if (eng_parse_size(s, &v, &e) < 0)
    return -1;
  return v;
}

static int64_t dur_of(const char *s)
{
  int64_t v = -12345;
  autoerr struct td_err *e = NULL;
  if (eng_parse_duration(s, &v, &e) < 0)
    return -12345;
  return v;
}

static void test_sizes(void)
{
  TAP_OK(size_of("100m") == 100LL << 20, "100m");
  TAP_OK(size_of("1g") == 1LL << 30, "1g");
  TAP_OK(size_of("512k") == 512LL << 10, "512k");
  TAP_OK(size_of("10b") == 10, "10b");
  TAP_OK(size_of("1024") == 1024, "plain bytes");
  TAP_OK(size_of("1.5g") == (int64_t)(1.5 * (1LL << 30)), "1.5g");
  TAP_OK(size_of("64MB") == 64LL << 20, "64MB");
  TAP_OK(size_of("2MiB") == 2LL << 20, "2MiB");
  TAP_OK(size_of("abc") == -1 && size_of("10x") == -1 && size_of("") == -1, "bad sizes");
  TAP_OK(size_of("-1m") == -1 && size_of("1e3") == -1, "negative and exponent rejected");
  autoerr struct td_err *e = NULL;
  int64_t v;
  eng_parse_size("12q", &v, &e);
  TAP_STREQ(e ? e->msg : NULL, "invalid size: '12q'", "size error text");
}

static void test_durations(void)
{
  TAP_OK(dur_of("10s") == 10000000000LL, "10s");
  TAP_OK(dur_of("1m30s") == 90000000000LL, "1m30s");
  TAP_OK(dur_of("1.5h") == 5400000000000LL, "1.5h");
  TAP_OK(dur_of("300ms") == 300000000LL, "300ms");
  TAP_OK(dur_of("0") == 0, "0");
  TAP_OK(dur_of("-1s") == -1000000000LL, "-1s");
  TAP_OK(dur_of("10") == -12345 && dur_of("s") == -12345 && dur_of("1x") == -12345,
         "bad durations");
}

static void test_cpus(void)
{
  int64_t n = 0;
  autoerr struct td_err *e = NULL;
  TAP_OK(eng_parse_cpus("1.5", 4, &n, &e) == 0 && n == 1500000000LL, "1.5 cpus");
  TAP_OK(eng_cpus_quota(n, 100000) == 150000, "quota for 1.5 cpus");
  TAP_OK(eng_parse_cpus("0.2", 4, &n, &e) == 0 && eng_cpus_quota(n, 100000) == 20000,
         "0.2 cpus = 20000/100000");
  TAP_OK(eng_parse_cpus("5", 4, &n, &e) < 0, "more than host cpus rejected");
  err_free(&e);
  TAP_OK(eng_parse_cpus("x", 4, &n, &e) < 0, "not a number rejected");
}

static void test_cpuset(void)
{
  autoerr struct td_err *e = NULL;
  TAP_OK(eng_parse_cpuset("0-2,4", 0, &e) == 0, "0-2,4");
  TAP_OK(eng_parse_cpuset("0", 2, &e) == 0, "0 on 2 cpus");
  TAP_OK(eng_parse_cpuset("3", 2, &e) < 0, "cpu 3 on a 2-cpu host");
  err_free(&e);
  TAP_OK(eng_parse_cpuset("2-1", 0, &e) < 0, "reversed range");
  err_free(&e);
  TAP_OK(eng_parse_cpuset("a", 0, &e) < 0 && eng_parse_cpuset("1,", 0, &e) < 0, "garbage");
}

static void test_ulimit(void)
{
  struct eng_ulimit u;
  autoerr struct td_err *e = NULL;
  TAP_OK(eng_parse_ulimit("nofile=1024:2048", &u, &e) == 0 && u.resource == RLIMIT_NOFILE &&
             u.soft == 1024 && u.hard == 2048,
         "nofile=1024:2048");
  TAP_OK(eng_parse_ulimit("nproc=512", &u, &e) == 0 && u.soft == 512 && u.hard == 512, "nproc=512");
  TAP_OK(eng_parse_ulimit("bogus=1", &u, &e) < 0, "unknown type");
  err_free(&e);
  TAP_OK(eng_parse_ulimit("nofile=10:5", &u, &e) < 0, "soft above hard");
  TAP_STREQ(eng_rlimit_oci_name(RLIMIT_NOFILE), "RLIMIT_NOFILE", "oci name");
}

static void test_restart(void)
{
  struct eng_restart r;
  autoerr struct td_err *e = NULL;
  TAP_OK(eng_parse_restart("always", &r, &e) == 0 && r.mode == RESTART_ALWAYS, "always");
  TAP_OK(eng_parse_restart("on-failure:3", &r, &e) == 0 && r.mode == RESTART_ON_FAILURE &&
             r.max_retries == 3,
         "on-failure:3");
  TAP_OK(eng_parse_restart("unless-stopped", &r, &e) == 0, "unless-stopped");
  TAP_OK(eng_parse_restart("no", &r, &e) == 0 && r.mode == RESTART_NO, "no");
  TAP_OK(eng_parse_restart("sometimes", &r, &e) < 0, "bad policy");
  err_free(&e);
  TAP_OK(eng_parse_restart("always:3", &r, &e) < 0, "count only with on-failure");
}

static void test_env(void)
{
  autostrv char **env = NULL;
  autoerr struct td_err *e = NULL;
  setenv("TD_TEST_PASS", "through", 1);
  TAP_OK(eng_parse_env_text("# c\nA=1\n\nB=x=y\r\nTD_TEST_PASS\nTD_UNSET_X\n", "f", &env, &e) == 0,
         "env file parses");
  TAP_OK(strv_len(env) == 3, "three entries");
  TAP_STREQ(env[1], "B=x=y", "value with =");
  TAP_STREQ(env[2], "TD_TEST_PASS=through", "bare key from environment");
  autostrv char **env2 = NULL;
  TAP_OK(eng_parse_env_text("BAD KEY=1\n", "f", &env2, &e) < 0, "whitespace in key");
}

static void test_mounts(void)
{
  struct eng_mount m;
  autoerr struct td_err *e = NULL;
  TAP_OK(eng_parse_volume("/host:/ctr:ro", &m, &e) == 0 && m.type == MOUNT_BIND && m.readonly &&
             strcmp(m.target, "/ctr") == 0,
         "-v bind ro");
  eng_mount_clear(&m);
  TAP_OK(eng_parse_volume("data:/data", &m, &e) == 0 && m.type == MOUNT_VOLUME &&
             strcmp(m.source, "data") == 0,
         "-v named volume");
  eng_mount_clear(&m);
  TAP_OK(eng_parse_volume("/anon", &m, &e) == 0 && m.type == MOUNT_VOLUME && m.source == NULL,
         "-v anonymous");
  eng_mount_clear(&m);
  TAP_OK(eng_parse_volume("/a:rel", &m, &e) < 0, "-v relative target");
  err_free(&e);
  TAP_OK(eng_parse_mount("type=bind,source=/a,target=/b,readonly", &m, &e) == 0 &&
             m.type == MOUNT_BIND && m.readonly,
         "--mount bind");
  eng_mount_clear(&m);
  TAP_OK(eng_parse_mount("type=tmpfs,dst=/t,tmpfs-size=1m", &m, &e) == 0 && m.tmpfs_size == 1 << 20,
         "--mount tmpfs size");
  eng_mount_clear(&m);
  TAP_OK(eng_parse_mount("type=bind,target=/b", &m, &e) < 0, "--mount bind without source");
  err_free(&e);
  TAP_OK(eng_parse_mount("type=nfs,target=/b", &m, &e) < 0, "--mount bad type");
  err_free(&e);
  TAP_OK(eng_parse_tmpfs("/run:size=64k,noexec", &m, &e) == 0 && m.tmpfs_size == 65536 &&
             strcmp(m.target, "/run") == 0,
         "--tmpfs");
  eng_mount_clear(&m);
  struct eng_device d;
  TAP_OK(eng_parse_device("/dev/null:/dev/xnull:r", &d, &e) == 0 &&
             strcmp(d.container, "/dev/xnull") == 0 && strcmp(d.perms, "r") == 0,
         "--device");
  eng_device_clear(&d);
  TAP_OK(eng_parse_device("/dev/null:rw", &d, &e) == 0 && strcmp(d.container, "/dev/null") == 0,
         "--device perms only");
  eng_device_clear(&d);
  TAP_OK(eng_parse_device("/dev/null:xyz", &d, &e) < 0, "--device bad perms");
}

static void test_names(void)
{
  TAP_OK(eng_valid_name("web-1") && eng_valid_name("a_b.c") && !eng_valid_name("-x") &&
             !eng_valid_name("a b") && !eng_valid_name("a"),
         "name rule");
}

static void test_format(void)
{
  autojson json_t *j = json_pack("{s:s,s:{s:i,s:b},s:[s,s],s:{s:s}}", "Name", "/web", "State",
                                 "Pid", 42, "Running", 1, "Args", "a", "b", "Labels", "k", "v");
  autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *f = NULL, *g = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(gotmpl_render("{{.State.Pid}}", j, &a, &e) == 0, "nested path renders");
  TAP_STREQ(a, "42", "{{.State.Pid}}");
  gotmpl_render_format("{{.Name}}\\t{{.State.Running}}", j, &b, &e);
  TAP_STREQ(b, "/web\ttrue", "text, tab escape and bool");
  gotmpl_render("{{json .Args}}", j, &c, &e);
  TAP_STREQ(c, "[\"a\",\"b\"]", "json of an array");
  gotmpl_render("{{index .Labels \"k\"}} {{.Args}} {{index .Labels \"nope\"}}|", j, &d, &e);
  TAP_STREQ(d, "v [a b] |", "index, slice printing, missing label");
  gotmpl_render("{{range .Args}}<{{.}}>{{end}}{{if .State.Running}}up{{else}}down{{end}}", j, &f,
                &e);
  TAP_STREQ(f, "<a><b>up", "range and if");
  TAP_OK(gotmpl_render("{{.Name", j, &g, &e) < 0, "unclosed action is an error");
  autofree char *h = gotmpl_header("table {{.ID}}\\t{{.Names}}", NULL);
  TAP_STREQ(h, "ID\tNAMES", "table header");
  autofree char *k = NULL;
  gotmpl_render("{{json .}}", json_object_get(j, "Labels"), &k, &e);
  TAP_STREQ(k, "{\"k\":\"v\"}", "json .");
}

static void test_time(void)
{
  TAP_OK(time_parse_rfc3339("1970-01-01T00:00:01.5Z") == 1500000000LL, "rfc3339 fraction");
  autofree char *now = time_now_rfc3339(true);
  TAP_OK(strlen(now) == 30 && now[29] == 'Z', "now has nanoseconds");
}

/* --sysctl: docker's whitelist and messages; a key that would walk is refused */
static void test_sysctl(void)
{
  static const struct {
    const char *in, *err;
  } t[] = {
      {"net.ipv4.ip_forward=1", NULL},
      {"kernel.shmmax=68719476736", NULL},
      {"fs.mqueue.msg_max=17", NULL},
      {"net.ipv4.ping_group_range=0 0", NULL},
      {"vm.swappiness=1", "sysctl 'vm.swappiness=1' is not whitelisted"},
      {"kernel.domainname=x", "sysctl 'kernel.domainname=x' is not whitelisted"},
      {"kernel.shm_next_id=1", "sysctl 'kernel.shm_next_id=1' is not whitelisted"},
      {"net.ipv4.ip_forward", "sysctl 'net.ipv4.ip_forward' is not whitelisted"},
      {"=1", "sysctl '=1' is not whitelisted"},
      {"net.ipv4/../../../vm/swappiness=1",
       "sysctl 'net.ipv4/../../../vm/swappiness=1': invalid key"},
      {"net..ipv4=1", "sysctl 'net..ipv4=1': invalid key"},
      {"net.=1", "sysctl 'net.=1': invalid key"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    char *k = NULL, *v = NULL;
    struct td_err *err = NULL;
    int rc = eng_parse_sysctl(t[i].in, &k, &v, &err);
    int ok = t[i].err ? rc < 0 && strcmp(err_text(err), t[i].err) == 0
                      : rc == 0 && strncmp(t[i].in, k, strlen(k)) == 0 &&
                            strcmp(v, strchr(t[i].in, '=') + 1) == 0;
    if (!ok)
      printf("#   got: %s\n", rc < 0 ? err_text(err) : k);
    TAP_OK(ok, "--sysctl %s", t[i].in);
    err_free(&err);
    free(k);
    free(v);
  }
}

/* issue 16's resource flags: DEVICE:RATE, device cgroup rules, --cgroup-parent's path */
static void test_resources(void)
{
  struct eng_blkio_dev d = {0};
  autoerr struct td_err *e = NULL;
  TAP_OK(eng_parse_blkio_dev("/dev/vda:1mb", BLKIO_BPS, &d, &e) == 0 && d.value == 1048576 &&
             strcmp(d.path, "/dev/vda") == 0,
         "read-bps /dev/vda:1mb");
  free(d.path);
  TAP_OK(eng_parse_blkio_dev("/dev/vda:100", BLKIO_IOPS, &d, &e) == 0 && d.value == 100, "iops");
  free(d.path);
  TAP_OK(eng_parse_blkio_dev("/dev/vda:0", BLKIO_WEIGHT, &d, &e) == 0 && d.value == 0, "weight 0");
  free(d.path);
  static const struct {
    const char *in;
    enum eng_blkio_kind k;
    const char *msg;
  } bad[] = {
      {"bad", BLKIO_BPS, "bad format: bad"},
      {":1", BLKIO_BPS, "bad format: :1"},
      {"/x:1", BLKIO_BPS, "bad format for device path: /x:1"},
      {"/dev/vda:-1", BLKIO_BPS,
       "invalid rate for device: /dev/vda:-1. The correct format is "
       "<device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and "
       "can be kb, mb, or gb"},
      {"/dev/vda:1:2", BLKIO_BPS, NULL},
      {"/dev/vda:x", BLKIO_IOPS,
       "invalid rate for device: /dev/vda:x. The correct format is <device-path>:<number>. "
       "Number must be a positive integer"},
      {"/dev/vda:1k", BLKIO_IOPS, NULL},
      {"/dev/vda:5", BLKIO_WEIGHT, "invalid weight for device: /dev/vda:5"},
      {"/dev/vda:1001", BLKIO_WEIGHT, "invalid weight for device: /dev/vda:1001"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err_free(&e);
    bool refused = eng_parse_blkio_dev(bad[i].in, bad[i].k, &d, &e) < 0;
    TAP_OK(refused && (bad[i].msg == NULL || strcmp(e->msg, bad[i].msg) == 0), "refused %s",
           bad[i].in);
  }
  struct eng_dev_rule r;
  TAP_OK(eng_parse_dev_rule("c 1:3 rwm", &r, &e) == 0 && r.type == 'c' && r.major == 1 &&
             r.minor == 3 && strcmp(r.access, "rwm") == 0,
         "rule c 1:3 rwm");
  TAP_OK(eng_parse_dev_rule("b *:* r", &r, &e) == 0 && r.major == -1 && r.minor == -1,
         "rule b *:* r");
  static const char *const bad_rules[] = {"bad",     "a",          "c 1:3 rwx", "c 1:3",
                                          "x 1:3 r", "c 1:3 rwmr", "c -1:3 r",  "c 1:3  r",
                                          "c 1 r",   " c 1:3 r"};
  for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
    err_free(&e);
    autofree char *want = xasprintf("invalid device cgroup format '%s'", bad_rules[i]);
    TAP_OK(eng_parse_dev_rule(bad_rules[i], &r, &e) < 0 && strcmp(e->msg, want) == 0,
           "rule refused: '%s'", bad_rules[i]);
  }
  static const char *const paths[][2] = {
      {NULL, "/tinydocker/ID"},
      {"", "/tinydocker/ID"},
      {"/abs/p", "/abs/p/ID"},
      {"rel", "/rel/ID"},
      {"../../x", "/x/ID"},
      {"/../../../x", "/x/ID"},
      {"/a/../../b/./c//", "/b/c/ID"},
      {"/", "/ID"},
      {"..", "/ID"},
      {"a/..", "/ID"},
      {"/a/b/../..", "/ID"},
      {"a..b/..c", "/a..b/..c/ID"},
  };
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    autofree char *got = eng_cgroup_path(paths[i][0], "tinydocker", "ID");
    TAP_STREQ(got, paths[i][1], "cgroup parent %s", paths[i][0] ? paths[i][0] : "(none)");
  }
}

int main(void)
{
  test_sizes();
  test_durations();
  test_cpus();
  test_cpuset();
  test_ulimit();
  test_restart();
  test_env();
  test_mounts();
  test_names();
  test_format();
  test_time();
  test_sysctl();
  test_resources();
  return TAP_DONE();
}
