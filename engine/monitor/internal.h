/* Inside engine/monitor only: the monitor's state while it runs the loop itself (monitor.c),
 * shared with the step that attaches the container's network (network.c). */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/monitor/monitor_loop.h"
#include "util/err.h"

struct mon {
  const struct eng_ctx *ctx;
  const char *id;
  char *dir;
  int dirfd;
  struct ctr_record *rec;
  bool auto_remove;
  struct eng_restart restart;
  int restart_count;
  struct mon_io io;
  int mntns;      /* the container's mount namespace, held until its exit is reported */
  int entry_tree; /* the init's read-only entry tree, held the same way (rt_create_opts) */
};

/* Attach the container's network once its init (m->io.pid) exists, and record its addresses,
 * ports and endpoint in m->rec; nothing for a mode without endpoints of its own. */
int mon_attach_network(struct mon *m, struct td_err **err);
