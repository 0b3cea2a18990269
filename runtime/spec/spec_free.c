/* Releasing a parsed spec: every part frees what it owns; NULL-safe throughout. */
#include <stdlib.h>

#include "runtime/spec/spec_internal.h"
#include "util/strv.h"
#include "util/xalloc.h"

void spec_kv_free(struct spec_kv *kv, size_t n)
{
  for (size_t i = 0; kv && i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

void spec_process_clear(struct spec_process *p)
{
  strv_free(p->args);
  strv_free(p->env);
  free(p->cwd);
  free(p->user.additional_gids);
  free(p->user.username);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->selinux_label);
  free(p->exec_cpu_affinity_initial);
  free(p->exec_cpu_affinity_final);
}

void spec_process_free(struct spec_process *p)
{
  if (p == NULL)
    return;
  spec_process_clear(p);
  free(p);
}

void spec_mount_clear(struct spec_mount *m)
{
  free(m->destination);
  free(m->type);
  free(m->source);
  strv_free(m->options);
  free(m->data);
  free(m->uid_mappings);
  free(m->gid_mappings);
}

void spec_resources_clear(struct spec_resources *r)
{
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r->blkio.weight_device);
  free(r->blkio.throttle_read_bps);
  free(r->blkio.throttle_write_bps);
  free(r->blkio.throttle_read_iops);
  free(r->blkio.throttle_write_iops);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free(r->hugepage_limits[i].page_size);
  free(r->hugepage_limits);
  free(r->devices);
  for (size_t i = 0; i < r->network.n_priorities; i++)
    free(r->network.priorities[i].name);
  free(r->network.priorities);
  spec_kv_free(r->unified, r->n_unified);
}

void spec_resources_free(struct spec_resources *r)
{
  if (r == NULL)
    return;
  spec_resources_clear(r);
  free(r);
}

void spec_seccomp_clear(struct spec_seccomp *sc)
{
  strv_free(sc->architectures);
  free(sc->listener_path);
  free(sc->listener_metadata);
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    strv_free(sc->syscalls[i].names);
    free(sc->syscalls[i].args);
  }
  free(sc->syscalls);
}

static void linux_clear(struct spec_linux *l)
{
  for (int i = 0; i < NS_TYPE_COUNT; i++)
    free(l->ns[i].path);
  free(l->uid_mappings);
  free(l->gid_mappings);
  for (size_t i = 0; i < l->n_devices; i++)
    free(l->devices[i].path);
  free(l->devices);
  free(l->cgroups_path);
  spec_resources_free(l->resources);
  spec_kv_free(l->sysctl, l->n_sysctl);
  spec_kv_free(l->net_devices, l->n_net_devices);
  if (l->seccomp) {
    spec_seccomp_clear(l->seccomp);
    free(l->seccomp);
  }
  strv_free(l->masked_paths);
  strv_free(l->readonly_paths);
  free(l->mount_label);
}

void spec_free(struct spec *s)
{
  if (s == NULL)
    return;
  free(s->oci_version);
  free(s->root_path);
  free(s->hostname);
  free(s->domainname);
  for (size_t i = 0; i < s->n_mounts; i++)
    spec_mount_clear(&s->mounts[i]);
  free(s->mounts);
  spec_process_free(s->process);
  for (int k = 0; k < HOOK_KIND_COUNT; k++) {
    for (size_t i = 0; i < s->hooks[k].n; i++) {
      free(s->hooks[k].v[i].path);
      strv_free(s->hooks[k].v[i].args);
      strv_free(s->hooks[k].v[i].env);
    }
    free(s->hooks[k].v);
  }
  spec_kv_free(s->annotations, s->n_annotations);
  linux_clear(&s->linux_);
  free(s);
}

int spec_resources_from_json(json_t *j, struct spec_resources **out, struct td_err **err)
{
  struct sp root = SP_KEY(NULL, "resources");
  if (sj_want_obj(j, &root, err) < 0)
    return -1;
  struct spec_resources *r = xcalloc(1, sizeof(*r));
  if (spec_parse_resources(j, &root, r, err) < 0) {
    spec_resources_free(r);
    return -1;
  }
  *out = r;
  return 0;
}
