/* libFuzzer target: config.json bytes -> spec_from_json -> spec_validate -> spec_free, also
 * the process and resources entry points on the same document's members. Any crash, leak or
 * UB is a bug. The values that reach the kernel are checked on every spec the parser and the
 * validator let through (an abort() is a finding):
 * - sysctl: the key names one file beneath /proc/sys (a relative path of plain components,
 *   no "..", "." or empty one) of a namespace the container has;
 * - hostname/domainname: at most 64 bytes, and the spec has a UTS namespace;
 * - cwd, mount destinations, device paths: absolute; rlimits: soft <= hard;
 * - timeOffsets: a time namespace of its own; netDevices: a network namespace;
 *   id mappings: a user namespace. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(json_t *j);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* spec_load_file decodes documents with huge integers as doubles: fuzz both decodings */
  size_t flags[] = {0, JSON_DECODE_INT_AS_REAL};
  for (int i = 0; i < 2; i++) {
    json_t *j = json_loadb((const char *)data, size, flags[i], NULL);
    if (j)
      one(j);
  }
  return 0;
}

static void check_path(const char *rel)
{
  if (rel == NULL || strncmp(rel, "sys/", 4) != 0)
    abort();
  for (const char *c = rel + 4;;) {
    size_t n = strcspn(c, "/");
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      abort();
    if (c[n] == '\0')
      break;
    c += n + 1;
  }
}

static void check_process(const struct spec_process *p)
{
  if (p->cwd && p->cwd[0] != '/')
    abort();
  for (size_t i = 0; i < p->n_rlimits; i++)
    if (p->rlimits[i].soft > p->rlimits[i].hard)
      abort();
}

/* What a validated spec may hand to the kernel. */
static void check_valid(const struct spec *s)
{
  const struct spec_linux *l = &s->linux_;
  for (size_t i = 0; i < l->n_sysctl; i++) {
    char *rel = spec_sysctl_path(l->sysctl[i].key);
    check_path(rel);
    free(rel);
    int t = spec_sysctl_ns(l->sysctl[i].key);
    if (t < 0 || !l->ns[t].present)
      abort();
  }
  const char *names[2] = {s->hostname, s->domainname};
  for (int i = 0; i < 2; i++)
    if (names[i] && names[i][0] && (strlen(names[i]) > 64 || !l->ns[NS_UTS].present))
      abort();
  if (l->has_time_offsets && (!l->ns[NS_TIME].present || l->ns[NS_TIME].path))
    abort();
  if (l->n_net_devices && !l->ns[NS_NET].present)
    abort();
  if ((l->n_uid_mappings || l->n_gid_mappings) && !l->ns[NS_USER].present)
    abort();
}

static void check_parsed(const struct spec *s)
{
  if (s->process)
    check_process(s->process);
  for (size_t i = 0; i < s->n_mounts; i++)
    if (s->mounts[i].destination == NULL || s->mounts[i].destination[0] != '/')
      abort();
  for (size_t i = 0; i < s->linux_.n_devices; i++)
    if (s->linux_.devices[i].path == NULL || s->linux_.devices[i].path[0] != '/')
      abort();
  /* a key spec_sysctl_path takes is always a plain path beneath /proc/sys */
  for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
    char *rel = spec_sysctl_path(s->linux_.sysctl[i].key);
    if (rel)
      check_path(rel);
    free(rel);
  }
}

static void one(json_t *j)
{
  struct spec *s = NULL;
  struct td_err *err = NULL;
  if (spec_from_json(j, &s, &err) == 0) {
    check_parsed(s);
    if (spec_validate(s, &err) == 0)
      check_valid(s);
    else
      (void)err_text(err);
    err_free(&err);
    spec_free(s);
  } else {
    (void)err_text(err);
  }
  err_free(&err);
  json_t *p = json_object_get(j, "process");
  if (p) {
    struct spec_process *proc = NULL;
    if (spec_process_from_json(p, &proc, &err) == 0) {
      check_process(proc);
      spec_process_free(proc);
    }
    err_free(&err);
  }
  json_t *r = json_object_get(json_object_get(j, "linux"), "resources");
  if (r) {
    struct spec_resources *res = NULL;
    if (spec_resources_from_json(r, &res, &err) == 0)
      spec_resources_free(res);
    err_free(&err);
  }
  json_decref(j);
}
