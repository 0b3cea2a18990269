/* Credentials in <root>/auth.json and the token dance of the distribution auth spec. */
#include "image/registry/creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static char *auth_path(const char *root)
{
  return xasprintf("%s/auth.json", root);
}

static int creds_load(const char *root, json_t **out, struct td_err **err)
{
  autofree char *p = auth_path(root);
  if (access(p, F_OK) != 0) {
    *out = json_pack("{s:{}}", "auths");
    return 0;
  }
  if (file_read_json(AT_FDCWD, p, out, err) < 0)
    return -1;
  if (!json_is_object(json_object_get(*out, "auths")))
    json_object_set_new(*out, "auths", json_object());
  return 0;
}

static char *b64_encode(const char *s)
{
  size_t n = strlen(s);
  char *out = xmalloc(4 * ((n + 2) / 3) + 1);
  EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
  return out;
}

static char *b64_decode(const char *s)
{
  size_t n = strlen(s);
  unsigned char *out = xmalloc(3 * (n / 4) + 4);
  int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
  if (len < 0) {
    free(out);
    return NULL;
  }
  while (len > 0 && n > 0 && s[n - 1] == '=') { /* EVP_DecodeBlock counts padding bytes */
    len--;
    n--;
  }
  out[len] = '\0';
  return (char *)out;
}

int reg_creds_get(const char *root, const char *host, char **out, struct td_err **err)
{
  *out = NULL;
  autojson json_t *j = NULL;
  if (creds_load(root, &j, err) < 0)
    return err_prefix(err, "read credentials");
  json_t *e = json_object_get(json_object_get(j, "auths"), host);
  const char *a = json_string_value(json_object_get(e, "auth"));
  if (a)
    *out = b64_decode(a);
  return 0;
}

int reg_creds_put(const char *root, const char *host, const char *user, const char *password,
                  struct td_err **err)
{
  autojson json_t *j = NULL;
  if (creds_load(root, &j, err) < 0)
    return -1;
  autofree char *up = xasprintf("%s:%s", user, password);
  autofree char *enc = b64_encode(up);
  explicit_bzero(up, strlen(up));
  json_object_set_new(json_object_get(j, "auths"), host, json_pack("{s:s}", "auth", enc));
  if (mkdir_p(root, 0700, err) < 0)
    return -1;
  autofree char *p = auth_path(root);
  return file_write_json(AT_FDCWD, p, j, 0600, err);
}

int reg_creds_remove(const char *root, const char *host, struct td_err **err)
{
  autojson json_t *j = NULL;
  if (creds_load(root, &j, err) < 0)
    return -1;
  json_t *auths = json_object_get(j, "auths");
  if (json_object_get(auths, host) == NULL)
    return err_set(err, ENOENT, "not logged in to %s", host);
  json_object_del(auths, host);
  autofree char *p = auth_path(root);
  return file_write_json(AT_FDCWD, p, j, 0600, err);
}

/* One parameter of a challenge: key="value" (quotes optional). */
static char *challenge_param(const char *h, const char *key)
{
  size_t kl = strlen(key);
  for (const char *p = h; (p = strcasestr(p, key)) != NULL; p += kl) {
    if (p != h && p[-1] != ' ' && p[-1] != ',')
      continue;
    const char *v = p + kl;
    if (*v != '=')
      continue;
    v++;
    if (*v == '"') {
      const char *end = strchr(v + 1, '"');
      return end ? xstrndup(v + 1, (size_t)(end - v - 1)) : NULL;
    }
    size_t n = strcspn(v, ", ");
    return xstrndup(v, n);
  }
  return NULL;
}

int reg_parse_challenge(const char *h, char **scheme, char **realm, char **service, char **scope)
{
  while (isspace((unsigned char)*h))
    h++;
  size_t n = strcspn(h, " ");
  if (n == 0)
    return -1;
  *scheme = xstrndup(h, n);
  *realm = challenge_param(h + n, "realm");
  *service = challenge_param(h + n, "service");
  *scope = challenge_param(h + n, "scope");
  return 0;
}

struct buf {
  char *p;
  size_t n;
};

static int buf_sink(void *ctx, const void *data, size_t n)
{
  struct buf *b = ctx;
  if (b->n + n > (1u << 20))
    return -1; /* a token response is small */
  b->p = xrealloc(b->p, b->n + n + 1);
  memcpy(b->p + b->n, data, n);
  b->n += n;
  b->p[b->n] = '\0';
  return 0;
}

static int fetch_token(struct reg_client *c, const char *realm, const char *service,
                       struct td_err **err)
{
  CURL *e = curl_easy_init();
  if (e == NULL)
    return err_set(err, ENOMEM, "curl_easy_init");
  autofree char *scope = xasprintf("repository:%s:%s", c->repo, c->actions);
  char *esc_scope = curl_easy_escape(e, scope, 0);
  char *esc_service = service ? curl_easy_escape(e, service, 0) : NULL;
  autofree char *url =
      xasprintf("%s%sscope=%s%s%s", realm, strchr(realm, '?') ? "&" : "?", esc_scope,
                esc_service ? "&service=" : "", esc_service ? esc_service : "");
  curl_free(esc_scope);
  curl_free(esc_service);
  struct buf b = {0};
  struct reg_client tc = {.base = (char *)""}; /* the realm is absolute */
  pthread_mutex_init(&tc.lock, NULL);
  tc.basic = c->basic;
  tc.use_basic = c->basic != NULL;
  struct reg_req r = {
      .method = "GET", .url = url, .sink = buf_sink, .sink_ctx = &b, .no_challenge = true};
  struct reg_resp resp = {0};
  curl_easy_cleanup(e);
  int rc = reg_do(&tc, &r, &resp, err);
  pthread_mutex_destroy(&tc.lock);
  if (rc == 0 && (resp.status < 200 || resp.status >= 300))
    rc = err_set(err, EACCES, "get token from %s: HTTP status %ld", realm, resp.status);
  reg_resp_clear(&resp);
  if (rc < 0) {
    free(b.p);
    return -1;
  }
  autojson json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
  free(b.p);
  const char *tok = json_string_value(json_object_get(j, "token"));
  if (tok == NULL)
    tok = json_string_value(json_object_get(j, "access_token"));
  if (tok == NULL)
    return err_set(err, EACCES, "get token from %s: no token in the answer", realm);
  pthread_mutex_lock(&c->lock);
  free(c->token);
  c->token = xstrdup(tok);
  pthread_mutex_unlock(&c->lock);
  return 0;
}

int reg_answer_challenge(struct reg_client *c, const char *www_auth, struct td_err **err)
{
  autofree char *scheme = NULL, *realm = NULL, *service = NULL, *scope = NULL;
  if (reg_parse_challenge(www_auth, &scheme, &realm, &service, &scope) < 0)
    return err_set(err, EACCES, "bad WWW-Authenticate header from %s", c->host);
  if (strcasecmp(scheme, "Basic") == 0) {
    if (c->basic == NULL)
      return err_set(err, EACCES, "%s needs credentials: run tinydocker login %s", c->host,
                     c->host);
    pthread_mutex_lock(&c->lock);
    c->use_basic = true;
    pthread_mutex_unlock(&c->lock);
    return 0;
  }
  if (strcasecmp(scheme, "Bearer") == 0 && realm)
    return fetch_token(c, realm, service, err);
  return err_set(err, EACCES, "unsupported auth scheme %s from %s", scheme, c->host);
}
