/* The build steps' common parts: build-time variables, the stage's config, docker's
 * created_by wording, the cache check and the metadata-only commit. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "engine/parse/parse.h"
#include "image/build.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "image/registry/registry.h"
#include "image/write.h"
#include "net/net.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "engine/build/steps.h"

/* ---- variables ---- */

struct vars {
  json_t *env;  /* "K=V" array, or NULL */
  json_t *args; /* name -> value or null */
};

const char *step_env_get(json_t *env, const char *name)
{
  size_t n = strlen(name), i;
  json_t *e;
  json_array_foreach (env, i, e) {
    const char *s = json_string_value(e);
    if (s && strncmp(s, name, n) == 0 && s[n] == '=')
      return s + n + 1;
  }
  return NULL;
}

static const char *lookup(void *arg, const char *name)
{
  struct vars *v = arg;
  const char *e = v->env ? step_env_get(v->env, name) : NULL;
  if (e)
    return e;
  return v->args ? json_string_value(json_object_get(v->args, name)) : NULL;
}

/* docker writes Go maps (Labels, ExposedPorts, Volumes) with their keys sorted */
static void sort_keys(json_t *parent, const char *key)
{
  json_t *o = json_object_get(parent, key);
  if (!json_is_object(o))
    return;
  size_t n = json_object_size(o), k = 0;
  const char **keys = xcalloc(n + 1, sizeof(char *));
  const char *kk;
  json_t *v;
  json_object_foreach (o, kk, v)
    keys[k++] = kk;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
      const char *t = keys[j];
      keys[j] = keys[j - 1];
      keys[j - 1] = t;
    }
  json_t *sorted = json_object();
  for (size_t i = 0; i < n; i++)
    json_object_set(sorted, keys[i], json_object_get(o, keys[i]));
  free(keys);
  json_object_set_new(parent, key, sorted);
}

json_t *step_cfg(struct stage *sg)
{
  json_t *c = json_object_get(sg->st.cfg, "config");
  if (!json_is_object(c)) {
    c = json_object();
    json_object_set_new(sg->st.cfg, "config", c);
  }
  return c;
}

int step_expand(struct builder *b, struct stage *sg, const char *w, char **out, struct td_err **err)
{
  struct vars v = {.env = json_object_get(step_cfg(sg), "Env"), .args = sg->args};
  return df_expand(w, b->df.escape, lookup, &v, out, err);
}

/* an unquoted here-document's body: $v, ${v...} expanded, quotes kept as written (the escape
 * character before $ keeps it literal) */
int step_expand_doc(struct builder *b, struct stage *sg, const char *body, char **out,
                    struct td_err **err)
{
  /* quote every quote character so the word expansion keeps them */
  size_t n = strlen(body);
  char *q = xcalloc(n * 2 + 1, 1), *w = q;
  for (const char *p = body; *p; p++) {
    if (*p == '"' || *p == '\'' || (*p == b->df.escape && p[1] != '$'))
      *w++ = b->df.escape;
    *w++ = *p;
  }
  int rc = step_expand(b, sg, q, out, err);
  free(q);
  return rc;
}

void step_env_put(json_t *cc, const char *key, const char *val)
{
  json_t *env = json_object_get(cc, "Env");
  if (!json_is_array(env)) {
    env = json_array();
    json_object_set_new(cc, "Env", env);
  }
  autofree char *kv = xasprintf("%s=%s", key, val);
  size_t n = strlen(key), i;
  json_t *e;
  json_array_foreach (env, i, e) {
    const char *s = json_string_value(e);
    if (s && strncmp(s, key, n) == 0 && s[n] == '=') {
      json_array_set_new(env, i, json_string(kv));
      return;
    }
  }
  json_array_append_new(env, json_string(kv));
}

/* Go's %q of a string slice: ["a" "b"] */
static void go_quote(char **out, const char *s)
{
  size_t n = strlen(*out);
  char *r = xcalloc(n + strlen(s) * 4 + 3, 1);
  memcpy(r, *out, n);
  char *p = r + n;
  *p++ = '"';
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') {
      *p++ = '\\';
      *p++ = *s;
    } else if (*s == '\n') {
      *p++ = '\\';
      *p++ = 'n';
    } else if (*s == '\t') {
      *p++ = '\\';
      *p++ = 't';
    } else {
      *p++ = *s;
    }
  }
  *p++ = '"';
  free(*out);
  *out = r;
}

char *step_go_strslice(char *const *v)
{
  char *s = xstrdup("[");
  for (char *const *a = v; a && *a; a++) {
    if (a != v) {
      char *t = xasprintf("%s ", s);
      free(s);
      s = t;
    }
    go_quote(&s, *a);
  }
  char *t = xasprintf("%s]", s);
  free(s);
  return t;
}

