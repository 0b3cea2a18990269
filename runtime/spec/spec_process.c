/* config.json "process": args, env, cwd, user, capabilities, rlimits and the rest. */
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "runtime/spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

struct name_val {
  const char *name;
  int value;
};

static const struct name_val rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

/* values of linux/ioprio.h and linux/sched.h, spelled out to avoid header clashes */
static const struct name_val ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

static const struct name_val sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};

static const struct name_val sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static int lookup(const struct name_val *t, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0)
      return t[i].value;
  return -1;
}

/* A required string member naming one entry of a table. */
static int parse_enum(json_t *j, const struct sp *p, const char *key, const struct name_val *t,
                      size_t n, const char *what, int *out, struct td_err **err)
{
  autofree char *s = NULL;
  int r = sj_str(j, p, key, &s, err);
  if (r < 0)
    return -1;
  struct sp c = SP_KEY(p, key);
  if (r == 0)
    return sp_err(err, &c, "is required");
  int v = lookup(t, n, s);
  if (v < 0)
    return sp_err(err, &c, "unknown %s \"%s\"", what, s);
  *out = v;
  return 0;
}

static int parse_console_size(json_t *j, const struct sp *p, struct spec_process *out,
                              struct td_err **err)
{
  json_t *cs = NULL;
  int r = sj_obj(j, p, "consoleSize", &cs, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "consoleSize");
  uint32_t h = 0, w = 0;
  if (sj_u32(cs, &c, "height", &h, err) < 0 || sj_u32(cs, &c, "width", &w, err) < 0)
    return -1;
  out->has_console_size = true;
  out->console_height = h;
  out->console_width = w;
  return 0;
}

static int parse_user(json_t *j, const struct sp *p, struct spec_user *u, struct td_err **err)
{
  json_t *uj = NULL;
  int r = sj_obj(j, p, "user", &uj, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "user");
  if (sj_u32(uj, &c, "uid", &u->uid, err) < 0 || sj_u32(uj, &c, "gid", &u->gid, err) < 0)
    return -1;
  r = sj_u32(uj, &c, "umask", &u->umask, err);
  if (r < 0)
    return -1;
  if (r > 0 && u->umask > 0777)
    return sp_err(err, &(struct sp){.parent = &c, .key = "umask"}, "%u is not a valid umask",
                  u->umask);
  u->has_umask = r > 0;
  if (sj_str(uj, &c, "username", &u->username, err) < 0)
    return -1;
  json_t *gids = NULL;
  r = sj_arr(uj, &c, "additionalGids", &gids, err);
  if (r <= 0)
    return r;
  struct sp cg = SP_KEY(&c, "additionalGids");
  size_t n = json_array_size(gids);
  u->additional_gids = xcalloc(n ? n : 1, sizeof(gid_t));
  for (size_t i = 0; i < n; i++) {
    json_t *g = json_array_get(gids, i);
    struct sp ci = SP_IDX(&cg, i);
    if (!json_is_integer(g) || json_integer_value(g) < 0 ||
        json_integer_value(g) > (json_int_t)UINT32_MAX)
      return sp_err(err, &ci, "must be a group id (0..4294967295)");
    u->additional_gids[i] = (gid_t)json_integer_value(g);
  }
  u->n_additional_gids = n;
  return 0;
}

static int parse_cap_set(json_t *caps, const struct sp *p, const char *key, uint64_t *out,
                         struct td_err **err)
{
  autostrv char **names = NULL;
  int r = sj_strv(caps, p, key, &names, err);
  if (r <= 0)
    return r;
  for (char **n = names; *n; n++) {
    cap_value_t v;
    /* unknown names are skipped, as runc does, so that newer profiles keep working */
    if (cap_from_name(*n, &v) == 0 && v >= 0 && v < 64)
      *out |= UINT64_C(1) << v;
  }
  return 0;
}

