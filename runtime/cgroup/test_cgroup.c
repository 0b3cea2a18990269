/* Pure logic of runtime/cgroup: paths, conversions, cpuset lists, the device BPF program. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/cgroup_bpf.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void test_resolve(void)
{
  autofree char *a = cgroup_resolve_path(NULL, "/tinyrun", "abc");
  TAP_STREQ(a, "/tinyrun/abc", "NULL path => <parent>/<id>");
  autofree char *b = cgroup_resolve_path("/my/own//path/", "/tinyrun", "abc");
  TAP_STREQ(b, "/my/own/path", "absolute path used as is (normalised)");
  autofree char *c = cgroup_resolve_path("sub/x", "tinydocker", "abc");
  TAP_STREQ(c, "/tinydocker/sub/x", "relative path goes below the default parent");
  autofree char *d = cgroup_resolve_path("", NULL, "abc");
  TAP_STREQ(d, "/tinyrun/abc", "empty path and no parent => /tinyrun/<id>");
  autofree char *e = cgroup_resolve_path("/a/../../etc", "/tinyrun", "abc");
  TAP_OK(e == NULL, "'..' refused");
  autofree char *f = cgroup_resolve_path("/", "/tinyrun", "abc");
  TAP_OK(f == NULL, "the root itself refused");
  autofree char *g = cgroup_resolve_path("system.slice:docker:abc", "/tinyrun", "abc");
  TAP_OK(g == NULL, "systemd form refused");
  autoerr struct td_err *err = NULL;
  char *out = NULL;
  TAP_OK(cgroup_resolve("system.slice:docker:abc", NULL, "x", &out, &err) < 0 &&
             strstr(err_text(err), "--systemd-cgroup"),
         "systemd form: error mentions --systemd-cgroup");
  TAP_OK(cgroup_path_is_systemd("a.slice:p:n") && !cgroup_path_is_systemd("/a:b:c") &&
             !cgroup_path_is_systemd("a:b"),
         "systemd form detection");
}

static void test_conversions(void)
{
  TAP_OK(cg_shares_to_weight(0) == 0, "shares 0 stays unset");
  TAP_OK(cg_shares_to_weight(2) == 1, "shares 2 -> weight 1");
  TAP_OK(cg_shares_to_weight(1024) == 100, "shares 1024 (v1 default) -> weight 100 (v2 default)");
  TAP_OK(cg_shares_to_weight(262144) == 10000, "shares max -> weight 10000");
  TAP_OK(cg_shares_to_weight(512) == 59, "shares 512 -> weight 59 (got %lu)",
         (unsigned long)cg_shares_to_weight(512));
  TAP_OK(cg_shares_to_weight(2048) == 174 && cg_shares_to_weight(100) == 17,
         "shares 2048 -> 174, 100 -> 17 (got %lu, %lu)", (unsigned long)cg_shares_to_weight(2048),
         (unsigned long)cg_shares_to_weight(100));
  bool mono = true;
  for (uint64_t sh = 3; sh <= 262144; sh++)
    mono &= cg_shares_to_weight(sh) >= cg_shares_to_weight(sh - 1);
  TAP_OK(mono, "shares -> weight is monotonic over the whole range");
  TAP_OK(cg_blkio_to_io_weight(10) == 1 && cg_blkio_to_io_weight(1000) == 10000 &&
             cg_blkio_to_io_weight(500) == 4950,
         "blkio weight -> io.weight");
  autofree char *m1 = cg_cpu_max(true, 20000, false, 0, NULL);
  TAP_STREQ(m1, "20000 100000", "cpu.max from quota, default period");
  autofree char *m2 = cg_cpu_max(false, 0, true, 50000, "30000 100000\n");
  TAP_STREQ(m2, "30000 50000", "cpu.max keeps the old quota when only the period is given");
  autofree char *m3 = cg_cpu_max(true, -1, true, 10000, "max 100000\n");
  TAP_STREQ(m3, "max 10000", "negative quota => max");
  autofree char *p1 = cg_pids_value(-1), *p2 = cg_pids_value(0), *p3 = cg_pids_value(42);
  TAP_OK(strcmp(p1, "max") == 0 && strcmp(p2, "max") == 0 && strcmp(p3, "42") == 0,
         "pids: -1 and 0 => max");
  TAP_OK(cg_unified_key_ok("memory.high") && !cg_unified_key_ok("../x") &&
             !cg_unified_key_ok("..") && !cg_unified_key_ok(""),
         "unified keys are plain file names");
}

static void test_controllers(void)
{
  autostrv char **m =
      cg_v2_missing_controllers("cpuset cpu io memory hugetlb pids\n", "cpu memory\n");
  autofree char *j = m ? strv_join(m, " ") : NULL;
  TAP_STREQ(j, "cpuset io hugetlb pids", "v2: controllers to enable in a parent");
  autostrv char **none = cg_v2_missing_controllers("cpu\n", "cpu\n");
  TAP_OK(none == NULL, "v2: nothing to enable when all are on");
  autostrv char **empty = cg_v2_missing_controllers("", NULL);
  TAP_OK(empty == NULL, "v2: no controllers available");
}

static void test_swap(void)
{
  autoerr struct td_err *e = NULL;
  char *s = NULL;
  TAP_OK(cg_swap_v2(true, 200, true, 100, &s, &e) == 0 && s && strcmp(s, "100") == 0,
         "swap 200 limit 100 -> swap.max 100");
  free(s);
  TAP_OK(cg_swap_v2(true, 100, true, 100, &s, &e) == 0 && s && strcmp(s, "0") == 0,
         "swap == limit -> no swap");
  free(s);
  TAP_OK(cg_swap_v2(true, -1, true, 100, &s, &e) == 0 && s && strcmp(s, "max") == 0,
         "swap -1 -> max");
  free(s);
  TAP_OK(cg_swap_v2(false, 0, true, -1, &s, &e) == 0 && s && strcmp(s, "max") == 0,
         "unlimited memory, no swap given -> swap max");
  free(s);
  TAP_OK(cg_swap_v2(false, 0, true, 100, &s, &e) == 0 && s == NULL, "no swap given -> unset");
  TAP_OK(cg_swap_v2(true, 50, true, 100, &s, &e) < 0 && strstr(err_text(e), "below"),
         "swap below limit refused");
  err_free(&e);
  TAP_OK(cg_swap_v2(true, 50, false, 0, &s, &e) < 0 && strstr(err_text(e), "memory limit"),
         "swap without limit refused");
}

static void test_cpuset(void)
{
  autoerr struct td_err *e = NULL;
  TAP_OK(cg_cpuset_validate("cpuset.cpus", "0-3,5,7-8", &e) == 0, "valid list");
  TAP_OK(cg_cpuset_validate("cpuset.cpus", "1", &e) == 0, "single cpu");
  const char *bad[] = {"a", "1-", "3-1", "1,,2", "1,", "-1", "1 2", NULL};
  for (const char **b = bad; *b; b++) {
    err_free(&e);
    TAP_OK(cg_cpuset_validate("cpuset.cpus", *b, &e) < 0 && strstr(err_text(e), *b),
           "invalid list '%s' refused with the value named", *b);
  }
}

/* Run the generated program on a device access, as the kernel would. */
static int run_prog(const struct bpf_insn *p, size_t n, int type, int acc, int maj, int min)
{
  uint64_t r[11] = {0};
  uint32_t ctx[3] = {(uint32_t)(acc << 16 | type), (uint32_t)maj, (uint32_t)min};
  for (size_t pc = 0; pc < n; pc++) {
    const struct bpf_insn *i = &p[pc];
    switch (i->code) {
    case BPF_LDX | BPF_MEM | BPF_W:
      r[i->dst_reg] = ctx[i->off / 4];
      break;
    case BPF_ALU | BPF_AND | BPF_K:
      r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm);
      break;
    case BPF_ALU | BPF_RSH | BPF_K:
      r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
      break;
    case BPF_ALU64 | BPF_AND | BPF_K:
      r[i->dst_reg] &= (uint64_t)(int64_t)i->imm;
      break;
    case BPF_ALU64 | BPF_MOV | BPF_X:
      r[i->dst_reg] = r[i->src_reg];
      break;
    case BPF_ALU64 | BPF_MOV | BPF_K:
      r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
      break;
    case BPF_JMP | BPF_JNE | BPF_K:
      if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
        pc += (size_t)i->off;
      break;
    case BPF_JMP | BPF_EXIT:
      return (int)r[0];
    default:
      return -1;
    }
  }
  return -2; /* fell off the end: invalid */
}

