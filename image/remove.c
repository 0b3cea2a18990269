/* tag, rmi and image prune with docker's rules: names move, an image goes with its last
 * name, an image a container uses is never deleted (only untagged with -f). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image/build.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "image/write.h"
#include "util/human.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/filters.h"
#include "util/timefmt.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define EXIT_DAEMON 1 /* docker's client exits 1 for errors of these commands */

static const char *short_id(const char *id)
{
  static char buf[13];
  snprintf(buf, sizeof(buf), "%.12s", image_digest_hex(id));
  return buf;
}

int image_tag(const char *root, const char *src, const char *dst, struct td_err **err)
{
  autostrv char **names = NULL;
  char *refs[] = {(char *)dst, NULL};
  if (image_names_full(refs, &names, err) < 0) {
    /* docker's CLI parses the new name itself, and words it bare */
    autofree char *why = xstrdup((*err)->msg);
    autofree char *quoted = xasprintf(": \"%s\"", dst);
    size_t n = strlen(why), q = strlen(quoted);
    if (n > q && strcmp(why + n - q, quoted) == 0)
      why[n - q] = '\0';
    err_free(err);
    err_set_exit(err, 1, 0, "Error parsing reference: \"%s\" is not a valid repository/tag: %s",
                 dst, why);
    return -1;
  }
  int lock = image_store_lock(root, err);
  if (lock < 0)
    return -1;
  autojson json_t *index = NULL;
  json_t *entry = NULL;
  int rc = image_index_read(root, &index, err);
  if (rc == 0 && image_index_find(index, src, &entry, NULL, err) < 0) {
    /* the daemon names a bare name with its tag: "No such image: nosuch:latest" */
    const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
    if (image_err_is_not_found(*err) && !strchr(base, ':') && !strchr(src, '@')) {
      err_free(err);
      err_set(err, 0, "No such image: %s:latest", src);
    }
    (*err)->exit_code = EXIT_DAEMON;
    rc = -1;
  }
  if (rc == 0) {
    autofree char *md = xstrdup(json_string_value(json_object_get(entry, "digest")));
    autofree char *mt = xstrdup(json_string_value(json_object_get(entry, "mediaType")));
    autofree char *id = xstrdup(image_entry_id(entry));
    json_int_t size = json_integer_value(json_object_get(entry, "size"));
    image_index_add(index, md, (uint64_t)size, mt, id, names);
    rc = image_index_write(root, index, err);
    autofree char *fam = image_name_familiar(names[0]);
    if (rc == 0)
      events_log(root, "image", "tag", id, "name", fam, NULL);
  }
  lock_release(lock);
  return rc;
}

static size_t names_of(json_t *index, const char *id, char ***out)
{
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *eid = image_entry_id(e), *n = image_entry_name(e);
    if (eid && n && strcmp(eid, id) == 0)
      strv_push(out, n);
  }
  return strv_len(*out);
}

/* Delete an image with no names left (unless held) and collect its layers. */
static int delete_image(const char *root, json_t *index, const char *id, FILE *out, uint64_t *freed,
                        struct td_err **err)
{
  image_index_remove_id(index, id);
  if (image_index_write(root, index, err) < 0)
    return -1;
  image_holds_drop(root, id);
  fprintf(out, "Deleted: %s\n", id);
  events_log(root, "image", "delete", id, "name", id, NULL);
  autojson json_t *removed = json_array();
  if (image_gc(root, index, removed, freed, err) < 0)
    return -1;
  size_t i;
  json_t *c;
  json_array_foreach (removed, i, c)
    fprintf(out, "Deleted: %s\n", json_string_value(c));
  return 0;
}

static int remove_locked(const char *root, const char *ref, bool force, FILE *out,
                         struct td_err **err)
{
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  json_t *entry = NULL;
  autofree char *matched = NULL;
  if (image_index_find(index, ref, &entry, &matched, err) < 0)
    return (*err)->exit_code = EXIT_DAEMON, -1;
  autofree char *id = xstrdup(image_entry_id(entry));
  autostrv char **names = NULL;
  size_t nnames = names_of(index, id, &names);
  int holders = image_holders(root, id, err);
  if (holders < 0)
    return -1;
  if (matched && nnames > 1) { /* one of several names: just untag */
    image_index_untag(index, matched);
    autofree char *f = image_name_familiar(matched);
    fprintf(out, "Untagged: %s\n", f);
    events_log(root, "image", "untag", id, "name", f, NULL);
    return image_index_write(root, index, err);
  }
  if (!matched && nnames > 1 && !force)
    return err_set_exit(err, EXIT_DAEMON, 0,
                        "conflict: unable to delete %s (must be forced) - image is referenced "
                        "in multiple repositories",
                        short_id(id));
  if (holders > 0 && !force) {
    if (matched) {
      autofree char *f = image_name_familiar(matched);
      return err_set_exit(err, EXIT_DAEMON, 0,
                          "conflict: unable to remove repository reference \"%s\" (must force) "
                          "- a container is using its referenced image %s",
                          f, short_id(id));
    }
    return err_set_exit(err, EXIT_DAEMON, 0,
                        "conflict: unable to delete %s (must be forced) - image is being used "
                        "by a container",
                        short_id(id));
  }
  for (char **n = names; n && *n; n++) {
    image_index_untag(index, *n);
    autofree char *f = image_name_familiar(*n);
    fprintf(out, "Untagged: %s\n", f);
    events_log(root, "image", "untag", id, "name", f, NULL);
  }
  if (holders > 0) /* forced: the container keeps the image, now dangling */
    return image_index_write(root, index, err);
  return delete_image(root, index, id, out, NULL, err);
}

