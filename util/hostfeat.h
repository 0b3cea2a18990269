/* Facts about the running kernel that cost a probe (a trial mount, say), probed once per boot
 * and kept in <run_dir>/features with the boot id (/proc/sys/kernel/random/boot_id): a reboot,
 * into another kernel perhaps, probes again even where run_dir is not a tmpfs. */
#pragma once
#include <stdbool.h>

/* The cached answer for key, else probe(run_dir)'s, then cached (best effort: an unwritable
 * run_dir only costs a probe per call). Keys are words without spaces. */
bool hostfeat_get(const char *run_dir, const char *key, bool (*probe)(const char *run_dir));
/* The run directory the engine keeps for root: /run/tinydocker for the default root, else
 * <root>/run (as engine/container/ctx.c). Caller frees. */
char *hostfeat_run_dir(const char *root);
