#include "image/changes.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* JSON array form if it parses as an array of strings, else NULL. */
static json_t *exec_form(const char *args)
{
  json_t *j = json_loads(args, JSON_DECODE_ANY, NULL);
  if (!json_is_array(j)) {
    json_decref(j);
    return NULL;
  }
  size_t i;
  json_t *s;
  json_array_foreach (j, i, s) {
    if (!json_is_string(s)) {
      json_decref(j);
      return NULL;
    }
  }
  return j;
}

static json_t *cmd_value(const char *args)
{
  json_t *j = exec_form(args);
  return j ? j : json_pack("[s,s,s]", "/bin/sh", "-c", args);
}

/* Whitespace-separated words; double or single quotes group and are removed. */
static char **words(const char *s)
{
  char **v = xcalloc(1, sizeof(char *));
  while (*s) {
    while (isspace((unsigned char)*s))
      s++;
    if (!*s)
      break;
    size_t cap = strlen(s) + 1, n = 0;
    char *w = xmalloc(cap);
    char q = 0;
    for (; *s && (q || !isspace((unsigned char)*s)); s++) {
      if (q && *s == q) {
        q = 0;
      } else if (!q && (*s == '"' || *s == '\'')) {
        q = *s;
      } else if (*s == '\\' && s[1]) {
        w[n++] = *++s;
      } else {
        w[n++] = *s;
      }
    }
    w[n] = '\0';
    strv_push_owned(&v, w);
  }
  return v;
}

static int change_env(json_t *cfg, const char *args, struct td_err **err)
{
  json_t *env = json_object_get(cfg, "Env");
  if (!json_is_array(env)) {
    env = json_array();
    json_object_set_new(cfg, "Env", env);
  }
  autostrv char **w = words(args);
  autostrv char **pairs = NULL;
  if (strv_len(w) >= 1 && strchr(w[0], '=') == NULL) { /* ENV KEY value with spaces */
    const char *v = args + strspn(args, " \t");
    v += strcspn(v, " \t");
    v += strspn(v, " \t");
    strv_push_owned(&pairs, xasprintf("%s=%s", w[0], v));
  } else {
    for (char **p = w; *p; p++) {
      if (strchr(*p, '=') == NULL || **p == '=')
        return err_set(err, EINVAL, "ENV: \"%s\" is not KEY=VALUE", *p);
      strv_push(&pairs, *p);
    }
  }
  for (char **p = pairs; p && *p; p++) {
    size_t kl = (size_t)(strchr(*p, '=') - *p) + 1;
    size_t i;
    json_t *e;
    bool replaced = false;
    json_array_foreach (env, i, e) {
      const char *s = json_string_value(e);
      if (s && strncmp(s, *p, kl) == 0) {
        json_array_set_new(env, i, json_string(*p));
        replaced = true;
        break;
      }
    }
    if (!replaced)
      json_array_append_new(env, json_string(*p));
  }
  return 0;
}

static int change_set_keys(json_t *cfg, const char *key, const char *args, bool ports,
                           struct td_err **err)
{
  json_t *o = json_object_get(cfg, key);
  if (!json_is_object(o)) {
    o = json_object();
    json_object_set_new(cfg, key, o);
  }
  json_t *arr = exec_form(args);
  autostrv char **w = NULL;
  if (arr) {
    size_t i;
    json_t *s;
    json_array_foreach (arr, i, s)
      strv_push(&w, json_string_value(s));
    json_decref(arr);
  } else {
    w = words(args);
  }
  if (strv_len(w) == 0)
    return err_set(err, EINVAL, "%s needs at least one argument", key);
  for (char **p = w; *p; p++) {
    autofree char *k = ports && !strchr(*p, '/') ? xasprintf("%s/tcp", *p) : xstrdup(*p);
    json_object_set_new(o, k, json_object());
  }
  return 0;
}

static int change_labels(json_t *cfg, const char *args, struct td_err **err)
{
  json_t *o = json_object_get(cfg, "Labels");
  if (!json_is_object(o)) {
    o = json_object();
    json_object_set_new(cfg, "Labels", o);
  }
  autostrv char **w = words(args);
  for (char **p = w; *p; p++) {
    char *eq = strchr(*p, '=');
    if (eq == NULL || eq == *p)
      return err_set(err, EINVAL, "LABEL: \"%s\" is not KEY=VALUE", *p);
    *eq = '\0';
    json_object_set_new(o, *p, json_string(eq + 1));
  }
  return 0;
}

static int change_string(json_t *cfg, const char *key, const char *args, struct td_err **err)
{
  autostrv char **w = words(args);
  if (strv_len(w) != 1)
    return err_set(err, EINVAL, "%s takes exactly one argument", key);
  json_object_set_new(cfg, key, json_string(w[0]));
  return 0;
}

int image_change_apply(json_t *cfg, const char *change, struct td_err **err)
{
  const char *s = change + strspn(change, " \t");
  size_t kl = strcspn(s, " \t");
  autofree char *kw = xstrndup(s, kl);
  const char *args = s + kl;
  args += strspn(args, " \t");
  if (strcasecmp(kw, "CMD") == 0)
    return json_object_set_new(cfg, "Cmd", cmd_value(args)), 0;
  if (strcasecmp(kw, "ENTRYPOINT") == 0)
    return json_object_set_new(cfg, "Entrypoint", cmd_value(args)), 0;
  if (strcasecmp(kw, "ENV") == 0)
    return change_env(cfg, args, err);
  if (strcasecmp(kw, "EXPOSE") == 0)
    return change_set_keys(cfg, "ExposedPorts", args, true, err);
  if (strcasecmp(kw, "VOLUME") == 0)
    return change_set_keys(cfg, "Volumes", args, false, err);
  if (strcasecmp(kw, "LABEL") == 0)
    return change_labels(cfg, args, err);
  if (strcasecmp(kw, "WORKDIR") == 0)
    return change_string(cfg, "WorkingDir", args, err);
  if (strcasecmp(kw, "USER") == 0)
    return change_string(cfg, "User", args, err);
  if (strcasecmp(kw, "STOPSIGNAL") == 0)
    return change_string(cfg, "StopSignal", args, err);
  if (strcasecmp(kw, "ONBUILD") == 0) {
    json_t *o = json_object_get(cfg, "OnBuild");
    if (!json_is_array(o)) {
      o = json_array();
      json_object_set_new(cfg, "OnBuild", o);
    }
    return json_array_append_new(o, json_string(args)), 0;
  }
  return err_set(err, EINVAL, "%s is not a valid change command", kw);
}
