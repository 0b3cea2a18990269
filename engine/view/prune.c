/* The prune filters of containers (until=, label=, label!=), docker's rules. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/view/view.h"
#include "util/cleanup.h"
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

static bool match_one(const struct ctr_record *rec, const char *key, const char *v, int64_t now)
{
  if (strcmp(key, "until") == 0) {
    int64_t until = 0;
    autoerr struct td_err *e = NULL;
    const char *created = rec->created;
    int64_t c = created ? time_parse_rfc3339(created) : 0;
    return eng_parse_timestamp(v, now, &until, &e) == 0 && c < until;
  }
  const char *eq = strchr(v, '=');
  autofree char *k = xstrndup(v, eq ? (size_t)(eq - v) : strlen(v));
  const char *lv = record_label(rec, k);
  bool has = lv && (eq == NULL || strcmp(lv, eq + 1) == 0);
  return strcmp(key, "label") == 0 ? has : !has;
}

bool prune_filters_match(const struct ctr_record *rec, char **filters, int64_t now)
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
