/* A container's health (docker's State.Health): <root>/containers/<id>/health.json, written
 * atomically (store_write_json) by the monitor at each start ("starting") and by the container's
 * health checker after each probe (engine/monitor/health.c); read by ps and inspect. No lock:
 * one writer at a time, a rename each. */
#include <fcntl.h>
#include <string.h>

#include "engine/container/container.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

bool health_configured(const struct ctr_record *rec)
{
  char **t = rec->config.health.test;
  return t && t[0] && strcmp(t[0], "NONE") != 0;
}

json_t *health_load(const struct eng_ctx *ctx, const char *id)
{
  autofree char *p = xasprintf("%s/%s/%s", ctx->ctr_dir, id, HEALTH_FILE);
  /* a probe's output may hold NULs (docker keeps them: "\u0000") */
  json_t *h = json_load_file(p, JSON_ALLOW_NUL, NULL);
  if (!json_is_object(h)) {
    json_decref(h);
    return NULL;
  }
  return h;
}

int health_save(const struct eng_ctx *ctx, const char *id, json_t *h, struct td_err **err)
{
  autofree char *p = xasprintf("%s/%s/%s", ctx->ctr_dir, id, HEALTH_FILE);
  return store_write_json(p, h, 0600, err);
}

void health_fill(const struct eng_ctx *ctx, struct ctr_record *rec)
{
  if (!health_configured(rec))
    return;
  autojson json_t *h = health_load(ctx, rec->id);
  const char *s = json_string_value(json_object_get(h, "Status"));
  free(rec->state.health);
  rec->state.health = s ? xstrdup(s) : NULL;
}
