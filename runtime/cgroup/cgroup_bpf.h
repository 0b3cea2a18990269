/* cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the OCI rules
 * (last matching rule wins, nothing matching is denied), loaded and attached by hand. */
#pragma once
#include <stddef.h>
#include <linux/bpf.h>

#include "runtime/spec/spec.h"
#include "util/err.h"

/* Build the program for rules (in config order); *out is malloc'd. */
int cg_bpf_devices_prog(const struct spec_device_rule *rules, size_t n, struct bpf_insn **out,
                        size_t *n_out, struct td_err **err);
/* Load the program and attach it to the cgroup dirfd (BPF_F_ALLOW_MULTI), then detach the
 * programs this cgroup had before, so an update replaces the rules atomically enough. */
int cg_bpf_devices_attach(int cgroup_fd, const struct spec_device_rule *rules, size_t n,
                          struct td_err **err);
/* Number of device programs attached directly to the cgroup, -1 on error. */
int cg_bpf_devices_count(int cgroup_fd);
