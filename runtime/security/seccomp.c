/* linux.seccomp compiled with libseccomp into a BPF program, loaded with seccomp(2) so that
 * every kernel flag (TSYNC, LOG, SPEC_ALLOW, NEW_LISTENER, WAIT_KILLABLE_RECV) is ours to
 * pass, whatever the libseccomp version; and the notify fd sent to listenerPath. */
#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/security/security.h"
#include "runtime/security/security_int.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/rawsys.h"
#include "util/xalloc.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

static uint32_t seccomp_action(enum spec_seccomp_action a, bool has_ret, uint32_t ret)
{
  uint32_t r = has_ret ? ret : EPERM;
  switch (a) {
  case SPEC_SCMP_KILL:
  case SPEC_SCMP_KILL_THREAD:
    return SCMP_ACT_KILL_THREAD;
  case SPEC_SCMP_KILL_PROCESS:
    return SCMP_ACT_KILL_PROCESS;
  case SPEC_SCMP_TRAP:
    return SCMP_ACT_TRAP;
  case SPEC_SCMP_ERRNO:
    return SCMP_ACT_ERRNO(r);
  case SPEC_SCMP_TRACE:
    return SCMP_ACT_TRACE(r);
  case SPEC_SCMP_ALLOW:
    return SCMP_ACT_ALLOW;
  case SPEC_SCMP_LOG:
    return SCMP_ACT_LOG;
  case SPEC_SCMP_NOTIFY:
    return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

static enum scmp_compare seccomp_op(enum spec_seccomp_op op)
{
  switch (op) {
  case SPEC_SCMP_CMP_NE:
    return SCMP_CMP_NE;
  case SPEC_SCMP_CMP_LT:
    return SCMP_CMP_LT;
  case SPEC_SCMP_CMP_LE:
    return SCMP_CMP_LE;
  case SPEC_SCMP_CMP_EQ:
    return SCMP_CMP_EQ;
  case SPEC_SCMP_CMP_GE:
    return SCMP_CMP_GE;
  case SPEC_SCMP_CMP_GT:
    return SCMP_CMP_GT;
  case SPEC_SCMP_CMP_MASKED_EQ:
    return SCMP_CMP_MASKED_EQ;
  }
  return _SCMP_CMP_MIN;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token. */
static int seccomp_arch_add_name(scmp_filter_ctx ctx, const char *name, struct td_err **err)
{
  const char *n = strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
  char low[32];
  size_t i;
  for (i = 0; n[i] && i < sizeof(low) - 1; i++)
    low[i] = (char)tolower((unsigned char)n[i]);
  low[i] = 0;
  uint32_t arch = seccomp_arch_resolve_name(low);
  if (arch == 0 || n[i])
    return err_set(err, EINVAL, "seccomp: unknown architecture %s", name);
  int r = seccomp_arch_add(ctx, arch);
  if (r < 0 && r != -EEXIST)
    return err_set(err, -r, "seccomp: add architecture %s", name);
  return 0;
}

/* Several conditions on one rule are ANDed; but when two of them test the same argument,
 * each condition becomes a rule of its own (ORed), as runc does. */
static int seccomp_add_call(scmp_filter_ctx ctx, const char *name, uint32_t act,
                            const struct spec_seccomp_syscall *sc, struct td_err **err)
{
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    return 0; /* unknown to libseccomp or this kernel's arches: skipped, not an error */
  struct scmp_arg_cmp conds[6];
  unsigned counts[6] = {0};
  bool split = false;
  if (sc->n_args > 6)
    return err_set(err, EINVAL, "seccomp: syscall %s: more than 6 argument conditions", name);
  for (size_t i = 0; i < sc->n_args; i++) {
    const struct spec_seccomp_arg *a = &sc->args[i];
    if (a->index > 5)
      return err_set(err, EINVAL, "seccomp: syscall %s: argument index %u out of range", name,
                     a->index);
    if (++counts[a->index] > 1)
      split = true;
    conds[i] = (struct scmp_arg_cmp){
        .arg = a->index, .op = seccomp_op(a->op), .datum_a = a->value, .datum_b = a->value_two};
  }
  int r = 0;
  if (split) {
    for (size_t i = 0; i < sc->n_args && r >= 0; i++)
      r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[i]);
  } else {
    r = seccomp_rule_add_array(ctx, act, nr, (unsigned)sc->n_args, conds);
  }
  if (r < 0)
    return err_set(err, -r, "seccomp: add rule for syscall %s", name);
  return 0;
}

static unsigned seccomp_kernel_flags(const struct spec_seccomp *sc)
{
  unsigned f = SECCOMP_FILTER_FLAG_TSYNC;
  if (sc->flags & SPEC_SECCOMP_FLAG_LOG)
    f |= SECCOMP_FILTER_FLAG_LOG;
  if (sc->flags & SPEC_SECCOMP_FLAG_SPEC_ALLOW)
    f |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (sc->flags & SPEC_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
    f |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return f;
}

/* Highest syscall number libseccomp knows on the native architecture. */
static int seccomp_native_max(void)
{
  uint32_t arch = seccomp_arch_native();
  int max = -1;
  for (int nr = 0; nr < 1024; nr++) {
    char *n = seccomp_syscall_resolve_num_arch(arch, nr);
    if (n) {
      max = nr;
      free(n);
    }
  }
  return max;
}

/* A profile cannot name a syscall newer than its libseccomp: such syscalls answer ENOSYS
 * instead of the default errno, so that libc falls back to the older call as it does on
 * an older kernel (fchmodat2 -> fchmodat, ...). Only for an ERRNO default on the native
 * arch; x32 numbers (bit 30) are left to the filter. */
static void seccomp_prepend_enosys(struct security_seccomp *f)
{
  int max = seccomp_native_max();
  if (max < 0)
    return;
  struct sock_filter stub[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
  };
  size_t n = sizeof(stub) / sizeof(stub[0]);
  if ((size_t)f->len + n > BPF_MAXINSNS)
    return;
  struct sock_filter *p = xmalloc(((size_t)f->len + n) * sizeof(*p));
  memcpy(p, stub, sizeof(stub));
  memcpy(p + n, f->prog, (size_t)f->len * sizeof(*p));
  free(f->prog);
  f->prog = p;
  f->len = (unsigned short)(f->len + n);
}

/* The BPF program libseccomp generates, read back through a memfd. */
static int seccomp_export(scmp_filter_ctx ctx, struct security_seccomp *f, struct td_err **err)
{
  autoclose int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "seccomp: memfd_create");
  int r = seccomp_export_bpf(ctx, fd);
  if (r < 0)
    return err_set(err, -r, "seccomp: export the filter");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_set(err, errno, "seccomp: stat the exported filter");
  size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
  if (n == 0 || n > BPF_MAXINSNS)
    return err_set(err, E2BIG, "seccomp: filter has %zu instructions (max %d)", n, BPF_MAXINSNS);
  f->prog = xmalloc((size_t)st.st_size);
  if (pread(fd, f->prog, (size_t)st.st_size, 0) != st.st_size)
    return err_set(err, errno ? errno : EIO, "seccomp: read the exported filter");
  f->len = (unsigned short)n;
  return 0;
}

static int seccomp_fill(scmp_filter_ctx ctx, const struct spec_seccomp *sc, uint32_t def,
                        bool *notify, struct td_err **err)
{
  for (char **a = sc->architectures; a && *a; a++)
    if (seccomp_arch_add_name(ctx, *a, err) < 0)
      return -1;
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    const struct spec_seccomp_syscall *s = &sc->syscalls[i];
    uint32_t act = seccomp_action(s->action, s->has_errno_ret, s->errno_ret);
    if (act == def)
      continue; /* libseccomp refuses rules equal to the default; they change nothing */
    if (s->action == SPEC_SCMP_NOTIFY)
      *notify = true;
    for (char **n = s->names; n && *n; n++)
      if (seccomp_add_call(ctx, *n, act, s, err) < 0)
        return -1;
  }
  return 0;
}

int security_seccomp_build(const struct spec_seccomp *sc, struct security_seccomp **out,
                           struct td_err **err)
{
  *out = NULL;
  if (!sc)
    return 0;
  uint32_t def =
      seccomp_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret);
  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx)
    return err_set(err, EINVAL,
                   "seccomp: the kernel or libseccomp refuses default action "
                   "%#x",
                   def);
  /* a binary search on the syscall number instead of a list of ~400 compares: the kernel
   * runs the filter once per syscall number and architecture when it is loaded (to cache the
   * constant answers) and on every syscall that is not cached; docker's profile took ~2 ms
   * to load here as a list. Older libseccomp lacks the attribute: the list stays. */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  struct security_seccomp *f = xcalloc(1, sizeof(*f));
  f->notify = sc->default_action == SPEC_SCMP_NOTIFY;
  int r = seccomp_fill(ctx, sc, def, &f->notify, err);
  if (r == 0)
    r = seccomp_export(ctx, f, err);
  seccomp_release(ctx);
  if (r == 0 && sc->default_action == SPEC_SCMP_ERRNO)
    seccomp_prepend_enosys(f);
  if (r < 0) {
    security_seccomp_free(f);
    return -1;
  }
  f->flags = seccomp_kernel_flags(sc);
  if (f->notify)
    f->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  else
    f->flags &= ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; /* needs a listener */
  *out = f;
  return 0;
}