static int parse_caps(json_t *j, const struct sp *p, struct spec_caps *caps, struct td_err **err)
{
  json_t *cj = NULL;
  int r = sj_obj(j, p, "capabilities", &cj, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "capabilities");
  caps->present = true;
  if (parse_cap_set(cj, &c, "bounding", &caps->bounding, err) < 0 ||
      parse_cap_set(cj, &c, "effective", &caps->effective, err) < 0 ||
      parse_cap_set(cj, &c, "inheritable", &caps->inheritable, err) < 0 ||
      parse_cap_set(cj, &c, "permitted", &caps->permitted, err) < 0 ||
      parse_cap_set(cj, &c, "ambient", &caps->ambient, err) < 0)
    return -1;
  return 0;
}

static int parse_rlimits(json_t *j, const struct sp *p, struct spec_process *out,
                         struct td_err **err)
{
  json_t *arr = NULL;
  int r = sj_arr(j, p, "rlimits", &arr, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "rlimits");
  size_t n = json_array_size(arr);
  out->rlimits = xcalloc(n ? n : 1, sizeof(*out->rlimits));
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(&c, i);
    struct spec_rlimit *rl = &out->rlimits[i];
    if (sj_want_obj(e, &ci, err) < 0 ||
        parse_enum(e, &ci, "type", rlimit_names, N_ELEM(rlimit_names), "rlimit", &rl->resource,
                   err) < 0)
      return -1;
    for (size_t k = 0; k < i; k++)
      if (out->rlimits[k].resource == rl->resource)
        return sp_err(err, &(struct sp){.parent = &ci, .key = "type"}, "duplicate rlimit \"%s\"",
                      json_string_value(json_object_get(e, "type")));
    if (sj_u64(e, &ci, "soft", &rl->soft, err) < 0 || sj_u64(e, &ci, "hard", &rl->hard, err) < 0)
      return -1;
    /* setrlimit refuses it (EINVAL) in the init, after the namespaces are made */
    if (rl->soft > rl->hard)
      return sp_err(err, &ci, "%s: soft limit %llu is greater than the hard limit %llu",
                    json_string_value(json_object_get(e, "type")), (unsigned long long)rl->soft,
                    (unsigned long long)rl->hard);
    out->n_rlimits = i + 1;
  }
  return 0;
}

static int parse_io_priority(json_t *j, const struct sp *p, struct spec_process *out,
                             struct td_err **err)
{
  json_t *io = NULL;
  int r = sj_obj(j, p, "ioPriority", &io, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "ioPriority");
  if (parse_enum(io, &c, "class", ioprio_classes, N_ELEM(ioprio_classes), "I/O priority class",
                 &out->io_priority_class, err) < 0)
    return -1;
  int64_t prio = 0;
  if (sj_i64(io, &c, "priority", 0, 7, &prio, err) < 0)
    return -1;
  out->io_priority = (int)prio;
  out->has_io_priority = true;
  return 0;
}

static int parse_scheduler(json_t *j, const struct sp *p, struct spec_process *out,
                           struct td_err **err)
{
  json_t *sj = NULL;
  int r = sj_obj(j, p, "scheduler", &sj, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "scheduler");
  if (parse_enum(sj, &c, "policy", sched_policies, N_ELEM(sched_policies), "scheduler policy",
                 &out->scheduler.policy, err) < 0)
    return -1;
  int64_t nice = 0, prio = 0;
  if (sj_i64(sj, &c, "nice", -20, 19, &nice, err) < 0 ||
      sj_i64(sj, &c, "priority", INT32_MIN, INT32_MAX, &prio, err) < 0 ||
      sj_u64(sj, &c, "runtime", &out->scheduler.runtime, err) < 0 ||
      sj_u64(sj, &c, "deadline", &out->scheduler.deadline, err) < 0 ||
      sj_u64(sj, &c, "period", &out->scheduler.period, err) < 0)
    return -1;
  out->scheduler.nice = (int32_t)nice;
  out->scheduler.priority = (int32_t)prio;
  autostrv char **flags = NULL;
  if (sj_strv(sj, &c, "flags", &flags, err) < 0)
    return -1;
  struct sp cf = SP_KEY(&c, "flags");
  for (size_t i = 0; flags && flags[i]; i++) {
    int f = lookup(sched_flags, N_ELEM(sched_flags), flags[i]);
    if (f < 0)
      return sp_err(err, &(struct sp){.parent = &cf, .index = i}, "unknown scheduler flag \"%s\"",
                    flags[i]);
    out->scheduler.flags |= (uint64_t)f;
  }
  out->has_scheduler = true;
  return 0;
}

