/* `container prune`: the prune filters of containers (until=, label=, label!=), docker's
 * rules, and the removal of the stopped containers they select. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/view/view.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/filters.h"
#include "util/strv.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* until=, besides the labels */
static int check_value(void *arg, const char *key, const char *v, struct td_err **err)
{
  (void)arg;
  if (strcmp(key, "until") != 0)
    return 0;
  int64_t t;
  if (eng_parse_timestamp(v, now_ns(), &t, err) < 0) {
    (*err)->exit_code = 1;
    return -1;
  }
  return 1;
}

int eng_prune_filters_check(char **filters, struct td_err **err)
{
  return filters_check(filters, check_value, NULL, err);
}

struct match_arg {
  const struct ctr_record *rec;
  int64_t now;
};

static const char *label_of(void *arg, const char *key)
{
  return record_label(arg, key);
}

static bool match_one(void *arg, const char *key, const char *v)
{
  const struct ctr_record *rec = ((struct match_arg *)arg)->rec;
  int64_t now = ((struct match_arg *)arg)->now;
  if (strcmp(key, "until") == 0) {
    int64_t until = 0;
    autoerr struct td_err *e = NULL;
    const char *created = rec->created;
    int64_t c = created ? time_parse_rfc3339(created) : 0;
    return eng_parse_timestamp(v, now, &until, &e) == 0 && c < until;
  }
  bool has = filters_label_get(label_of, (void *)rec, v);
  return strcmp(key, "label") == 0 ? has : !has;
}

bool prune_filters_match(const struct ctr_record *rec, char **filters, int64_t now)
{
  struct match_arg a = {rec, now};
  return filters_match(filters, match_one, &a);
}

static int cmp_created(const void *a, const void *b)
{
  const char *ca = (*(struct ctr_record *const *)a)->created;
  const char *cb = (*(struct ctr_record *const *)b)->created;
  return strcmp(cb ? cb : "", ca ? ca : "");
}

/* Records of every container, newest first, refreshed. */
static int load_all(const struct eng_ctx *ctx, struct ctr_record ***out, size_t *n,
                    struct td_err **err)
{
  autostrv char **ids = NULL;
  if (store_list(ctx, &ids, err) < 0)
    return -1;
  size_t cnt = strv_len(ids), k = 0;
  struct ctr_record **recs = xcalloc(cnt + 1, sizeof(*recs));
  for (size_t i = 0; i < cnt; i++) {
    autoerr struct td_err *e = NULL;
    struct ctr_record *rec = NULL;
    json_t *doc = NULL;
    autofree char *ps = xasprintf("%s/%s/%s", ctx->ctr_dir, ids[i], STORE_PS_RECORD);
    if (file_read_json(AT_FDCWD, ps, &doc, &e) == 0) {
      rec = record_from_json(doc);
      if (eng_orphan_hook && store_monitor_gone(rec))
        eng_orphan_hook(ctx, ids[i]);
      store_refresh_state(rec);
    } else {
      err_free(&e);
      if (eng_load_refreshed(ctx, ids[i], &rec, &e) < 0)
        continue; /* being created right now */
    }
    recs[k++] = rec;
  }
  qsort(recs, k, sizeof(*recs), cmp_created);
  *out = recs;
  *n = k;
  return 0;
}

static int prune_one(struct eng_ctx *ctx, const struct ctr_record *rec, char ***removed)
{
  const char *st = rec->state.status;
  if (st == NULL ||
      (strcmp(st, "exited") != 0 && strcmp(st, "created") != 0 && strcmp(st, "dead") != 0))
    return 0;
  autoerr struct td_err *e = NULL;
  if (eng_rm(ctx, rec->id, false, true, &e) == 0)
    strv_push(removed, rec->id);
  return 0;
}

int eng_prune(struct eng_ctx *ctx, char **filters, bool total, struct td_err **err)
{
  if (eng_prune_filters_check(filters, err) < 0)
    return -1;
  eng_trash_sweep(ctx); /* what a --rm remover killed half way left */
  struct ctr_record **recs = NULL;
  size_t n = 0;
  if (load_all(ctx, &recs, &n, err) < 0)
    return -1;
  autostrv char **removed = xcalloc(1, sizeof(char *));
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  for (size_t i = 0; i < n; i++) {
    bool ok =
        prune_filters_match(recs[i], filters, (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec);
    if (ok)
      prune_one(ctx, recs[i], &removed);
    record_free(recs[i]);
  }
  free(recs);
  if (removed[0]) {
    printf("Deleted Containers:\n");
    for (char **r = removed; *r; r++)
      printf("%s\n", *r);
    printf("\n");
  }
  if (total)
    printf("Total reclaimed space: 0B\n");
  return 0;
}
