/* The prune filters of containers (until=, label=, label!=), docker's rules. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/view/view.h"
#include "util/cleanup.h"
#include "util/filters.h"
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