bool security_seccomp_has_notify(const struct security_seccomp *f)
{
  return f && f->notify;
}

void security_seccomp_free(struct security_seccomp *f)
{
  if (!f)
    return;
  free(f->prog);
  free(f);
}

static const char *seccomp_flag_names(unsigned flags, char *buf, size_t len)
{
  static const struct {
    unsigned f;
    const char *n;
  } names[] = {{SECCOMP_FILTER_FLAG_LOG, "SECCOMP_FILTER_FLAG_LOG"},
               {SECCOMP_FILTER_FLAG_SPEC_ALLOW, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
               {SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}};
  size_t o = 0;
  buf[0] = 0;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (!(flags & names[i].f))
      continue;
    size_t l = strlen(names[i].n);
    if (o + l + 2 >= len)
      break;
    if (o)
      buf[o++] = ',';
    memcpy(buf + o, names[i].n, l + 1);
    o += l;
  }
  return buf;
}

int security_seccomp_load_error(const struct security_seccomp *f, int errnum, struct td_err **err)
{
  char names[160];
  if (errnum == EINVAL && (f->flags & (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
                                       SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)))
    return err_set(err, errnum, "load seccomp filter: the kernel refuses flags %s",
                   seccomp_flag_names(f->flags, names, sizeof(names)));
  return err_set(err, errnum, "load seccomp filter");
}

