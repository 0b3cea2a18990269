/* cgroup v2 device filter: an eBPF program assembled here, loaded with bpf(2). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup_bpf.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define INSN(c, d, s, o, i)                                                                        \
  ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_K(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define ALU64_K(op, dst, imm) INSN(BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOV64_X(dst, src) INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JNE_K(dst, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers after the prologue: the device type, the access asked, major, minor. */
enum { R_TYPE = 2, R_ACC = 3, R_MAJ = 4, R_MIN = 5, R_TMP = 1 };

struct prog {
  struct bpf_insn *v;
  size_t n, cap;
};

static void emit(struct prog *p, struct bpf_insn i)
{
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 64;
    p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
  }
  p->v[p->n++] = i;
}

static int access_bits(const char *acc)
{
  if (!*acc)
    return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
  int bits = 0;
  for (const char *c = acc; *c; c++)
    bits |= *c == 'r' ? BPF_DEVCG_ACC_READ : *c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return bits;
}

/* One rule: each test jumps past the block when it does not match. Returns whether the rule
 * matches everything (then nothing after it can run, and the verifier refuses dead code). */
static bool emit_rule(struct prog *p, const struct spec_device_rule *r)
{
  size_t start = p->n;
  const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
  int acc = access_bits(r->access);
  if (r->type == 'c' || r->type == 'b')
    emit(p, JNE_K(R_TYPE, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0));
  if (acc != all) {
    /* the rule matches when every access asked is in its set */
    emit(p, MOV64_X(R_TMP, R_ACC));
    emit(p, ALU64_K(BPF_AND, R_TMP, ~acc & all));
    emit(p, JNE_K(R_TMP, 0, 0));
  }
  if (r->major >= 0)
    emit(p, JNE_K(R_MAJ, (int32_t)r->major, 0));
  if (r->minor >= 0)
    emit(p, JNE_K(R_MIN, (int32_t)r->minor, 0));
  bool unconditional = p->n == start;
  emit(p, ALU64_K(BPF_MOV, 0, r->allow ? 1 : 0));
  emit(p, EXIT_INSN());
  for (size_t i = start; i < p->n; i++)
    if (p->v[i].code == (BPF_JMP | BPF_JNE | BPF_K))
      p->v[i].off = (int16_t)(p->n - i - 1);
  return unconditional;
}

int cg_bpf_devices_prog(const struct spec_device_rule *rules, size_t n, struct bpf_insn **out,
                        size_t *n_out, struct td_err **err)
{
  for (size_t i = 0; i < n; i++) {
    const struct spec_device_rule *r = &rules[i];
    if (r->type != 'a' && r->type != 'c' && r->type != 'b' && r->type != 'p')
      return err_set(err, EINVAL, "linux.resources.devices[%zu]: bad type '%c'", i, r->type);
    if (r->major > INT32_MAX || r->minor > INT32_MAX)
      return err_set(err, EINVAL, "linux.resources.devices[%zu]: major/minor out of range", i);
    if (strspn(r->access, "rwm") != strlen(r->access))
      return err_set(err, EINVAL, "linux.resources.devices[%zu]: bad access '%s'", i, r->access);
  }
  struct prog p = {0};
  /* struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, then major, minor */
  emit(&p, LDX_W(R_TYPE, 1, 0));
  emit(&p, ALU32_K(BPF_AND, R_TYPE, 0xffff));
  emit(&p, LDX_W(R_ACC, 1, 0));
  emit(&p, ALU32_K(BPF_RSH, R_ACC, 16));
  emit(&p, LDX_W(R_MAJ, 1, 4));
  emit(&p, LDX_W(R_MIN, 1, 8));
  /* the last matching rule wins: test the rules from the end */
  bool done = false;
  for (size_t i = n; i-- > 0 && !done;)
    if (rules[i].type != 'p') /* fifos are not device-controlled; runc skips them too */
      done = emit_rule(&p, &rules[i]);
  if (!done) {
    emit(&p, ALU64_K(BPF_MOV, 0, 0));
    emit(&p, EXIT_INSN());
  }
  *out = p.v;
  *n_out = p.n;
  return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
  return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int prog_load(const struct bpf_insn *insns, size_t n, struct td_err **err)
{
  static char log[4096];
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t)(uintptr_t)insns;
  a.insn_cnt = (uint32_t)n;
  a.license = (uint64_t)(uintptr_t) "Apache-2.0";
  int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd;
  int saved = errno;
  /* again with the verifier's log, only to explain the failure */
  a.log_buf = (uint64_t)(uintptr_t)log;
  a.log_size = sizeof(log);
  a.log_level = 1;
  log[0] = '\0';
  fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd;
  char *nl = strrchr(log, '\n');
  while (nl && nl > log && nl[1] == '\0') {
    *nl = '\0';
    nl = strrchr(log, '\n');
  }
  return err_set(err, saved, "load device BPF program (%zu insns)%s%s", n, log[0] ? ": " : "",
                 nl ? nl + 1 : log);
}

static int query(int cgroup_fd, uint32_t *ids, uint32_t *cnt)
{
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.query.target_fd = (uint32_t)cgroup_fd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uint64_t)(uintptr_t)ids;
  a.query.prog_cnt = *cnt;
  if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
    return -1;
  *cnt = a.query.prog_cnt;
  return 0;
}

int cg_bpf_devices_count(int cgroup_fd)
{
  uint32_t ids[64], cnt = 64;
  return query(cgroup_fd, ids, &cnt) < 0 ? -1 : (int)cnt;
}

static void detach_id(int cgroup_fd, uint32_t id)
{
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.prog_id = id;
  autoclose int pfd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
  if (pfd < 0)
    return;
  memset(&a, 0, sizeof(a));
  a.target_fd = (uint32_t)cgroup_fd;
  a.attach_bpf_fd = (uint32_t)pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  sys_bpf(BPF_PROG_DETACH, &a);
}

int cg_bpf_devices_attach(int cgroup_fd, const struct spec_device_rule *rules, size_t n,
                          struct td_err **err)
{
  autofree struct bpf_insn *insns = NULL;
  size_t ni = 0;
  if (cg_bpf_devices_prog(rules, n, &insns, &ni, err) < 0)
    return -1;
  uint32_t old[64], n_old = 64;
  if (query(cgroup_fd, old, &n_old) < 0)
    n_old = 0;
  autoclose int pfd = prog_load(insns, ni, err);
  if (pfd < 0)
    return -1;
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.target_fd = (uint32_t)cgroup_fd;
  a.attach_bpf_fd = (uint32_t)pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
    return err_set(err, errno, "attach device BPF program");
  /* the new program is in force: the old ones can go */
  for (uint32_t i = 0; i < n_old && i < 64; i++)
    detach_id(cgroup_fd, old[i]);
  return 0;
}