int image_remove(const char *root, const char *ref, bool force, FILE *out, struct td_err **err)
{
  int lock = image_store_lock(root, err);
  if (lock < 0)
    return -1;
  int rc = remove_locked(root, ref, force, out, err);
  lock_release(lock);
  return rc;
}

/* until=: RFC 3339, unix seconds, or a Go duration before now ("24h", "1h30m", "90s"). */
static int image_prune_time(const char *s, int64_t now, int64_t *out, struct td_err **err)
{
  int64_t t = time_parse_rfc3339(s);
  if (t > 0) {
    *out = t;
    return 0;
  }
  char *end = NULL;
  double secs = strtod(s, &end);
  if (end != s && *end == '\0' && s[0] >= '0' && s[0] <= '9') {
    *out = (int64_t)(secs * 1e9);
    return 0;
  }
  static const struct {
    const char *unit;
    double ns;
  } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  const char *p = s;
  while (*p) {
    double v = strtod(p, &end);
    if (end == p)
      goto bad;
    p = end;
    size_t ul = strspn(p, "nuµmsh");
    bool found = false;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !found; i++)
      if (strlen(units[i].unit) == ul && strncmp(p, units[i].unit, ul) == 0) {
        total += v * units[i].ns;
        found = true;
      }
    if (!found)
      goto bad;
    p += ul;
  }
  if (p == s)
    goto bad;
  *out = now - (int64_t)total;
  return 0;
bad:
  return err_set_exit(err, 1, 0, "failed to parse value as time or duration: \"%s\"", s);
}

/* One prune filter against an image (its config); unknown keys were refused before. */
struct match_arg {
  const char *root;
  const char *id;
  int64_t now;
};

static bool prune_match_one(void *arg, const char *key, const char *v)
{
  const struct match_arg *a = arg;
  const char *root = a->root, *id = a->id;
  int64_t now = a->now;
  struct image_info *img = NULL;
  autoerr struct td_err *e = NULL;
  if (image_resolve(root, id, &img, &e) < 0)
    return false;
  bool ok = false;
  if (strcmp(key, "until") == 0) {
    int64_t until = 0;
    autoerr struct td_err *e2 = NULL;
    const char *created = json_string_value(json_object_get(img->config, "created"));
    int64_t c = created ? time_parse_rfc3339(created) : 0;
    ok = image_prune_time(v, now, &until, &e2) == 0 && c < until;
  } else if (strcmp(key, "label") == 0 || strcmp(key, "label!") == 0) {
    bool has = filters_label(img->cfg.labels, v);
    ok = strcmp(key, "label") == 0 ? has : !has;
  } else if (strcmp(key, "dangling") == 0) {
    ok = true; /* the -a flag decides; docker: dangling=false is -a */
  }
  image_info_free(img);
  return ok;
}

/* docker's rule: values of one key or-ed, keys and-ed. */
static bool prune_match(const char *root, const char *id, char **filters, int64_t now)
{
  struct match_arg a = {root, id, now};
  return filters_match(filters, prune_match_one, &a);
}

struct check_arg {
  bool *all;
  int64_t now;
};

/* until= and dangling=, besides the labels */
static int check_value(void *arg, const char *key, const char *v, struct td_err **err)
{
  const struct check_arg *a = arg;
  if (strcmp(key, "until") == 0) {
    int64_t t;
    return image_prune_time(v, a->now, &t, err) < 0 ? -1 : 1;
  }
  if (strcmp(key, "dangling") != 0)
    return 0;
  if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
    *a->all = true;
  else if (strcmp(v, "true") != 0 && strcmp(v, "1") != 0)
    return err_set_exit(err, 1, 0, "Invalid filter 'dangling=%s'", v);
  return 1;
}

static int prune_check(char **filters, bool *all, int64_t now, struct td_err **err)
{
  struct check_arg a = {all, now};
  return filters_check(filters, check_value, &a, err);
}

static int prune_locked(const char *root, bool all, char **filters, unsigned long long base,
                        FILE *out, struct td_err **err)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  if (prune_check(filters, &all, now, err) < 0)
    return -1;
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  autostrv char **victims = NULL;
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *id = image_entry_id(e);
    if (id == NULL || (!all && image_entry_name(e) != NULL) || strv_find(victims, id) >= 0)
      continue;
    if (!prune_match(root, id, filters, now))
      continue;
    autoerr struct td_err *herr = NULL;
    if (image_holders(root, id, &herr) == 0)
      strv_push(&victims, id);
  }
  uint64_t freed = base;
  if (strv_len(victims) > 0)
    fprintf(out, "Deleted Images:\n");
  for (char **v = victims; v && *v; v++) {
    autostrv char **names = NULL;
    names_of(index, *v, &names);
    for (char **n = names; n && *n; n++) {
      autofree char *f = image_name_familiar(*n);
      fprintf(out, "untagged: %s\n", f);
    }
    image_index_remove_id(index, *v);
    image_holds_drop(root, *v);
    fprintf(out, "deleted: %s\n", *v);
    events_log(root, "image", "delete", *v, "name", *v, NULL);
  }
  if (image_index_write(root, index, err) < 0)
    return -1;
  autojson json_t *removed = json_array();
  if (image_gc(root, index, removed, &freed, err) < 0)
    return -1;
  json_array_foreach (removed, i, e)
    fprintf(out, "deleted: %s\n", json_string_value(e));
  if (strv_len(victims) > 0)
    fprintf(out, "\n");
  autofree char *total = human_size((double)freed, 4);
  fprintf(out, "Total reclaimed space: %s\n", total);
  return 0;
}

int image_prune(const char *root, bool all, char **filters, unsigned long long base, FILE *out,
                struct td_err **err)
{
  int lock = image_store_lock(root, err);
  if (lock < 0)
    return -1;
  int rc = prune_locked(root, all, filters, base, out, err);
  lock_release(lock);
  return rc;
}