size_t security_seccomp_copy_size(const struct security_seccomp *f)
{
  return f ? sizeof(*f) + (size_t)f->len * sizeof(struct sock_filter) : 0;
}

struct security_seccomp *security_seccomp_copy(const struct security_seccomp *f, void *buf)
{
  if (!f)
    return NULL;
  struct security_seccomp *c = buf;
  *c = *f;
  c->prog = (unsigned char *)buf + sizeof(*c);
  memcpy(c->prog, f->prog, (size_t)f->len * sizeof(struct sock_filter));
  return c;
}

/* The container process state runc sends (runtime-spec "seccomp listener"). */
static json_t *seccomp_process_state(const struct spec_seccomp *sc, const char *state_json,
                                     pid_t proc, struct td_err **err)
{
  json_error_t je;
  json_t *st = json_loads(state_json, 0, &je);
  if (!st || !json_is_object(st)) {
    json_decref(st);
    return err_set(err, EINVAL, "seccomp listener: bad state JSON: %s", je.text), NULL;
  }
  json_t *ver = json_object_get(st, "ociVersion");
  json_t *pid = json_object_get(st, "pid");
  autojson json_t *own = proc > 0 ? json_integer(proc) : NULL;
  return json_pack("{s:O?,s:[s],s:O?,s:s,s:o}", "ociVersion", ver, "fds", "seccompFd", "pid",
                   own ? own : pid, "metadata", sc->listener_metadata ? sc->listener_metadata : "",
                   "state", st);
}

int security_seccomp_send_listener(const struct spec_seccomp *sc, int listener_fd,
                                   const char *state_json, pid_t pid, struct td_err **err)
{
  if (!sc || !sc->listener_path || listener_fd < 0)
    return 0;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(sc->listener_path) >= sizeof(sa.sun_path))
    return err_set(err, ENAMETOOLONG, "seccomp listener path %s", sc->listener_path);
  memcpy(sa.sun_path, sc->listener_path, strlen(sc->listener_path) + 1);
  autojson json_t *msg = seccomp_process_state(sc, state_json, pid, err);
  if (!msg)
    return -1;
  autofree char *txt = json_dumps(msg, JSON_COMPACT);
  autoclose int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return err_set(err, errno, "seccomp listener: socket");
  if (RETRY_EINTR(connect(s, (struct sockaddr *)&sa, sizeof(sa))) < 0)
    return err_set(err, errno, "seccomp listener: connect to %s", sc->listener_path);
  if (fd_send(s, txt, strlen(txt), listener_fd) < 0)
    return err_set(err, errno, "seccomp listener: send to %s", sc->listener_path);
  return 0;
}
