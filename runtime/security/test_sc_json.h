/* Test-only: a linux.seccomp JSON object to struct spec_seccomp (the real parser is
 * runtime/spec's; this keeps the security tests independent of it). */
#pragma once
#include <string.h>

#include "runtime/spec/spec.h"
#include "util/xalloc.h"

static inline enum spec_seccomp_action tsc_action(const char *s)
{
  static const char *const n[] = {"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                  "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                                  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
  for (unsigned i = 0; i < sizeof(n) / sizeof(n[0]); i++)
    if (strcmp(s, n[i]) == 0)
      return (enum spec_seccomp_action)i;
  return SPEC_SCMP_KILL_PROCESS;
}

static inline enum spec_seccomp_op tsc_op(const char *s)
{
  static const char *const n[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  for (unsigned i = 0; i < sizeof(n) / sizeof(n[0]); i++)
    if (strcmp(s, n[i]) == 0)
      return (enum spec_seccomp_op)i;
  return SPEC_SCMP_CMP_EQ;
}

static inline char **tsc_strv(json_t *a)
{
  char **v = xcalloc(json_array_size(a) + 1, sizeof(char *));
  for (size_t i = 0; i < json_array_size(a); i++)
    v[i] = xstrdup(json_string_value(json_array_get(a, i)));
  return v;
}

static inline void tsc_strv_free(char **v)
{
  for (char **p = v; p && *p; p++)
    free(*p);
  free(v);
}

static inline struct spec_seccomp *tsc_from_json(json_t *j)
{
  struct spec_seccomp *sc = xcalloc(1, sizeof(*sc));
  sc->default_action = tsc_action(json_string_value(json_object_get(j, "defaultAction")));
  json_t *r = json_object_get(j, "defaultErrnoRet");
  sc->has_default_errno_ret = r != NULL;
  sc->default_errno_ret = (uint32_t)json_integer_value(r);
  if (json_object_get(j, "architectures"))
    sc->architectures = tsc_strv(json_object_get(j, "architectures"));
  size_t fi;
  json_t *fl;
  json_array_foreach (json_object_get(j, "flags"), fi, fl) {
    const char *f = json_string_value(fl);
    if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
      sc->flags |= SPEC_SECCOMP_FLAG_LOG;
    else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
      sc->flags |= SPEC_SECCOMP_FLAG_SPEC_ALLOW;
    else if (strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
      sc->flags |= SPEC_SECCOMP_FLAG_WAIT_KILLABLE_RECV;
  }
  sc->listener_path = xstrdup(json_string_value(json_object_get(j, "listenerPath")));
  sc->listener_metadata = xstrdup(json_string_value(json_object_get(j, "listenerMetadata")));
  json_t *calls = json_object_get(j, "syscalls");
  sc->n_syscalls = json_array_size(calls);
  sc->syscalls = xcalloc(sc->n_syscalls + 1, sizeof(*sc->syscalls));
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    json_t *c = json_array_get(calls, i);
    struct spec_seccomp_syscall *s = &sc->syscalls[i];
    s->names = tsc_strv(json_object_get(c, "names"));
    s->action = tsc_action(json_string_value(json_object_get(c, "action")));
    json_t *e = json_object_get(c, "errnoRet");
    s->has_errno_ret = e != NULL;
    s->errno_ret = (uint32_t)json_integer_value(e);
    json_t *args = json_object_get(c, "args");
    s->n_args = json_array_size(args);
    s->args = xcalloc(s->n_args + 1, sizeof(*s->args));
    for (size_t k = 0; k < s->n_args; k++) {
      json_t *a = json_array_get(args, k);
      s->args[k].index = (uint32_t)json_integer_value(json_object_get(a, "index"));
      s->args[k].value = (uint64_t)json_integer_value(json_object_get(a, "value"));
      s->args[k].value_two = (uint64_t)json_integer_value(json_object_get(a, "valueTwo"));
      s->args[k].op = tsc_op(json_string_value(json_object_get(a, "op")));
    }
  }
  return sc;
}

static inline void tsc_free(struct spec_seccomp *sc)
{
  if (!sc)
    return;
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    tsc_strv_free(sc->syscalls[i].names);
    free(sc->syscalls[i].args);
  }
  free(sc->syscalls);
  tsc_strv_free(sc->architectures);
  free(sc->listener_path);
  free(sc->listener_metadata);
  free(sc);
}

/* Parse a JSON text (tests write small profiles inline). */
static inline struct spec_seccomp *tsc_from_text(const char *txt)
{
  json_t *j = json_loads(txt, 0, NULL);
  if (!j)
    return NULL;
  struct spec_seccomp *sc = tsc_from_json(j);
  json_decref(j);
  return sc;
}
