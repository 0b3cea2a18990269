/* Prune filters of containers (until=, label=, label!=) and `system prune`: stopped
 * containers, unused networks, unused volumes (--volumes), then the images by the image tool,
 * which prints docker's one total. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/view/view.h"
#include "image/image.h"
#include "image/volume.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int eng_prune_filters_check(char **filters, struct td_err **err)
{
  for (char **f = filters; f && *f; f++) {
    const char *eq = strchr(*f, '=');
    if (eq == NULL)
      return err_set_exit(err, 1, 0, "bad format of filter (expected name=value)");
    size_t kl = (size_t)(eq - *f);
    if (kl == 5 && strncmp(*f, "until", 5) == 0) {
      int64_t t;
      if (eng_parse_timestamp(eq + 1, now_ns(), &t, err) < 0) {
        (*err)->exit_code = 1;
        return -1;
      }
    } else if (!(kl == 5 && strncmp(*f, "label", 5) == 0) &&
               !(kl == 6 && strncmp(*f, "label!", 6) == 0)) {
      autofree char *key = xstrndup(*f, kl);
      return err_set_exit(err, 1, 0, "Invalid filter '%s'", key);
    }
  }
  return 0;
}

static bool match_one(json_t *rec, const char *key, const char *v, int64_t now)
{
  if (strcmp(key, "until") == 0) {
    int64_t until = 0;
    autoerr struct td_err *e = NULL;
    const char *created = rec_str(rec, "Created");
    int64_t c = created ? time_parse_rfc3339(created) : 0;
    return eng_parse_timestamp(v, now, &until, &e) == 0 && c < until;
  }
  json_t *labels = json_object_get(json_object_get(rec, "Config"), "Labels");
  const char *eq = strchr(v, '=');
  autofree char *k = xstrndup(v, eq ? (size_t)(eq - v) : strlen(v));
  json_t *lv = json_object_get(labels, k);
  bool has = lv && (eq == NULL || strcmp(json_string_value(lv), eq + 1) == 0);
  return strcmp(key, "label") == 0 ? has : !has;
}

bool prune_filters_match(json_t *rec, char **filters, int64_t now)
{
  for (char **f = filters; f && *f; f++) {
    size_t kl = strcspn(*f, "=");
    bool seen = false;
    for (char **g = filters; g < f && !seen; g++)
      seen = strncmp(*g, *f, kl + 1) == 0;
    if (seen)
      continue;
    autofree char *key = xstrndup(*f, kl);
    bool any = false;
    for (char **g = f; *g && !any; g++)
      if (strncmp(*g, *f, kl + 1) == 0)
        any = match_one(rec, key, *g + kl + 1, now);
    if (!any)
      return false;
  }
  return true;
}

int eng_system_prune(struct eng_ctx *ctx, const struct eng_system_prune_opts *o,
                     struct td_err **err)
{
  if (eng_prune_filters_check(o->filters, err) < 0)
    return -1;
  if (eng_prune(ctx, o->filters, false, err) < 0)
    return -1;
  autostrv char **nets = NULL;
  if (net_prune(ctx->root, &nets, err) < 0)
    return -1;
  if (nets && *nets) {
    printf("Deleted Networks:\n");
    for (char **n = nets; *n; n++)
      printf("%s\n", *n);
    printf("\n");
  }
  unsigned long long freed = 0;
  if (o->volumes) {
    autojson json_t *removed = json_array();
    if (volume_prune(ctx->root, false, removed, &freed, err) < 0)
      return -1;
    if (json_array_size(removed)) {
      printf("Deleted Volumes:\n");
      size_t i;
      json_t *n;
      json_array_foreach (removed, i, n)
        printf("%s\n", json_string_value(n));
      printf("\n");
    }
  }
  fflush(stdout);
  /* the images last: this process becomes the image tool, which prints the total */
  autofree char *reclaimed = xasprintf("--reclaimed=%llu", freed);
  autostrv char **av = NULL;
  strv_push(&av, "tinydocker");
  strv_push(&av, "image");
  strv_push(&av, "prune");
  strv_push(&av, "-f");
  strv_push(&av, reclaimed);
  if (o->all)
    strv_push(&av, "-a");
  for (char **f = o->filters; f && *f; f++) {
    autofree char *fl = xasprintf("--filter=%s", *f);
    strv_push(&av, fl);
  }
  return image_tool_exec(ctx->root, (int)strv_len(av), av, err);
}
