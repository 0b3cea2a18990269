/* `tinydocker build`: the stages the target needs, each instruction dispatched as docker's
 * classic builder (docker 20.10 without BuildKit) does it: one image state per instruction,
 * its history's created_by in that builder's words, the layer cache keyed by the parent
 * state and the instruction (docs/build.md). */
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
#include "util/fileio.h"
#include "util/lock.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- variables ---- */

struct vars {
  json_t *env;  /* "K=V" array, or NULL */
  json_t *args; /* name -> value or null */
};

static const char *env_get(json_t *env, const char *name)
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
  const char *e = v->env ? env_get(v->env, name) : NULL;
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

static json_t *ccfg(struct stage *sg)
{
  json_t *c = json_object_get(sg->st.cfg, "config");
  if (!json_is_object(c)) {
    c = json_object();
    json_object_set_new(sg->st.cfg, "config", c);
  }
  return c;
}

static int expand(struct builder *b, struct stage *sg, const char *w, char **out,
                  struct td_err **err)
{
  struct vars v = {.env = json_object_get(ccfg(sg), "Env"), .args = sg->args};
  return df_expand(w, b->df.escape, lookup, &v, out, err);
}

/* an unquoted here-document's body: $v, ${v...} expanded, quotes kept as written (the escape
 * character before $ keeps it literal) */
static int expand_doc(struct builder *b, struct stage *sg, const char *body, char **out,
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
  int rc = expand(b, sg, q, out, err);
  free(q);
  return rc;
}

static void env_put(json_t *cc, const char *key, const char *val)
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

static char *go_strslice(char *const *v)
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
static char *go_duration(int64_t ns)
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

static json_t *strv_json(char *const *v)
{
  json_t *a = json_array();
  for (char *const *p = v; p && *p; p++)
    json_array_append_new(a, json_string(*p));
  return a;
}

static char **json_strv(json_t *a)
{
  char **v = xcalloc(1, sizeof(char *));
  size_t i;
  json_t *e;
  json_array_foreach (a, i, e)
    if (json_is_string(e))
      strv_push(&v, json_string_value(e));
  return v;
}

/* the shell form's argv: SHELL in force (docker's /bin/sh -c) + the command */
static char **shell_argv(struct stage *sg, const char *cmd)
{
  json_t *sh = json_object_get(ccfg(sg), "Shell");
  char **v = json_is_array(sh) && json_array_size(sh) ? json_strv(sh) : NULL;
  if (v == NULL) {
    v = xcalloc(1, sizeof(char *));
    strv_push(&v, "/bin/sh");
    strv_push(&v, "-c");
  }
  strv_push(&v, cmd);
  return v;
}

