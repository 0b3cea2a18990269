/* A user namespace that holds given uid/gid maps and nothing else: the fd that
 * mount_setattr(MOUNT_ATTR_IDMAP) takes for an idmapped mount. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct idmap_line {
  uint32_t inside, outside, count; /* one line of /proc/PID/uid_map */
};

/* An O_RDONLY fd of a new user namespace with these maps, made by a short-lived child that
 * unshares it and exits once the maps are written and the fd is open. */
int idmapns_open(const struct idmap_line *u, size_t nu, const struct idmap_line *g, size_t ng,
                 struct td_err **err);
/* The same with the child's files looked up in procfd, a procfs of the caller's pid namespace
 * (the runtime's, where the host's /proc may show other pids). */
int idmapns_open_at(int procfd, const struct idmap_line *u, size_t nu, const struct idmap_line *g,
                    size_t ng, struct td_err **err);
/* The maps as /proc/PID/uid_map text ("0 100000 65536\n..."), allocated. */
char *idmap_text(const struct idmap_line *v, size_t n);
/* An idmapped clone of path's mount tree (detached, fd O_CLOEXEC), mapped through userns. */
int idmap_clone(const char *path, int userns, struct td_err **err);
