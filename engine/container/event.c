/* A container's event (util/events.h) with docker's attributes: its image as the user gave it,
 * its name, its labels, and the action's own pairs (exitCode, signal...). */
#include <stdarg.h>
#include <string.h>

#include "engine/container/container.h"
#include "util/cleanup.h"
#include "util/events.h"

void eng_event(const struct eng_ctx *ctx, const char *id, const struct ctr_record *rec,
               const char *action, ...)
{
  autorecord struct ctr_record *own = NULL;
  if (rec == NULL) {
    autoerr struct td_err *e = NULL;
    if (record_load(ctx, id, &own, &e) < 0)
      return;
    rec = own;
  }
  const char *kv[80];
  size_t n = 0;
  const char *image = rec->config.image;
  const char *name = rec->name;
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
  /* labels: "key=value" in the record; the key is copied out of it */
  char keys[32][128];
  size_t nk = 0;
  for (char **l = rec->config.labels; l && *l && nk < 32; l++) {
    if (n + 6 >= sizeof(kv) / sizeof(kv[0]))
      break;
    size_t kl = strcspn(*l, "=");
    if (kl >= sizeof(keys[0]))
      continue;
    memcpy(keys[nk], *l, kl);
    keys[nk][kl] = '\0';
    if (strcmp(keys[nk], "image") != 0 && strcmp(keys[nk], "name") != 0) {
      kv[n++] = keys[nk];
      kv[n++] = *l + kl + ((*l)[kl] == '=');
      nk++;
    }
  }
  kv[n++] = "image";
  kv[n++] = image && *image ? image : rec->image;
  kv[n++] = "name";
  kv[n++] = name;
  kv[n] = NULL;
  events_logv(ctx->root, "container", action, id, kv);
}
