/* Built only while runtime/core has no implementation in this tree (see engine/meson.build):
 * every runtime call fails clearly, so the rest of tinydocker builds and its tests skip. */
#include "runtime/core/runtime.h"

#define RT_MISSING(err) err_set(err, 0, "the runtime core is not built in this tree")

int rt_create(const struct rt_ctx *ctx, const struct rt_create_opts *o, pid_t *pid_out,
              struct td_err **err)
{
  (void)ctx, (void)o, (void)pid_out;
  return RT_MISSING(err);
}

int rt_start(const struct rt_ctx *ctx, const char *id, struct td_err **err)
{
  (void)ctx, (void)id;
  return RT_MISSING(err);
}

int rt_state(const struct rt_ctx *ctx, const char *id, struct rt_state *out, struct td_err **err)
{
  (void)ctx, (void)id, (void)out;
  return RT_MISSING(err);
}

void rt_state_clear(struct rt_state *st)
{
  (void)st;
}

int rt_kill(const struct rt_ctx *ctx, const char *id, int sig, bool all, struct td_err **err)
{
  (void)ctx, (void)id, (void)sig, (void)all;
  return RT_MISSING(err);
}

int rt_delete(const struct rt_ctx *ctx, const char *id, bool force, struct td_err **err)
{
  (void)ctx, (void)id, (void)force;
  return RT_MISSING(err);
}

int rt_exec(const struct rt_ctx *ctx, const char *id, const struct rt_exec_opts *o,
            pid_t *pid_out, struct td_err **err)
{
  (void)ctx, (void)id, (void)o, (void)pid_out;
  return RT_MISSING(err);
}

int rt_pause(const struct rt_ctx *ctx, const char *id, struct td_err **err)
{
  (void)ctx, (void)id;
  return RT_MISSING(err);
}

int rt_resume(const struct rt_ctx *ctx, const char *id, struct td_err **err)
{
  (void)ctx, (void)id;
  return RT_MISSING(err);
}
