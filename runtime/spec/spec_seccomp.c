/* config.json "linux.seccomp": actions, operators, flags and architectures checked by name;
 * syscall and architecture names stay strings (the security module resolves them). */
#include <string.h>

#include "runtime/spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

struct name_val {
  const char *name;
  int value;
};

static const struct name_val actions[] = {
    {"SCMP_ACT_KILL", SPEC_SCMP_KILL},
    {"SCMP_ACT_KILL_PROCESS", SPEC_SCMP_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SPEC_SCMP_KILL_THREAD},
    {"SCMP_ACT_TRAP", SPEC_SCMP_TRAP},
    {"SCMP_ACT_ERRNO", SPEC_SCMP_ERRNO},
    {"SCMP_ACT_TRACE", SPEC_SCMP_TRACE},
    {"SCMP_ACT_ALLOW", SPEC_SCMP_ALLOW},
    {"SCMP_ACT_LOG", SPEC_SCMP_LOG},
    {"SCMP_ACT_NOTIFY", SPEC_SCMP_NOTIFY},
};

static const struct name_val ops[] = {
    {"SCMP_CMP_NE", SPEC_SCMP_CMP_NE},
    {"SCMP_CMP_LT", SPEC_SCMP_CMP_LT},
    {"SCMP_CMP_LE", SPEC_SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SPEC_SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SPEC_SCMP_CMP_GE},
    {"SCMP_CMP_GT", SPEC_SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SPEC_SCMP_CMP_MASKED_EQ},
};

static const struct name_val flags[] = {
    {"SECCOMP_FILTER_FLAG_LOG", SPEC_SECCOMP_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SPEC_SECCOMP_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SPEC_SECCOMP_FLAG_WAIT_KILLABLE_RECV},
    {"SECCOMP_FILTER_FLAG_TSYNC", SPEC_SECCOMP_FLAG_TSYNC},
};

const char *const spec_seccomp_archs[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *spec_seccomp_action_name(enum spec_seccomp_action a)
{
  for (size_t i = 0; i < N_ELEM(actions); i++)
    if (actions[i].value == (int)a)
      return actions[i].name;
  return NULL;
}

const char *spec_seccomp_op_name(enum spec_seccomp_op op)
{
  for (size_t i = 0; i < N_ELEM(ops); i++)
    if (ops[i].value == (int)op)
      return ops[i].name;
  return NULL;
}

const char *spec_seccomp_flag_name(unsigned flag)
{
  for (size_t i = 0; i < N_ELEM(flags); i++)
    if ((unsigned)flags[i].value == flag)
      return flags[i].name;
  return NULL;
}

static int lookup(const struct name_val *t, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0)
      return t[i].value;
  return -1;
}

static int parse_named(json_t *j, const struct sp *p, const char *key, const struct name_val *t,
                       size_t n, const char *what, int *out, struct td_err **err)
{
  autofree char *s = NULL;
  int r = sj_str(j, p, key, &s, err);
  struct sp c = SP_KEY(p, key);
  if (r < 0)
    return -1;
  if (r == 0)
    return sp_err(err, &c, "is required");
  int v = lookup(t, n, s);
  if (v < 0)
    return sp_err(err, &c, "unknown seccomp %s \"%s\"", what, s);
  *out = v;
  return 0;
}