/* docker's "#(nop) " history entries start with the SHELL in force */
static char *nop(struct stage *sg, const char *sep, const char *comment)
{
  autostrv char **sh = shell_argv(sg, "#(nop)");
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

static void print_id(struct builder *b, const char *id)
{
  fprintf(b->out, " ---> %.12s\n", id ? image_digest_hex(id) : "");
}

/* the cache: true with the state replaced when this step is cached */
static bool cached(struct builder *b, struct stage *sg, const char *key)
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
static int meta_step(struct builder *b, struct stage *sg, const char *comment, struct td_err **err)
{
  json_t *cc = json_object_get(sg->st.cfg, "config");
  sort_keys(cc, "Labels");
  sort_keys(cc, "ExposedPorts");
  sort_keys(cc, "Volumes");
  autofree char *created_by = nop(sg, "  ", comment);
  autofree char *key = cache_key(&sg->st, created_by);
  /* the change is already in sg->st.cfg: a cache hit replaces it by the stored state */
  if (cached(b, sg, key))
    return 0;
  if (commit_meta(b, sg, created_by, err) < 0)
    return -1;
  cache_store(b, key, &sg->st);
  return 0;
}

/* ---- instructions ---- */

static int do_env_label(struct builder *b, struct stage *sg, struct df_instr *in, bool env,
                        struct td_err **err)
{
  json_t *cc = ccfg(sg);
  autofree char *msg = xstrdup(env ? "ENV" : "LABEL");
  /* every value is expanded with the variables as they were before this instruction */
  autostrv char **keys = xcalloc(in->n_kvs + 1, sizeof(char *));
  autostrv char **vals = xcalloc(in->n_kvs + 1, sizeof(char *));
  for (size_t i = 0; i < in->n_kvs; i++) {
    if (expand(b, sg, in->kvs[i].key, &keys[i], err) < 0 ||
        expand(b, sg, in->kvs[i].value, &vals[i], err) < 0)
      return -1;
  }
  for (size_t i = 0; i < in->n_kvs; i++) {
    if (env) {
      env_put(cc, keys[i], vals[i]);
    } else {
      json_t *l = json_object_get(cc, "Labels");
      if (!json_is_object(l)) {
        l = json_object();
        json_object_set_new(cc, "Labels", l);
      }
      json_object_set_new(l, keys[i], json_string(vals[i]));
    }
    char *t = xasprintf("%s %s=%s", msg, keys[i], vals[i]);
    free(msg);
    msg = t;
  }
  return meta_step(b, sg, msg, err);
}

static int do_arg(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  autofree char *msg = xstrdup("ARG");
  for (size_t i = 0; i < in->n_kvs; i++) {
    const char *k = in->kvs[i].key;
    autofree char *def = NULL;
    if (in->kvs[i].value && expand(b, sg, in->kvs[i].value, &def, err) < 0)
      return -1;
    json_t *given = json_object_get(b->build_args, k);
    json_object_set_new(b->consumed, k, json_true());
    if (given)
      json_object_set(sg->args, k, given);
    else if (def)
      json_object_set_new(sg->args, k, json_string(def));
    else if (json_is_string(json_object_get(b->meta, k)))
      json_object_set(sg->args, k, json_object_get(b->meta, k));
    else
      json_object_set_new(sg->args, k, json_null());
    char *t = def ? xasprintf("%s %s=%s", msg, k, def) : xasprintf("%s %s", msg, k);
    free(msg);
    msg = t;
  }
  return meta_step(b, sg, msg, err);
}

/* the build args in force for RUN: declared, with a value, not shadowed by ENV; sorted */
static char **run_args(struct stage *sg)
{
  char **v = xcalloc(1, sizeof(char *));
  json_t *env = json_object_get(ccfg(sg), "Env");
  const char *k;
  json_t *val;
  json_object_foreach (sg->args, k, val) {
    if (!json_is_string(val) || env_get(env, k))
      continue;
    strv_push_owned(&v, xasprintf("%s=%s", k, json_string_value(val)));
  }
  size_t n = strv_len(v);
  for (size_t i = 1; i < n; i++) /* insertion sort: few args */
    for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
      char *t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return v;
}

/* whether a RUN's command is one here-document marker alone ("<<EOF", "<<-'EOF'") */
static bool only_marker(const char *cmd)
{
  while (*cmd == ' ' || *cmd == '\t')
    cmd++;
  if (cmd[0] != '<' || cmd[1] != '<')
    return false;
  cmd += 2;
  if (*cmd == '-')
    cmd++;
  if (*cmd == '"' || *cmd == '\'')
    cmd++;
  while (*cmd && *cmd != ' ' && *cmd != '\t')
    cmd++;
  while (*cmd == ' ' || *cmd == '\t')
    cmd++;
  return *cmd == '\0';
}

/* RUN's shell form with here-documents: a command that is only "<<EOF" runs the body as the
 * script; otherwise the shell gets the command line and the documents as it would read them */
static char *heredoc_command(const struct df_instr *in)
{
  if (in->n_heredocs == 1 && only_marker(in->args[0]))
    return xstrdup(in->heredocs[0].body);
  char *cmd = xstrdup(in->args[0]);
  for (size_t i = 0; i < in->n_heredocs; i++) {
    char *t = xasprintf("%s\n%s%s", cmd, in->heredocs[i].body, in->heredocs[i].name);
    free(cmd);
    cmd = t;
  }
  return cmd;
}

static int do_run(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  autofree char *hcmd = in->n_heredocs && !in->json ? heredoc_command(in) : NULL;
  autostrv char **argv = in->json ? strv_dup(in->args) : shell_argv(sg, hcmd ? hcmd : in->args[0]);
  if (strv_len(argv) == 0)
    return err_set_exit(err, 1, 0, "RUN: no command given");
  autostrv char **args = run_args(sg);
  autofree char *cmd = strv_join(argv, " ");
  autofree char *created_by = NULL;
  if (strv_len(args)) {
    autofree char *a = strv_join(args, " ");
    created_by = xasprintf("|%zu %s %s", strv_len(args), a, cmd);
  } else {
    created_by = xstrdup(cmd);
  }
  autofree char *key = cache_key(&sg->st, created_by);
  if (cached(b, sg, key))
    return 0;
  struct fsstep f;
  int rc = fsstep_begin(b, &sg->st, &f, err);
  int code = 0;
  if (rc == 0)
    rc = run_step(b, &sg->st, &f, argv, args, &code, err);
  if (rc == 0 && code != 0)
    rc = err_set_exit(err, code, 0, "The command '%s' returned a non-zero code: %d", cmd, code);
  if (rc == 0)
    rc = fsstep_commit(b, &sg->st, &f, created_by, err);
  fsstep_end(&f);
  if (rc == 0)
    cache_store(b, key, &sg->st);
  return rc;
}

static int do_cmd_ep(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  bool ep = in->kind == DF_ENTRYPOINT;
  autostrv char **v = NULL;
  if (in->json)
    v = strv_dup(in->args);
  else if (ep && *in->args[0] == '\0')
    v = xcalloc(1, sizeof(char *));
  else
    v = shell_argv(sg, in->args[0]);
  json_t *cc = ccfg(sg);
  json_object_set_new(cc, ep ? "Entrypoint" : "Cmd", strv_json(v));
  if (ep && !sg->cmd_set)
    json_object_set_new(cc, "Cmd", json_null());
  if (!ep)
    sg->cmd_set = true;
  autofree char *q = go_strslice(v);
  autofree char *msg = xasprintf("%s %s", ep ? "ENTRYPOINT" : "CMD", q);
  return meta_step(b, sg, msg, err);
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
static char *path_join(const char *base, const char *rel)
{
  if (rel[0] == '/')
    return path_clean_abs(rel);
  if (base == NULL || *base == '\0')
    base = "/";
  autofree char *j = xasprintf("%s/%s", base, rel);
  return path_clean_abs(j);
}

static int do_workdir(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  autofree char *w = NULL;
  if (expand(b, sg, in->args[0], &w, err) < 0)
    return -1;
  json_t *cc = ccfg(sg);
  autofree char *full = path_join(json_string_value(json_object_get(cc, "WorkingDir")), w);
  /* cleaned as docker's filepath.Join: no trailing slash */
  size_t n = strlen(full);
  while (n > 1 && full[n - 1] == '/')
    full[--n] = '\0';
  json_object_set_new(cc, "WorkingDir", json_string(full));
  autofree char *wd = xasprintf("WORKDIR %s", full);
  autofree char *created_by = nop(sg, " ", wd);
  autofree char *key = cache_key(&sg->st, created_by);
  if (cached(b, sg, key))
    return 0;
  struct fsstep f;
  int rc = fsstep_begin(b, &sg->st, &f, err);
  if (rc == 0) {
    autoclose int rootfd = open(f.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    autoclose int d = rootfd >= 0 ? safepath_mkdir_p(rootfd, full, 0755, err) : -1;
    if (rootfd < 0)
      rc = err_set(err, errno, "open %s", f.rootfs);
    else if (d < 0)
      rc = err_prefix(err, "WORKDIR %s", full);
  }
  if (rc == 0)
    rc = fsstep_commit(b, &sg->st, &f, created_by, err);
  fsstep_end(&f);
  if (rc == 0)
    cache_store(b, key, &sg->st);
  return rc;
}

static int find_stage(struct builder *b, const char *name, size_t before)
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

static int do_copy(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  bool add = in->kind == DF_ADD;
  static const char *const copy_flags[] = {"from", "chown", "chmod", "link", NULL};
  static const char *const add_flags[] = {"chown", "chmod", "link", "checksum", NULL};
  if (df_check_flags(in, add ? add_flags : copy_flags, err) < 0)
    return -1;
  size_t n = strv_len(in->args);
  struct copy_req c = {.chmod = -1, .add = add, .from_context = true, .srcfd = b->ctxfd};
  autostrv char **srcs = xcalloc(n, sizeof(char *));
  for (size_t i = 0; i + 1 < n; i++)
    if (expand(b, sg, in->args[i], &srcs[i], err) < 0)
      return -1;
  c.srcs = srcs;
  autofree char *dest0 = NULL;
  if (expand(b, sg, in->args[n - 1], &dest0, err) < 0)
    return -1;
  bool slash = *dest0 && dest0[strlen(dest0) - 1] == '/';
  autofree char *dest =
      path_join(json_string_value(json_object_get(ccfg(sg), "WorkingDir")), dest0);
  if (slash && dest[strlen(dest) - 1] != '/') {
    char *t = xasprintf("%s/", dest);
    free(dest);
    dest = t;
  }
  c.dest = dest;
  const char *chown = df_flag(in, "chown");
  autofree char *chown_x = NULL;
  if (chown && *chown) {
    if (expand(b, sg, chown, &chown_x, err) < 0)
      return -1;
    c.chown_set = true;
    c.chown = chown_x;
  }
  const char *chmod = df_flag(in, "chmod");
  if (chmod && *chmod) {
    char *e;
    long m = strtol(chmod, &e, 8);
    if (*e || m < 0 || m > 07777)
      return err_set_exit(err, 1, 0, "invalid chmod parameter: %s", chmod);
    c.chmod = (int)m;
  }
  const char *from = df_flag(in, "from");
  struct bstate other = {0};
  autofree char *from_root = NULL;
  autoclose int from_fd = -1;
  c.extract = add;
  size_t n_urls = 0;
  for (char **s = srcs; *s; s++)
    n_urls += add && url_is(*s);
  /* here-documents as sources: files of their names, written into a directory of the build */
  size_t n_docs = 0;
  for (char **s = srcs; *s; s++)
    n_docs += (*s)[0] == '<' && (*s)[1] == '<';
  if (n_docs && (n_docs != n - 1 || n_docs != in->n_heredocs))
    return err_set_exit(err, 1, 0,
                        "%s: here-documents and other sources in one instruction are "
                        "not supported yet",
                        add ? "ADD" : "COPY");
  if (n_docs) {
    from_root = xasprintf("%s/doc%d", b->work, ++b->n_mounts);
    if (mkdir_p(from_root, 0700, err) < 0)
      return -1;
    autoclose int dfd = open(from_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return err_set(err, errno, "open %s", from_root);
    for (size_t i = 0; i < n_docs; i++) {
      const struct df_heredoc *h = &in->heredocs[i];
      autofree char *body = NULL;
      if (h->expand ? expand_doc(b, sg, h->body, &body, err) < 0 : (body = xstrdup(h->body), 0))
        return -1;
      autoclose int fd =
          openat(dfd, h->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t)strlen(body))
        return err_set(err, errno, "write the here-document %s", h->name);
      fchmod(fd, 0644);
      free(srcs[i]);
      srcs[i] = xstrdup(h->name);
    }
    from_fd = open(from_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (from_fd < 0)
      return err_set(err, errno, "open %s", from_root);
    c.srcfd = from_fd;
    c.from_context = false;
    c.extract = false;
  }
  const char *checksum = df_flag(in, "checksum");
  if (checksum && n_urls == 0)
    return err_set_exit(err, 1, 0, "ADD --checksum only applies to a URL source");
  if (n_urls && n_urls != n - 1)
    return err_set_exit(err, 1, 0,
                        "ADD: URL and local sources in one instruction are not "
                        "supported yet");
  if (n_urls && !n_docs) {
    /* fetched into a directory of the build, then copied from there like local files */
    from_root = xasprintf("%s/url%d", b->work, ++b->n_mounts);
    if (mkdir_p(from_root, 0700, err) < 0)
      return -1;
    for (char **s = srcs; *s; s++) {
      char *name = NULL;
      if (url_fetch(*s, checksum, from_root, &name, err) < 0)
        return err_prefix(err, "ADD failed");
      free(*s);
      *s = name;
    }
    from_fd = open(from_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (from_fd < 0)
      return err_set(err, errno, "open %s", from_root);
    c.srcfd = from_fd;
    c.from_context = false;
    c.extract = false; /* docker never extracts a downloaded archive */
  } else if (from && *from && !n_docs) {
    int idx = find_stage(b, from, (size_t)(sg - b->stages));
    if (idx >= 0) {
      bstate_copy(&b->stages[idx].st, &other);
    } else if (bstate_from_image(b, from, &other, err) < 0) {
      /* an image that is not in the store is pulled, as for FROM */
      struct registry_opts ro = {.quiet = false};
      if (!image_err_is_not_found(*err))
        return err_prefix(err, "COPY --from=%s", from);
      err_free(err);
      if (registry_pull(b->req->root, from, &ro, b->out, err) < 0 ||
          bstate_from_image(b, from, &other, err) < 0) {
        (*err)->exit_code = 1;
        return err_prefix(err, "COPY --from=%s", from);
      }
    }
    int rc = bstate_mount_ro(b, &other, &from_root, err);
    bstate_clear(&other);
    if (rc < 0)
      return -1;
    from_fd = open(from_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (from_fd < 0)
      return err_set(err, errno, "open %s", from_root);
    c.srcfd = from_fd;
    c.from_context = false;
  }
  autofree char *sum = NULL;
  int rc = copy_checksum(b, &c, &sum, err);
  autofree char *created_by = NULL, *key = NULL;
  if (rc == 0) {
    /* docker 20.10's words, its missing space after --chown included */
    autofree char *chown_c = c.chown ? xasprintf("--chown=%s", c.chown) : xstrdup("");
    autofree char *what = xasprintf("%s %s%s in %s ", add ? "ADD" : "COPY", chown_c, sum, dest0);
    created_by = nop(sg, " ", what);
    autofree char *text =
        xasprintf("%s\nchown=%s chmod=%d", created_by, c.chown ? c.chown : "", c.chmod);
    key = cache_key(&sg->st, text);
  }
  if (rc == 0 && !cached(b, sg, key)) {
    struct fsstep f;
    rc = fsstep_begin(b, &sg->st, &f, err);
    if (rc == 0)
      rc = copy_apply(b, &c, f.rootfs, err);
    if (rc == 0)
      rc = fsstep_commit(b, &sg->st, &f, created_by, err);
    fsstep_end(&f);
    if (rc == 0)
      cache_store(b, key, &sg->st);
  }
  if (from_root) {
    if (n_urls || n_docs) {
      autoerr struct td_err *e = NULL;
      if (rm_rf(from_root, &e) < 0)
        err_warn(&e, "remove %s", from_root);
    } else {
      umount2(from_root, MNT_DETACH);
      rmdir(from_root);
    }
  }
  if (rc < 0 && strncmp(err_text(*err), add ? "ADD" : "COPY", add ? 3 : 4) != 0)
    err_prefix(err, "%s failed", add ? "ADD" : "COPY");
  return rc;
}

static int add_port(json_t *ports, const char *spec, struct td_err **err)
{
  const char *slash = strchr(spec, '/');
  autofree char *num = slash ? xstrndup(spec, (size_t)(slash - spec)) : xstrdup(spec);
  const char *proto = slash ? slash + 1 : "tcp";
  char *e;
  long lo = strtol(num, &e, 10), hi = lo;
  if (*e == '-')
    hi = strtol(e + 1, &e, 10);
  if (*e || lo < 1 || hi > 65535 || hi < lo ||
      (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
    return err_set_exit(err, 1, 0, "invalid containerPort: %s", spec);
  for (long p = lo; p <= hi; p++) {
    autofree char *k = xasprintf("%ld/%s", p, proto);
    json_object_set_new(ports, k, json_object());
  }
  return 0;
}

static int do_simple(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  json_t *cc = ccfg(sg);
  size_t n = strv_len(in->args);
  autostrv char **w = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++)
    if (expand(b, sg, in->args[i], &w[i], err) < 0)
      return -1;
  autofree char *msg = NULL;
  switch (in->kind) {
  case DF_USER:
    json_object_set_new(cc, "User", json_string(w[0]));
    msg = xasprintf("USER %s", w[0]);
    break;
  case DF_STOPSIGNAL:
    if (rt_signal_parse(w[0]) < 0)
      return err_set_exit(err, 1, 0, "Invalid signal: %s", w[0]);
    json_object_set_new(cc, "StopSignal", json_string(w[0]));
    msg = xasprintf("STOPSIGNAL %s", w[0]);
    break;
  case DF_MAINTAINER:
    json_object_set_new(sg->st.cfg, "author", json_string(w[0]));
    msg = xasprintf("MAINTAINER %s", w[0]);
    break;
  case DF_EXPOSE: {
    json_t *p = json_object_get(cc, "ExposedPorts");
    if (!json_is_object(p)) {
      p = json_object();
      json_object_set_new(cc, "ExposedPorts", p);
    }
    for (size_t i = 0; i < n; i++)
      if (add_port(p, w[i], err) < 0)
        return -1;
    /* docker sorts them in the history */
    for (size_t i = 1; i < n; i++)
      for (size_t k = i; k > 0 && strcmp(w[k - 1], w[k]) > 0; k--) {
        char *t = w[k];
        w[k] = w[k - 1];
        w[k - 1] = t;
      }
    autofree char *j = strv_join(w, " ");
    msg = xasprintf("EXPOSE %s", j);
    break;
  }
  case DF_VOLUME: {
    json_t *v = json_object_get(cc, "Volumes");
    if (!json_is_object(v)) {
      v = json_object();
      json_object_set_new(cc, "Volumes", v);
    }
    for (size_t i = 0; i < n; i++) {
      if (*w[i] == '\0')
        return err_set_exit(err, 1, 0, "VOLUME specified can not be an empty string");
      json_object_set_new(v, w[i], json_object());
    }
    autofree char *j = strv_join(w, " ");
    msg = xasprintf("VOLUME [%s]", j);
    break;
  }
  case DF_SHELL: {
    json_object_set_new(cc, "Shell", strv_json(in->args));
    autofree char *j = strv_join(in->args, " ");
    msg = xasprintf("SHELL [%s]", j);
    break;
  }
  case DF_FROM:
  case DF_RUN:
  case DF_CMD:
  case DF_LABEL:
  case DF_ENV:
  case DF_ADD:
  case DF_COPY:
  case DF_ENTRYPOINT:
  case DF_WORKDIR:
  case DF_ARG:
  case DF_ONBUILD:
  case DF_HEALTHCHECK:
    return err_set(err, EINVAL, "internal: %s is not a simple instruction", df_kind_name(in->kind));
  }
  return meta_step(b, sg, msg, err);
}

static int do_healthcheck(struct builder *b, struct stage *sg, struct df_instr *in,
                          struct td_err **err)
{
  static const char *const flags[] = {"interval", "timeout", "start-period", "retries", NULL};
  if (df_check_flags(in, flags, err) < 0)
    return -1;
  json_t *cc = ccfg(sg);
  json_t *hc = json_object();
  autostrv char **test = xcalloc(1, sizeof(char *));
  if (in->health_none) {
    strv_push(&test, "NONE");
  } else if (in->json) {
    strv_push(&test, "CMD");
    for (char **a = in->args; *a; a++)
      strv_push(&test, *a);
  } else {
    strv_push(&test, "CMD-SHELL");
    strv_push(&test, in->args[0]);
  }
  json_object_set_new(hc, "Test", strv_json(test));
  static const char *const keys[] = {"Interval", "Timeout", "StartPeriod"};
  int64_t d[3] = {0, 0, 0};
  for (size_t i = 0; i < 3 && !in->health_none; i++) {
    const char *v = df_flag(in, flags[i]);
    if (v == NULL)
      continue;
    if (eng_parse_duration(v, &d[i], err) < 0)
      return err_set_exit(err, 1, 0, "HEALTHCHECK --%s: invalid duration %s", flags[i], v);
    if (d[i] < 0 || (d[i] > 0 && d[i] < 1000000LL))
      return err_set_exit(err, 1, 0, "Interval \"%s\" cannot be less than 1ms", flags[i]);
    json_object_set_new(hc, keys[i], json_integer(d[i]));
  }
  long retries = 0;
  const char *r = df_flag(in, "retries");
  if (r && !in->health_none) {
    char *e;
    retries = strtol(r, &e, 10);
    if (*e || retries < 0)
      return err_set_exit(err, 1, 0, "--retries cannot be negative (%s)", r);
    json_object_set_new(hc, "Retries", json_integer(retries));
  }
  json_object_set_new(cc, "Healthcheck", hc);
  autofree char *q = go_strslice(test);
  autofree char *di = go_duration(d[0]), *dt = go_duration(d[1]), *ds = go_duration(d[2]);
  autofree char *msg =
      xasprintf("HEALTHCHECK &{%s \"%s\" \"%s\" \"%s\" '\\x%02lx'}", q, di, dt, ds, retries & 0xff);
  return meta_step(b, sg, msg, err);
}

static int do_onbuild(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  /* docker stores the trigger with its instruction upper-cased */
  const char *p = in->rest;
  size_t wl = strcspn(p, " \t");
  autofree char *trig = xstrdup(p);
  for (size_t i = 0; i < wl; i++)
    trig[i] = (char)toupper((unsigned char)trig[i]);
  json_t *cc = ccfg(sg);
  json_t *ob = json_object_get(cc, "OnBuild");
  if (!json_is_array(ob)) {
    ob = json_array();
    json_object_set_new(cc, "OnBuild", ob);
  }
  json_array_append_new(ob, json_string(trig));
  autofree char *msg = xasprintf("ONBUILD %s", trig);
  return meta_step(b, sg, msg, err);
}

static int dispatch(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  static const char *const none[] = {NULL};
  if (in->kind != DF_COPY && in->kind != DF_ADD && in->kind != DF_HEALTHCHECK &&
      in->kind != DF_RUN && df_check_flags(in, none, err) < 0)
    return -1;
  switch (in->kind) {
  case DF_ENV:
    return do_env_label(b, sg, in, true, err);
  case DF_LABEL:
    return do_env_label(b, sg, in, false, err);
  case DF_ARG:
    return do_arg(b, sg, in, err);
  case DF_RUN: {
    static const char *const run_flags[] = {"network", NULL};
    if (df_check_flags(in, run_flags, err) < 0)
      return -1;
    return do_run(b, sg, in, err);
  }
  case DF_CMD:
  case DF_ENTRYPOINT:
    return do_cmd_ep(b, sg, in, err);
  case DF_WORKDIR:
    return do_workdir(b, sg, in, err);
  case DF_COPY:
  case DF_ADD:
    return do_copy(b, sg, in, err);
  case DF_USER:
  case DF_STOPSIGNAL:
  case DF_MAINTAINER:
  case DF_EXPOSE:
  case DF_VOLUME:
  case DF_SHELL:
    return do_simple(b, sg, in, err);
  case DF_HEALTHCHECK:
    return do_healthcheck(b, sg, in, err);
  case DF_ONBUILD:
    return do_onbuild(b, sg, in, err);
  case DF_FROM:
    break;
  }
  return err_set(err, EINVAL, "internal: FROM dispatched inside a stage");
}

/* ---- stages ---- */

static const char *meta_lookup(void *arg, const char *name)
{
  return json_string_value(json_object_get(arg, name));
}

static int from_ref(struct builder *b, struct df_instr *in, char **out, struct td_err **err)
{
  return df_expand(in->args[0], b->df.escape, meta_lookup, b->meta, out, err);
}

static int build_stage(struct builder *b, size_t si, struct td_err **err)
{
  struct stage *sg = &b->stages[si];
  struct df_instr *from = &b->df.v[sg->first];
  b->step++;
  fprintf(b->out, "Step %d/%d : %s\n", b->step, b->n_steps, from->original);
  static const char *const from_flags[] = {"platform", NULL};
  if (df_check_flags(from, from_flags, err) < 0)
    return -1;
  const char *plat = df_flag(from, "platform");
  if (plat && *plat) {
    autofree char *want = xasprintf("linux/%s", image_host_arch());
    if (strcmp(plat, want) != 0 && strcmp(plat, "linux") != 0)
      return err_set_exit(err, 1, 0, "--platform %s is not this machine's (%s)", plat, want);
  }
  autofree char *ref = NULL;
  if (from_ref(b, from, &ref, err) < 0)
    return -1;
  sg->args = json_object();
  int other = find_stage(b, ref, si);
  if (other >= 0 && b->stages[other].name && strcasecmp(b->stages[other].name, ref) == 0) {
    bstate_copy(&b->stages[other].st, &sg->st);
  } else if (strcmp(ref, "scratch") == 0) {
    bstate_scratch(&sg->st);
  } else {
    /* as docker: an image that is not in the store is pulled (--pull: always) */
    struct registry_opts ro = {.quiet = false};
    if (b->req->pull && registry_pull(b->req->root, ref, &ro, b->out, err) < 0) {
      (*err)->exit_code = 1; /* docker's CLI exits 1 for any build error */
      return -1;
    }
    if (bstate_from_image(b, ref, &sg->st, err) < 0) {
      if (!image_err_is_not_found(*err) || b->req->pull)
        return -1;
      err_free(err);
      if (registry_pull(b->req->root, ref, &ro, b->out, err) < 0) {
        (*err)->exit_code = 1;
        return -1;
      }
      if (bstate_from_image(b, ref, &sg->st, err) < 0)
        return -1;
    }
  }
  print_id(b, sg->st.id);
  /* the base image's ONBUILD triggers run first, then are gone from the new image */
  json_t *ob = json_object_get(ccfg(sg), "OnBuild");
  if (json_is_array(ob) && json_array_size(ob)) {
    autostrv char **trig = json_strv(ob);
    json_object_del(ccfg(sg), "OnBuild");
    fprintf(b->out, " # Executing %zu build trigger%s\n", strv_len(trig),
            strv_len(trig) == 1 ? "" : "s");
    for (char **t = trig; *t; t++) {
      struct df_instr ti;
      if (df_parse_line(*t, b->df.escape, from->line, &ti, err) < 0)
        return err_prefix(err, "ONBUILD trigger");
      int rc = dispatch(b, sg, &ti, err);
      df_instr_clear(&ti);
      if (rc < 0)
        return -1;
    }
    print_id(b, sg->st.id);
  }
  for (size_t i = sg->first + 1; i < sg->end; i++) {
    struct df_instr *in = &b->df.v[i];
    b->step++;
    fprintf(b->out, "Step %d/%d : %s\n", b->step, b->n_steps, in->original);
    fflush(b->out);
    if (dispatch(b, sg, in, err) < 0)
      return -1;
    print_id(b, sg->st.id);
  }
  sg->done = true;
  return 0;
}

static void mark_needed(struct builder *b, size_t si)
{
  struct stage *sg = &b->stages[si];
  if (sg->needed)
    return;
  sg->needed = true;
  autofree char *ref = NULL;
  autoerr struct td_err *e = NULL;
  if (from_ref(b, &b->df.v[sg->first], &ref, &e) == 0) {
    int o = find_stage(b, ref, si);
    if (o >= 0 && b->stages[o].name && strcasecmp(b->stages[o].name, ref) == 0)
      mark_needed(b, (size_t)o);
  }
  for (size_t i = sg->first + 1; i < sg->end; i++) {
    const char *f = b->df.v[i].kind == DF_COPY ? df_flag(&b->df.v[i], "from") : NULL;
    int o = f ? find_stage(b, f, si) : -1;
    if (o >= 0)
      mark_needed(b, (size_t)o);
  }
}

static int plan(struct builder *b, struct td_err **err)
{
  /* meta args: the ARGs before the first FROM */
  size_t i = 0;
  for (; i < b->df.n && b->df.v[i].kind == DF_ARG; i++) {
    struct df_instr *in = &b->df.v[i];
    for (size_t k = 0; k < in->n_kvs; k++) {
      const char *key = in->kvs[k].key;
      json_t *given = json_object_get(b->build_args, key);
      autofree char *def = NULL;
      if (in->kvs[k].value &&
          df_expand(in->kvs[k].value, b->df.escape, meta_lookup, b->meta, &def, err) < 0)
        return -1;
      if (given)
        json_object_set(b->meta, key, given);
      else if (def)
        json_object_set_new(b->meta, key, json_string(def));
      else
        json_object_set_new(b->meta, key, json_null());
      json_object_set_new(b->consumed, key, json_true());
    }
  }
  for (; i < b->df.n; i++) {
    if (b->df.v[i].kind == DF_FROM) {
      b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
      struct stage *sg = &b->stages[b->n_stages++];
      memset(sg, 0, sizeof(*sg));
      sg->first = i;
      if (strv_len(b->df.v[i].args) == 3) {
        sg->name = xstrdup(b->df.v[i].args[2]);
        for (char *c = sg->name; *c; c++)
          *c = (char)tolower((unsigned char)*c);
        for (size_t k = 0; k + 1 < b->n_stages; k++)
          if (b->stages[k].name && strcmp(b->stages[k].name, sg->name) == 0)
            return err_set_exit(err, 1, 0, "dockerfile parse error line %u: duplicate name %s",
                                b->df.v[i].line, sg->name);
      }
    }
    b->stages[b->n_stages - 1].end = i + 1;
  }
  size_t target = b->n_stages - 1;
  if (b->req->target && *b->req->target) {
    int t = -1;
    for (size_t k = 0; k < b->n_stages; k++)
      if (b->stages[k].name && strcasecmp(b->stages[k].name, b->req->target) == 0)
        t = (int)k;
    if (t < 0)
      return err_set_exit(err, 1, 0, "failed to reach build target %s in Dockerfile",
                          b->req->target);
    target = (size_t)t;
  }
  mark_needed(b, target);
  b->n_steps = strv_len(b->req->labels) ? 1 : 0;
  for (size_t k = 0; k < b->n_stages; k++)
    if (b->stages[k].needed)
      b->n_steps += (int)(b->stages[k].end - b->stages[k].first);
  return (int)target;
}

/* the result: tagged, or shown as an untagged image (no longer hidden as build cache) */
static int finish(struct builder *b, const struct bstate *st, char **names, struct td_err **err)
{
  const char *id = st->id;
  int lock = image_store_lock(b->req->root, err);
  if (lock < 0)
    return -1;
  autojson json_t *index = NULL;
  int rc = image_index_read(b->req->root, &index, err);
  json_t *entry = NULL;
  size_t i;
  json_t *e;
  if (rc == 0)
    json_array_foreach (json_object_get(index, "manifests"), i, e) {
      const char *eid = image_entry_id(e);
      if (eid && strcmp(eid, id) == 0) {
        json_object_del(json_object_get(e, "annotations"), IMAGE_ANNOT_BUILD_CACHE);
        entry = e;
      }
    }
  /* a cached state whose entry went (rmi, prune) while its blobs and layers stayed */
  if (rc == 0 && (entry != NULL || st->man != NULL)) {
    autofree char *dg =
        xstrdup(entry ? json_string_value(json_object_get(entry, "digest")) : st->man);
    json_int_t sz =
        entry ? json_integer_value(json_object_get(entry, "size")) : (json_int_t)st->man_size;
    const char *mt = entry ? json_string_value(json_object_get(entry, "mediaType")) : NULL;
    autofree char *mtd = xstrdup(mt ? mt : IMAGE_MT_OCI_MANIFEST);
    image_index_add(index, dg, (uint64_t)sz, mtd, id, names);
  } else if (rc == 0) {
    rc = err_set(err, ENOENT, "the built image %s is gone from the store", id);
  }
  if (rc == 0)
    rc = image_index_write(b->req->root, index, err);
  lock_release(lock);
  return rc;
}

static bool predefined_arg(const char *k)
{
  static const char *const pre[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                    "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                    "ALL_PROXY",  "all_proxy",  NULL};
  for (const char *const *p = pre; *p; p++)
    if (strcmp(*p, k) == 0)
      return true;
  return false;
}

/* the RUN containers a killed build left (their markers ctr-<id> in its work dir) */
static void sweep_containers(struct builder *b, const char *work)
{
  autoclosedir DIR *d = opendir(work);
  struct dirent *de;
  struct rt_ctx rt;
  eng_rt_ctx(&b->ctx, &rt);
  while (d && (de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, "ctr-", 4) != 0)
      continue;
    autoerr struct td_err *e = NULL;
    if (rt_delete(&rt, de->d_name + 4, true, &e) < 0)
      err_warn(&e, "remove a dead build's RUN container %.12s", de->d_name + 4);
    if (net_detach(b->req->root, de->d_name + 4, &e) < 0)
      err_warn(&e, "detach a dead build's RUN container %.12s", de->d_name + 4);
  }
}

/* work dirs of builds whose process is gone (their mounts went with its namespace) */
static void sweep(struct builder *b, const char *root)
{
  autofree char *dir = xasprintf("%s/builds", root);
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    int pid = atoi(de->d_name);
    if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
      continue;
    autofree char *p = xasprintf("%s/%s", dir, de->d_name);
    sweep_containers(b, p);
    autoerr struct td_err *e = NULL;
    if (rm_rf(p, &e) < 0)
      err_warn(&e, "remove a dead build's %s", p);
  }
}

/* a private mount namespace, entered before the build's first mount (a build wholly from the
 * cache mounts nothing): every overlay of the build goes when the build does */
int build_private_ns(struct builder *b, struct td_err **err)
{
  if (b->private_ns)
    return 0;
  b->host_mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (b->host_mntns < 0)
    return err_set(err, errno, "open /proc/self/ns/mnt");
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return err_set(err, errno, "private mount namespace");
  b->private_ns = true;
  return 0;
}

static int build_main(struct builder *b, char **id_out, struct td_err **err)
{
  const struct build_req *r = b->req;
  autostrv char **names = NULL;
  if (image_names_full(r->tags, &names, err) < 0)
    return err_set_exit(err, 1, 0, "invalid argument for \"-t, --tag\" flag: %s", err_text(*err));
  for (char **a = r->build_args; a && *a; a++) {
    const char *eq = strchr(*a, '=');
    autofree char *k = eq ? xstrndup(*a, (size_t)(eq - *a)) : xstrdup(*a);
    const char *v = eq ? eq + 1 : getenv(k);
    if (v) /* docker: --build-arg K with K unset in the environment is ignored */
      json_object_set_new(b->build_args, k, json_string(v));
  }
  sweep(b, r->root);
  b->work = xasprintf("%s/builds/%d-XXXXXX", r->root, (int)getpid());
  autofree char *bdir = xasprintf("%s/builds", r->root);
  if (mkdir_p(bdir, 0700, err) < 0)
    return -1;
  if (mkdtemp(b->work) == NULL)
    return err_set(err, errno, "create %s", b->work);
  if (context_open(b, err) < 0)
    return -1;
  autofree char *text = NULL;
  size_t len = 0;
  if (context_dockerfile(b, &text, &len, err) < 0)
    return -1;
  const char *fname = r->file && strcmp(r->file, "-") != 0 ? r->file : "Dockerfile";
  if (df_parse(text, len, fname, &b->df, err) < 0)
    return -1;
  if (b->df.syntax)
    fprintf(stderr, "tinydocker: note: # syntax=%s is ignored: the builder is tinydocker's own\n",
            b->df.syntax);
  int target = plan(b, err);
  if (target < 0)
    return -1;
  for (size_t i = 0; i <= (size_t)target; i++)
    if (b->stages[i].needed && build_stage(b, i, err) < 0)
      return -1;
  struct stage *sg = &b->stages[target];
  if (strv_len(r->labels)) {
    /* docker's classic builder adds the --label values as a last LABEL instruction */
    json_t *cc = ccfg(sg);
    json_t *l = json_object_get(cc, "Labels");
    if (!json_is_object(l)) {
      l = json_object();
      json_object_set_new(cc, "Labels", l);
    }
    autofree char *msg = xstrdup("LABEL");
    for (char **p = r->labels; *p; p++) {
      const char *eq = strchr(*p, '=');
      autofree char *k = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
      json_object_set_new(l, k, json_string(eq ? eq + 1 : ""));
      char *t = xasprintf("%s %s=%s", msg, k, eq ? eq + 1 : "");
      free(msg);
      msg = t;
    }
    b->step++;
    fprintf(b->out, "Step %d/%d : %s\n", b->step, b->n_steps, msg);
    if (meta_step(b, sg, msg, err) < 0)
      return -1;
    print_id(b, sg->st.id);
  }
  if (sg->st.id == NULL)
    return err_set_exit(err, 1, 0, "No image was generated. Is your Dockerfile empty?");
  if (finish(b, &sg->st, names, err) < 0)
    return -1;
  autofree char *unused = NULL;
  const char *k;
  json_t *v;
  json_object_foreach (b->build_args, k, v) {
    if (json_object_get(b->consumed, k) || predefined_arg(k))
      continue;
    char *t = unused ? xasprintf("%s %s", unused, k) : xstrdup(k);
    free(unused);
    unused = t;
  }
  if (unused)
    fprintf(b->out, "[Warning] One or more build-args [%s] were not consumed\n", unused);
  fprintf(b->out, "Successfully built %.12s\n", image_digest_hex(sg->st.id));
  for (char **t = r->tags; t && *t; t++) {
    struct image_ref *pr = NULL;
    autoerr struct td_err *e = NULL;
    if (image_ref_parse(*t, &pr, &e) == 0) {
      autofree char *f = image_ref_familiar(pr);
      fprintf(b->out, "Successfully tagged %s\n", f);
      image_ref_free(pr);
    }
  }
  if (r->iidfile &&
      file_write_atomic(AT_FDCWD, r->iidfile, sg->st.id, strlen(sg->st.id), 0644, err) < 0)
    return err_prefix(err, "write the image ID file");
  *id_out = xstrdup(sg->st.id);
  return 0;
}

int build_run(const struct build_req *req, char **id_out, struct td_err **err)
{
  struct builder b = {.req = req, .ctxfd = -1, .watch_fd = -1, .host_mntns = -1};
  if (eng_ctx_init(&b.ctx, req->root, false, err) < 0)
    return -1;
  b.out = req->quiet ? fopen("/dev/null", "we") : stdout;
  b.meta = json_object();
  b.build_args = json_object();
  b.consumed = json_object();
  int rc = build_main(&b, id_out, err);
  fflush(b.out);
  if (req->quiet && b.out)
    fclose(b.out);
  for (size_t i = 0; i < b.n_stages; i++) {
    bstate_clear(&b.stages[i].st);
    free(b.stages[i].name);
    json_decref(b.stages[i].args);
  }
  free(b.stages);
  watchdog_stop(&b);
  if (b.work) {
    autoerr struct td_err *e = NULL;
    if (rm_rf(b.work, &e) < 0)
      err_warn(&e, "remove the build's work dir");
  }
  if (b.ctxfd >= 0)
    close(b.ctxfd);
  if (b.host_mntns >= 0)
    close(b.host_mntns);
  free(b.work);
  free(b.ctxdir);
  df_ignore_free(b.ignore);
  df_free(&b.df);
  json_decref(b.meta);
  json_decref(b.build_args);
  json_decref(b.consumed);
  eng_ctx_clear(&b.ctx);
  return rc;
}
