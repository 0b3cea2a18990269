/* ps's filters (status, name, id, health, exited, label, ancestor) and -a: which containers
 * a ps shows, docker's rules. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/view/view.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* docker's name filter: a (Go) regular expression, matched anywhere in the name, with or
 * without its leading "/"; one that does not compile matches nothing. POSIX ERE here. */
static bool name_matches(const char *name, const char *re)
{
  regex_t rx;
  if (name == NULL || regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
    return false;
  bool m = regexec(&rx, name, 0, NULL, 0) == 0 ||
           (name[0] == '/' && regexec(&rx, name + 1, 0, NULL, 0) == 0);
  regfree(&rx);
  return m;
}

static bool match_filter(const struct ctr_record *rec, const char *f)
{
  const char *eq = strchr(f, '=');
  if (eq == NULL)
    return true;
  size_t kl = (size_t)(eq - f);
  const char *v = eq + 1;
  if (strncmp(f, "status", kl) == 0 && kl == 6)
    return rec->state.status && strcmp(rec->state.status, v) == 0;
  if (strncmp(f, "name", kl) == 0 && kl == 4)
    return name_matches(rec->name, v);
  if (strncmp(f, "id", kl) == 0 && kl == 2)
    return rec->id && strncmp(rec->id, v, strlen(v)) == 0;
  if (strncmp(f, "health", kl) == 0 && kl == 6) /* "none": no health check (or not started) */
    return strcmp(rec->state.health ? rec->state.health : "none", v) == 0;
  if (strncmp(f, "exited", kl) == 0 && kl == 6)
    return rec->state.status && strcmp(rec->state.status, "exited") == 0 &&
           rec->state.exit_code == strtol(v, NULL, 10);
  if (strncmp(f, "label", kl) == 0 && kl == 5) {
    const char *leq = strchr(v, '=');
    autofree char *key = xstrndup(v, leq ? (size_t)(leq - v) : strlen(v));
    const char *lv = record_label(rec, key);
    return lv && (leq == NULL || strcmp(lv, leq + 1) == 0);
  }
  if (strncmp(f, "ancestor", kl) == 0 && kl == 8) {
    const char *img = rec->config.image;
    const char *iid = rec->image;
    autofree char *fam = img && *img ? image_name_familiar(img) : NULL;
    autofree char *want = strchr(v, ':') || strchr(v, '@') ? xstrdup(v) : xasprintf("%s:latest", v);
    return (img && strcmp(img, v) == 0) || (fam && strcmp(fam, want) == 0) ||
           (fam && strcmp(fam, v) == 0) ||
           (iid && (strncmp(iid, v, strlen(v)) == 0 ||
                    (strlen(iid) > 7 && strncmp(iid + 7, v, strlen(v)) == 0)));
  }
  return true;
}

/* docker's rule: filters with the same key are or-ed (status=exited + status=created shows
 * both), different keys and-ed. skip_ancestor: those are matched by ps_ancestry. */
static bool filters_match(const struct ctr_record *rec, char **filters, bool skip_ancestor)
{
  for (char **f = filters; f && *f; f++) {
    size_t kl = strcspn(*f, "=");
    if (skip_ancestor && strncmp(*f, "ancestor=", 9) == 0)
      continue;
    bool first = true, any = false;
    for (char **g = filters; g < f; g++)
      first = first && !(strncmp(*g, *f, kl + 1) == 0);
    if (!first)
      continue; /* this key was decided at its first filter */
    for (char **g = f; *g && !any; g++)
      if (strncmp(*g, *f, kl + 1) == 0)
        any = match_filter(rec, *g);
    if (!any)
      return false;
  }
  return true;
}

bool ps_wanted(struct ctr_record *rec, const struct eng_ps_opts *o, struct ps_ancestry *anc)
{
  const char *st = rec->state.status;
  bool running = st && (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0 ||
                        strcmp(st, "restarting") == 0);
  bool has_status_filter = false;
  for (char **f = o->filters; f && *f; f++)
    if (strncmp(*f, "status=", 7) == 0)
      has_status_filter = true;
  if (!o->all && !running && !has_status_filter && o->last < 0 && !o->latest)
    return false;
  return filters_match(rec, o->filters, anc != NULL) &&
         (anc == NULL || ps_ancestry_match(anc, rec));
}