static void test_bpf(void)
{
  const int C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
  const int R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;
  struct spec_device_rule rules[] = {
      {false, 'a', -1, -1, "rwm"}, /* deny all */
      {true, 'c', 1, 3, "rwm"},    /* /dev/null */
      {true, 'c', 1, -1, "r"},     /* c 1:* read only */
      {false, 'c', 1, 5, "rwm"},   /* but not /dev/zero */
      {true, 'b', 8, 0, "rw"},
  };
  autoerr struct td_err *e = NULL;
  autofree struct bpf_insn *p = NULL;
  size_t n = 0;
  TAP_OK(cg_bpf_devices_prog(rules, 5, &p, &n, &e) == 0 && n > 6, "program built");
  TAP_OK(run_prog(p, n, C, R | W, 1, 3) == 1, "c 1:3 rw allowed");
  TAP_OK(run_prog(p, n, C, R, 1, 9) == 1, "c 1:9 r allowed by the wildcard rule");
  TAP_OK(run_prog(p, n, C, W, 1, 9) == 0, "c 1:9 w denied (not in the rule's access)");
  TAP_OK(run_prog(p, n, C, R, 1, 5) == 0, "c 1:5 denied: the later deny wins");
  TAP_OK(run_prog(p, n, B, R | W, 8, 0) == 1, "b 8:0 rw allowed");
  TAP_OK(run_prog(p, n, B, M, 8, 0) == 0, "b 8:0 mknod denied");
  TAP_OK(run_prog(p, n, C, R, 4, 1) == 0, "anything else denied");
  free(steal_ptr(p));
  struct spec_device_rule allow_all_last[] = {
      {false, 'c', 1, 3, "rwm"},
      {true, 'a', -1, -1, "rwm"},
  };
  TAP_OK(cg_bpf_devices_prog(allow_all_last, 2, &p, &n, &e) == 0 && n == 8,
         "an unconditional last rule ends the program (no dead code)");
  TAP_OK(run_prog(p, n, C, R, 1, 3) == 1, "allow-all last wins over an earlier deny");
  free(steal_ptr(p));
  TAP_OK(cg_bpf_devices_prog(NULL, 0, &p, &n, &e) == 0 && run_prog(p, n, C, R, 1, 3) == 0,
         "no rules: everything denied");
  free(steal_ptr(p));
  struct spec_device_rule fifo[] = {{true, 'p', 0, 0, "rwm"}};
  TAP_OK(cg_bpf_devices_prog(fifo, 1, &p, &n, &e) == 0 && n == 8,
         "a fifo rule (type p) is skipped");
  free(steal_ptr(p));
  struct spec_device_rule bad[] = {{true, 'x', 1, 1, "r"}};
  TAP_OK(cg_bpf_devices_prog(bad, 1, &p, &n, &e) < 0 && strstr(err_text(e), "devices[0]"),
         "bad rule type refused");
}

