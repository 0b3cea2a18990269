/* A container's event (util/events.h) with docker's attributes: its image as the user gave it,
 * its name, its labels, and the action's own pairs (exitCode, signal...). */
#include <stdarg.h>
#include <string.h>

#include "engine/container/container.h"
#include "util/cleanup.h"
#include "util/events.h"

void eng_event(const struct eng_ctx *ctx, const char *id, json_t *rec, const char *action, ...)
{
  autojson json_t *own = NULL;
  if (rec == NULL) {
    autoerr struct td_err *e = NULL;
    if (store_load(ctx, id, &own, &e) < 0)
      return;
    rec = own;
  }
  const char *kv[80];
  size_t n = 0;
  const char *image = rec_str(rec, "Config.Image");
  const char *name = rec_str(rec, "Name");
  if (name && name[0] == '/')
    name++;
  va_list ap;
  va_start(ap, action);
  for (;;) {
    const char *k = va_arg(ap, const char *);
    if (k == NULL)
      break;
    const char *v = va_arg(ap, const char *);
    if (n < 16) {
      kv[n++] = k;
      kv[n++] = v;
    }
  }
  va_end(ap);
  const char *key;
  json_t *v;
  json_object_foreach (json_object_get(json_object_get(rec, "Config"), "Labels"), key, v) {
    if (n + 6 >= sizeof(kv) / sizeof(kv[0]))
      break;
    if (json_is_string(v) && strcmp(key, "image") != 0 && strcmp(key, "name") != 0) {
      kv[n++] = key;
      kv[n++] = json_string_value(v);
    }
  }
  kv[n++] = "image";
  kv[n++] = image && *image ? image : rec_str(rec, "Image");
  kv[n++] = "name";
  kv[n++] = name;
  kv[n] = NULL;
  events_logv(ctx->root, "container", action, id, kv);
}