static int parse_cpu_affinity(json_t *j, const struct sp *p, struct spec_process *out,
                              struct td_err **err)
{
  json_t *a = NULL;
  int r = sj_obj(j, p, "execCPUAffinity", &a, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "execCPUAffinity");
  if (sj_str(a, &c, "initial", &out->exec_cpu_affinity_initial, err) < 0 ||
      sj_str(a, &c, "final", &out->exec_cpu_affinity_final, err) < 0)
    return -1;
  const char *lists[] = {out->exec_cpu_affinity_initial, out->exec_cpu_affinity_final};
  const char *keys[] = {"initial", "final"};
  for (int i = 0; i < 2; i++)
    if (lists[i] && (lists[i][0] == 0 || strspn(lists[i], "0123456789,-") != strlen(lists[i])))
      return sp_err(err, &(struct sp){.parent = &c, .key = keys[i]}, "\"%s\" is not a cpu list",
                    lists[i]);
  return 0;
}

static int parse_args_env_cwd(json_t *j, const struct sp *p, struct spec_process *out,
                              struct td_err **err)
{
  int r = sj_strv(j, p, "args", &out->args, err);
  if (r < 0)
    return -1;
  if (r == 0 || out->args[0] == NULL)
    return sp_err(err, &(struct sp){.parent = p, .key = "args"},
                  "is required and must not be empty");
  if (sj_strv(j, p, "env", &out->env, err) < 0)
    return -1;
  struct sp ce = SP_KEY(p, "env");
  for (size_t i = 0; out->env && out->env[i]; i++)
    if (strchr(out->env[i], '=') == NULL || out->env[i][0] == '=')
      return sp_err(err, &(struct sp){.parent = &ce, .index = i}, "\"%s\" is not in KEY=VALUE form",
                    out->env[i]);
  r = sj_str(j, p, "cwd", &out->cwd, err);
  if (r < 0)
    return -1;
  struct sp cc = SP_KEY(p, "cwd");
  if (r == 0)
    return sp_err(err, &cc, "is required");
  if (out->cwd[0] != '/')
    return sp_err(err, &cc, "\"%s\" is not an absolute path", out->cwd);
  return 0;
}

int spec_parse_process(json_t *j, const struct sp *p, struct spec_process *out, struct td_err **err)
{
  if (sj_want_obj(j, p, err) < 0)
    return -1;
  if (sj_bool(j, p, "terminal", &out->terminal, err) < 0 ||
      parse_console_size(j, p, out, err) < 0 || parse_args_env_cwd(j, p, out, err) < 0 ||
      parse_user(j, p, &out->user, err) < 0 || parse_caps(j, p, &out->caps, err) < 0 ||
      parse_rlimits(j, p, out, err) < 0 ||
      sj_bool(j, p, "noNewPrivileges", &out->no_new_privileges, err) < 0 ||
      sj_str(j, p, "apparmorProfile", &out->apparmor_profile, err) < 0 ||
      sj_str(j, p, "selinuxLabel", &out->selinux_label, err) < 0 ||
      parse_io_priority(j, p, out, err) < 0 || parse_scheduler(j, p, out, err) < 0 ||
      parse_cpu_affinity(j, p, out, err) < 0)
    return -1;
  int64_t adj = 0;
  int r = sj_i64(j, p, "oomScoreAdj", -1000, 1000, &adj, err);
  if (r < 0)
    return -1;
  out->has_oom_score_adj = r > 0;
  out->oom_score_adj = (int)adj;
  return 0;
}

int spec_process_from_json(json_t *j, struct spec_process **out, struct td_err **err)
{
  struct spec_process *p = xcalloc(1, sizeof(*p));
  struct sp root = SP_KEY(NULL, "process");
  if (spec_parse_process(j, &root, p, err) < 0) {
    spec_process_free(p);
    return -1;
  }
  *out = p;
  return 0;
}