/* The v2 resource writer against a fake cgroup directory (regular files), since this host has
 * no v2 cpu/memory/io/pids controllers: checks which file gets which value. */
static char *fake_read(const char *dir, const char *f)
{
  autofree char *p = xasprintf("%s/%s", dir, f);
  autoerr struct td_err *e = NULL;
  char *s = NULL;
  if (file_read_all(AT_FDCWD, p, &s, NULL, &e) < 0)
    return xstrdup("(none)");
  return s;
}

static void fake_file(const char *dir, const char *f, const char *content)
{
  autofree char *p = xasprintf("%s/%s", dir, f);
  autoerr struct td_err *e = NULL;
  file_write_atomic(AT_FDCWD, p, content, strlen(content), 0644, &e);
}

static void fake_check(const char *dir, const char *f, const char *want)
{
  autofree char *got = fake_read(dir, f);
  TAP_STREQ(got, want, "v2 (fake dir): %s = %s", f, want);
}

static void test_v2_fake(void)
{
  char dir[] = "/tmp/td-unit-cg2-XXXXXX";
  if (!mkdtemp(dir))
    return;
  const char *files[] = {"memory.max",      "memory.swap.max", "memory.low", "cpu.max",
                         "cpu.weight",      "cpu.max.burst",   "cpu.idle",   "cpuset.cpus",
                         "cpuset.mems",     "pids.max",        "io.weight",  "io.max",
                         "hugetlb.2MB.max", "memory.high",     NULL};
  for (const char **f = files; *f; f++)
    fake_file(dir, *f, "");
  fake_file(dir, "cpu.max", "max 100000");
  struct spec_resources r = {0};
  r.memory.has_limit = true, r.memory.limit = 100 << 20;
  r.memory.has_swap = true, r.memory.swap = 300 << 20;
  r.memory.has_reservation = true, r.memory.reservation = 50 << 20;
  r.cpu.has_shares = true, r.cpu.shares = 512;
  r.cpu.has_quota = true, r.cpu.quota = 20000;
  r.cpu.has_burst = true, r.cpu.burst = 1000;
  r.cpu.has_idle = true, r.cpu.idle = 1;
  r.cpu.cpus = (char *)"0-1";
  r.cpu.mems = (char *)"0";
  r.pids.has_limit = true, r.pids.limit = -1;
  r.blkio.has_weight = true, r.blkio.weight = 500;
  struct spec_blkio_throttle rbps = {8, 0, 1048576};
  r.blkio.throttle_read_bps = &rbps, r.blkio.n_throttle_read_bps = 1;
  struct spec_hugepage_limit hp = {(char *)"2MB", 4194304};
  r.hugepage_limits = &hp, r.n_hugepage_limits = 1;
  struct spec_kv kv = {(char *)"memory.high", (char *)"80000000"};
  r.unified = &kv, r.n_unified = 1;
  struct cg_dir d = {.dir = dir, .fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  autoerr struct td_err *e = NULL;
  TAP_OK(cg_v2_apply_dir(&d, &r, &e) == 0, "v2 (fake dir): apply (%s)", e ? err_text(e) : "ok");
  fake_check(dir, "memory.max", "104857600");
  fake_check(dir, "memory.swap.max", "209715200");
  fake_check(dir, "memory.low", "52428800");
  fake_check(dir, "cpu.weight", "59");
  fake_check(dir, "cpu.max", "20000 100000");
  fake_check(dir, "cpu.max.burst", "1000");
  fake_check(dir, "cpu.idle", "1");
  fake_check(dir, "cpuset.cpus", "0-1");
  fake_check(dir, "pids.max", "max");
  fake_check(dir, "io.weight", "default 4950");
  fake_check(dir, "io.max", "8:0 rbps=1048576");
  fake_check(dir, "hugetlb.2MB.max", "4194304");
  fake_check(dir, "memory.high", "80000000");

  /* stats from v2-shaped files */
  fake_file(dir, "cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
  fake_file(dir, "memory.current", "4096\n");
  fake_file(dir, "memory.max", "max\n");
  fake_file(dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  fake_file(dir, "memory.stat", "anon 1\nactive_file 7\ninactive_file 9\n");
  fake_file(dir, "pids.current", "3\n");
  fake_file(dir, "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n");
  struct cgroup_stats st = {0};
  cg_v2_stats_dir(&d, &st);
  TAP_OK(st.cpu_usage_ns == 1500000 && st.memory_usage == 4096 && st.oom_kills == 1 &&
             st.memory_inactive_file == 9 && st.pids_current == 3 && st.blkio_read_bytes == 101 &&
             st.blkio_write_bytes == 202 && st.memory_limit > 0 && st.memory_limit < UINT64_MAX,
         "v2 (fake dir): stats (memory limit 'max' capped at MemTotal)");
  {
    FILE *mi = fopen("/proc/meminfo", "re");
    unsigned long long kb = 0;
    bool got = mi && fscanf(mi, "MemTotal: %llu", &kb) == 1;
    if (mi)
      fclose(mi);
    TAP_OK(got && cg_mem_total() == kb * 1024,
           "cg_mem_total is MemTotal of /proc/meminfo (%llu kB)", kb);
  }

  struct spec_resources r5 = {0};
  r5.memory.has_limit = true, r5.memory.limit = 1024, r5.memory.check_before_update = true;
  err_free(&e);
  TAP_OK(cg_v2_apply_dir(&d, &r5, &e) < 0 && strstr(err_text(e), "checkBeforeUpdate"),
         "v2: checkBeforeUpdate refuses a limit below memory.current");

  /* a missing controller file is named in the error */
  autofree char *mm = xasprintf("%s/memory.max", dir);
  unlink(mm);
  struct spec_resources r2 = {0};
  r2.memory.has_limit = true, r2.memory.limit = 1 << 20;
  err_free(&e);
  TAP_OK(cg_v2_apply_dir(&d, &r2, &e) < 0 && strstr(err_text(e), "memory.max is missing"),
         "v2 (fake dir): missing memory.max -> %s", e ? err_text(e) : "");
  struct spec_resources r3 = {0};
  r3.cpu.has_realtime_runtime = true, r3.cpu.realtime_runtime = 1000;
  err_free(&e);
  TAP_OK(cg_v2_apply_dir(&d, &r3, &e) < 0 && strstr(err_text(e), "realtime"),
         "v2: realtime refused clearly");
  struct spec_kv bad = {(char *)"../../etc/passwd", (char *)"x"};
  struct spec_resources r4 = {0};
  r4.unified = &bad, r4.n_unified = 1;
  err_free(&e);
  TAP_OK(cg_v2_apply_dir(&d, &r4, &e) < 0 && strstr(err_text(e), "bad key"),
         "v2: unified key with a slash refused");
  close(d.fd);
  autoerr struct td_err *re = NULL;
  rm_rf(dir, &re);
}

/* The v1 blkio weight writer against fake directories: each kind of kernel, whatever this
 * host's kernel is. No weight file (no CFQ, no BFQ): an error naming it, as runc. */
static void test_v1_blkio_fake(void)
{
  const char *kinds[] = {"none", "cfq", "bfq", NULL};
  for (const char **k = kinds; *k; k++) {
    char dir[] = "/tmp/td-unit-blkio-XXXXXX";
    if (!mkdtemp(dir))
      return;
    if (strcmp(*k, "cfq") == 0) {
      fake_file(dir, "blkio.weight", "");
      fake_file(dir, "blkio.leaf_weight", "");
    } else if (strcmp(*k, "bfq") == 0) {
      fake_file(dir, "blkio.bfq.weight", "");
    }
    struct cgroup cg = {0};
    cg.mode = CGROUP_MODE_V1;
    cg.v1[CG_BLKIO] = (struct cg_dir){
        .dir = dir, .fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), .present = true};
    struct spec_resources r = {0};
    r.blkio.has_weight = true, r.blkio.weight = 500;
    r.blkio.has_leaf_weight = true, r.blkio.leaf_weight = 300;
    autoerr struct td_err *e = NULL;
    int rc = cg_v1_apply_blkio(&cg, &r, &e);
    if (strcmp(*k, "none") == 0) {
      TAP_OK(rc < 0 && e->errnum == ENOTSUP && strstr(err_text(e), "blkio.bfq.weight"),
             "v1 blkio (fake, no CFQ/BFQ): weight refused (%s)", e ? err_text(e) : "ok");
    } else {
      TAP_OK(rc == 0, "v1 blkio (fake, %s): applied (%s)", *k, e ? err_text(e) : "ok");
      autofree char *w =
          fake_read(dir, strcmp(*k, "cfq") == 0 ? "blkio.weight" : "blkio.bfq.weight");
      TAP_STREQ(w, "500", "v1 blkio (fake, %s): weight 500", *k);
      if (strcmp(*k, "cfq") == 0) {
        autofree char *lw = fake_read(dir, "blkio.leaf_weight");
        TAP_STREQ(lw, "300", "v1 blkio (fake, cfq): leaf weight 300");
      }
    }
    close(cg.v1[CG_BLKIO].fd);
    autoerr struct td_err *re = NULL;
    rm_rf(dir, &re);
  }
}

/* The engine's view of the host (docker's sysinfo) from fake trees: v1 with and without weight
 * files (at the root, or only in the parent as BFQ has them), v2 with and without io. */
static void test_support_fake(void)
{
  char dir[] = "/tmp/td-unit-cgsup-XXXXXX";
  if (!mkdtemp(dir))
    return;
  autofree char *blk = xasprintf("%s/blkio/tinydocker", dir);
  autofree char *mem = xasprintf("%s/memory", dir);
  autoerr struct td_err *e = NULL;
  mkdir_p(blk, 0755, &e);
  mkdir_p(mem, 0755, &e);
  fake_file(mem, "memory.limit_in_bytes", "");
  setenv("TINYRUN_CGROUP_ROOT", dir, 1);
  setenv("TINYRUN_CGROUP_MODE", "v1", 1);
  struct cgroup_support s;
  cgroup_support_probe("tinydocker", &s);
  TAP_OK(!s.v2 && s.memory && !s.swap && !s.blkio_weight, "support (fake v1): no weight, no swap");
  fake_file(blk, "blkio.bfq.weight", "");
  cgroup_support_probe(NULL, &s);
  TAP_OK(!s.blkio_weight, "support (fake v1): BFQ's file in a parent not asked about: none");
  cgroup_support_probe("tinydocker", &s);
  TAP_OK(s.blkio_weight, "support (fake v1): BFQ's file in the parent: weights");
  autofree char *root_blk = xasprintf("%s/blkio", dir);
  fake_file(root_blk, "blkio.weight", "");
  fake_file(mem, "memory.memsw.limit_in_bytes", "");
  cgroup_support_probe(NULL, &s);
  TAP_OK(s.blkio_weight && s.swap, "support (fake v1): CFQ's file at the root, memsw: both");
  /* issue 16: swappiness, kernel memory, real-time cpu and the parent's real-time budget */
  TAP_OK(!s.swappiness && !s.kmem && !s.cpu_rt, "support (fake v1): no swappiness, kmem, rt");
  TAP_OK(cgroup_support_rt_runtime("/tinydocker") == -1, "rt runtime (fake v1): no file: -1");
  autofree char *cpu = xasprintf("%s/cpu", dir);
  autofree char *cpu_td = xasprintf("%s/cpu/tinydocker", dir);
  mkdir_p(cpu, 0755, &e);
  fake_file(mem, "memory.swappiness", "60");
  fake_file(mem, "memory.kmem.limit_in_bytes", "");
  fake_file(cpu, "cpu.rt_period_us", "1000000");
  fake_file(cpu, "cpu.rt_runtime_us", "950000\n");
  cgroup_support_probe(NULL, &s);
  TAP_OK(s.swappiness && s.kmem && s.cpu_rt, "support (fake v1): swappiness, kmem, rt");
  TAP_OK(cgroup_support_rt_runtime("/") == 950000, "rt runtime (fake v1): the root's");
  TAP_OK(cgroup_support_rt_runtime("/tinydocker") == 0, "rt runtime (fake v1): not made yet: 0");
  mkdir_p(cpu_td, 0755, &e);
  fake_file(cpu_td, "cpu.rt_runtime_us", "1000\n");
  TAP_OK(cgroup_support_rt_runtime("/tinydocker") == 1000, "rt runtime (fake v1): the parent's");
  setenv("TINYRUN_CGROUP_MODE", "v2", 1);
  fake_file(dir, "cgroup.controllers", "cpuset cpu memory pids\n");
  cgroup_support_probe("tinydocker", &s);
  TAP_OK(s.v2 && s.cpuset && s.pids && !s.blkio_weight, "support (fake v2): no io, no weights");
  fake_file(dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
  cgroup_support_probe("tinydocker", &s);
  TAP_OK(s.blkio_weight && s.blkio_throttle, "support (fake v2): io: weights and throttles");
  TAP_OK(!s.swappiness && !s.kmem && !s.cpu_rt, "support (fake v2): no swappiness, kmem, rt");
  unsetenv("TINYRUN_CGROUP_ROOT");
  unsetenv("TINYRUN_CGROUP_MODE");
  rm_rf(dir, &e);
}

int main(void)
{
  test_resolve();
  test_conversions();
  test_controllers();
  test_swap();
  test_cpuset();
  test_bpf();
  test_v2_fake();
  test_v1_blkio_fake();
  test_support_fake();
  return TAP_DONE();
}