/* Go's time.Duration String() */
char *step_go_duration(int64_t ns)
{
  if (ns == 0)
    return xstrdup("0s");
  if (ns < 1000000000LL) {
    if (ns % 1000000 == 0)
      return xasprintf("%lldms", (long long)(ns / 1000000));
    return xasprintf("%.6gms", (double)ns / 1e6);
  }
  long long h = ns / 3600000000000LL, m = (ns / 60000000000LL) % 60;
  double s = (double)(ns % 60000000000LL) / 1e9;
  if (h)
    return xasprintf("%lldh%lldm%.9gs", h, m, s);
  if (m)
    return xasprintf("%lldm%.9gs", m, s);
  return xasprintf("%.9gs", s);
}

/* the shell form's argv: SHELL in force (docker's /bin/sh -c) + the command */
char **step_shell_argv(struct stage *sg, const char *cmd)
{
  json_t *sh = json_object_get(step_cfg(sg), "Shell");
  char **v = json_is_array(sh) && json_array_size(sh) ? jsonv_to_strv(sh) : NULL;
  if (v == NULL) {
    v = xcalloc(1, sizeof(char *));
    strv_push(&v, "/bin/sh");
    strv_push(&v, "-c");
  }
  strv_push(&v, cmd);
  return v;
}

/* docker's "#(nop) " history entries start with the SHELL in force */
char *step_nop(struct stage *sg, const char *sep, const char *comment)
{
  autostrv char **sh = step_shell_argv(sg, "#(nop)");
  autofree char *j = strv_join(sh, " ");
  return xasprintf("%s%s%s", j, sep, comment);
}

/* ---- committing a step ---- */

static int commit_meta(struct builder *b, struct stage *sg, const char *created_by,
                       struct td_err **err)
{
  if (image_store_init(b->req->root, err) < 0)
    return -1;
  int lock = image_store_lock(b->req->root, err);
  if (lock < 0)
    return -1;
  int rc = bstate_commit(b, &sg->st, created_by, NULL, NULL, err);
  lock_release(lock);
  return rc;
}

void step_print_id(struct builder *b, const char *id)
{
  fprintf(b->out, " ---> %.12s\n", id ? image_digest_hex(id) : "");
}

/* the cache: true with the state replaced when this step is cached */
bool step_cached(struct builder *b, struct stage *sg, const char *key)
{
  if (b->req->no_cache)
    return false;
  struct bstate hit = {0};
  if (cache_lookup(b, key, &hit) < 0)
    return false;
  bstate_clear(&sg->st);
  sg->st = hit;
  fprintf(b->out, " ---> Using cache\n");
  return true;
}

/* a metadata step: the change is applied by fn to a copy of the state, through the cache */
int step_meta(struct builder *b, struct stage *sg, const char *comment, struct td_err **err)
{
  json_t *cc = json_object_get(sg->st.cfg, "config");
  sort_keys(cc, "Labels");
  sort_keys(cc, "ExposedPorts");
  sort_keys(cc, "Volumes");
  autofree char *created_by = step_nop(sg, "  ", comment);
  autofree char *key = cache_key(&sg->st, created_by);
  /* the change is already in sg->st.cfg: a cache hit replaces it by the stored state */
  if (step_cached(b, sg, key))
    return 0;
  if (commit_meta(b, sg, created_by, err) < 0)
    return -1;
  cache_store(b, key, &sg->st);
  return 0;
}

int step_fs(struct builder *b, struct stage *sg, const char *key, const char *created_by,
            step_fs_fn fn, void *arg, bool run, struct td_err **err)
{
  if (step_cached(b, sg, key))
    return 0;
  struct fsstep f;
  int rc = fsstep_begin(b, &sg->st, &f, run, err);
  if (rc == 0)
    rc = fn(b, sg, &f, arg, err);
  if (rc == 0)
    rc = fsstep_commit(b, &sg->st, &f, created_by, err);
  fsstep_end(&f);
  if (rc == 0)
    cache_store(b, key, &sg->st);
  return rc;
}

/* an absolute path, cleaned as Go's path.Clean (".", ".." and doubled slashes) */
static char *path_clean_abs(const char *p)
{
  autostrv char **parts = strv_split(p, '/');
  char **out = xcalloc(strv_len(parts) + 1, sizeof(char *));
  size_t n = 0;
  for (char **s = parts; *s; s++) {
    if (**s == '\0' || strcmp(*s, ".") == 0)
      continue;
    if (strcmp(*s, "..") == 0) {
      if (n)
        n--;
      continue;
    }
    out[n++] = *s;
  }
  out[n] = NULL;
  autofree char *j = strv_join(out, "/");
  free(out);
  return xasprintf("/%s", j);
}

/* rel against base (the WorkingDir), cleaned */
char *step_path_join(const char *base, const char *rel)
{
  if (rel[0] == '/')
    return path_clean_abs(rel);
  if (base == NULL || *base == '\0')
    base = "/";
  autofree char *j = xasprintf("%s/%s", base, rel);
  return path_clean_abs(j);
}

int step_find_stage(struct builder *b, const char *name, size_t before)
{
  char *end;
  long idx = strtol(name, &end, 10);
  if (*name && *end == '\0' && idx >= 0 && (size_t)idx < before)
    return (int)idx;
  for (size_t i = 0; i < before; i++)
    if (b->stages[i].name && strcasecmp(b->stages[i].name, name) == 0)
      return (int)i;
  return -1;
}