/* errnoRet carries the value of SCMP_ACT_ERRNO and SCMP_ACT_TRACE only */
static int parse_errno_ret(json_t *j, const struct sp *p, const char *key, int action, bool *has,
                           uint32_t *out, struct td_err **err)
{
  int r = sj_u32(j, p, key, out, err);
  if (r < 0)
    return -1;
  *has = r > 0;
  if (r > 0 && action != SPEC_SCMP_ERRNO && action != SPEC_SCMP_TRACE)
    return sp_err(err, &(struct sp){.parent = p, .key = key},
                  "is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  return 0;
}

static int parse_arg(json_t *e, const struct sp *p, struct spec_seccomp_arg *a, struct td_err **err)
{
  int r, op;
  if (sj_want_obj(e, p, err) < 0 || (r = sj_u32(e, p, "index", &a->index, err)) < 0)
    return -1;
  if (r == 0)
    return sp_err(err, &(struct sp){.parent = p, .key = "index"}, "is required");
  if (a->index > 5)
    return sp_err(err, &(struct sp){.parent = p, .key = "index"}, "%u is out of range [0, 5]",
                  a->index);
  if ((r = sj_u64(e, p, "value", &a->value, err)) < 0)
    return -1;
  if (r == 0)
    return sp_err(err, &(struct sp){.parent = p, .key = "value"}, "is required");
  if (sj_u64(e, p, "valueTwo", &a->value_two, err) < 0 ||
      parse_named(e, p, "op", ops, N_ELEM(ops), "operator", &op, err) < 0)
    return -1;
  a->op = (enum spec_seccomp_op)op;
  return 0;
}

static int parse_syscall(json_t *e, const struct sp *p, struct spec_seccomp_syscall *s,
                         struct td_err **err)
{
  int r, action;
  if (sj_want_obj(e, p, err) < 0 || (r = sj_strv(e, p, "names", &s->names, err)) < 0)
    return -1;
  if (r == 0 || s->names[0] == NULL)
    return sp_err(err, &(struct sp){.parent = p, .key = "names"},
                  "is required and must not be empty");
  if (parse_named(e, p, "action", actions, N_ELEM(actions), "action", &action, err) < 0)
    return -1;
  s->action = (enum spec_seccomp_action)action;
  if (parse_errno_ret(e, p, "errnoRet", action, &s->has_errno_ret, &s->errno_ret, err) < 0)
    return -1;
  json_t *args = NULL;
  if ((r = sj_arr(e, p, "args", &args, err)) <= 0)
    return r;
  struct sp ca = SP_KEY(p, "args");
  size_t n = json_array_size(args);
  s->args = xcalloc(n ? n : 1, sizeof(*s->args));
  s->n_args = n;
  for (size_t i = 0; i < n; i++) {
    struct sp ci = SP_IDX(&ca, i);
    if (parse_arg(json_array_get(args, i), &ci, &s->args[i], err) < 0)
      return -1;
  }
  return 0;
}

static int parse_archs_flags(json_t *j, const struct sp *p, struct spec_seccomp *sc,
                             struct td_err **err)
{
  autostrv char **fl = NULL;
  if (sj_strv(j, p, "architectures", &sc->architectures, err) < 0 ||
      sj_strv(j, p, "flags", &fl, err) < 0)
    return -1;
  struct sp ca = SP_KEY(p, "architectures"), cf = SP_KEY(p, "flags");
  for (size_t i = 0; sc->architectures && sc->architectures[i]; i++) {
    bool ok = false;
    for (const char *const *a = spec_seccomp_archs; *a && !ok; a++)
      ok = strcmp(*a, sc->architectures[i]) == 0;
    if (!ok)
      return sp_err(err, &(struct sp){.parent = &ca, .index = i},
                    "unknown seccomp architecture \"%s\"", sc->architectures[i]);
  }
  for (size_t i = 0; fl && fl[i]; i++) {
    int f = lookup(flags, N_ELEM(flags), fl[i]);
    if (f < 0)
      return sp_err(err, &(struct sp){.parent = &cf, .index = i}, "unknown seccomp flag \"%s\"",
                    fl[i]);
    sc->flags |= (unsigned)f;
  }
  return 0;
}

int spec_parse_seccomp(json_t *j, const struct sp *p, struct spec_seccomp *sc, struct td_err **err)
{
  int action, r;
  if (parse_named(j, p, "defaultAction", actions, N_ELEM(actions), "action", &action, err) < 0)
    return -1;
  sc->default_action = (enum spec_seccomp_action)action;
  if (parse_errno_ret(j, p, "defaultErrnoRet", action, &sc->has_default_errno_ret,
                      &sc->default_errno_ret, err) < 0 ||
      parse_archs_flags(j, p, sc, err) < 0 ||
      sj_str(j, p, "listenerPath", &sc->listener_path, err) < 0 ||
      sj_str(j, p, "listenerMetadata", &sc->listener_metadata, err) < 0)
    return -1;
  json_t *arr = NULL;
  if ((r = sj_arr(j, p, "syscalls", &arr, err)) < 0)
    return -1;
  struct sp cs = SP_KEY(p, "syscalls");
  size_t n = json_array_size(arr);
  sc->syscalls = xcalloc(n ? n : 1, sizeof(*sc->syscalls));
  bool notify = sc->default_action == SPEC_SCMP_NOTIFY;
  for (size_t i = 0; i < n; i++) {
    struct sp ci = SP_IDX(&cs, i);
    sc->n_syscalls = i + 1;
    if (parse_syscall(json_array_get(arr, i), &ci, &sc->syscalls[i], err) < 0)
      return -1;
    notify |= sc->syscalls[i].action == SPEC_SCMP_NOTIFY;
  }
  if (notify && sc->listener_path == NULL)
    return sp_err(err, &(struct sp){.parent = p, .key = "listenerPath"},
                  "is required when SCMP_ACT_NOTIFY is used");
  if (sc->listener_path && sc->listener_path[0] != '/')
    return sp_err(err, &(struct sp){.parent = p, .key = "listenerPath"},
                  "\"%s\" is not an absolute path", sc->listener_path);
  return 0;
}
