/* HTTP to a registry over libcurl: requests, streaming, and answering auth challenges. */
#include "image/registry/client.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "image/registry/creds.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

const char *reg_endpoint_host(const char *domain)
{
  if (strcmp(domain, "docker.io") == 0 || strcmp(domain, "index.docker.io") == 0)
    return "registry-1.docker.io";
  return domain;
}

static bool host_is_loopback(const char *host)
{
  autofree char *h = NULL;
  if (host[0] == '[') { /* [::1]:5000 */
    const char *end = strchr(host, ']');
    h = end ? xstrndup(host + 1, (size_t)(end - host - 1)) : xstrdup(host);
  } else {
    const char *colon = strchr(host, ':');
    h = colon ? xstrndup(host, (size_t)(colon - host)) : xstrdup(host);
  }
  if (strcasecmp(h, "localhost") == 0 || strcmp(h, "::1") == 0)
    return true;
  struct in_addr a;
  return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

bool reg_host_insecure(const char *host, char *const *insecure)
{
  return host_is_loopback(host) || strv_find(insecure, host) >= 0;
}

static void curl_init_once(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

int reg_client_init(struct reg_client *c, const char *root, const char *host, const char *repo,
                    const char *actions, char *const *insecure, struct td_err **err)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, curl_init_once);
  memset(c, 0, sizeof(*c));
  c->host = xstrdup(reg_endpoint_host(host));
  c->base = xasprintf("%s://%s", reg_host_insecure(c->host, insecure) ? "http" : "https", c->host);
  c->repo = xstrdup(repo);
  c->actions = xstrdup(actions);
  pthread_mutex_init(&c->lock, NULL);
  if (reg_creds_get(root, host, &c->basic, err) < 0) {
    reg_client_clear(c);
    return -1;
  }
  return 0;
}

void reg_client_clear(struct reg_client *c)
{
  free(c->host);
  free(c->base);
  free(c->repo);
  free(c->actions);
  if (c->basic)
    explicit_bzero(c->basic, strlen(c->basic));
  free(c->basic);
  free(c->token);
  pthread_mutex_destroy(&c->lock);
  memset(c, 0, sizeof(*c));
}

void reg_resp_clear(struct reg_resp *r)
{
  free(r->body);
  free(r->content_type);
  free(r->docker_digest);
  free(r->location);
  free(r->www_auth);
  memset(r, 0, sizeof(*r));
}

struct xfer {
  const struct reg_req *req;
  struct reg_resp *resp;
  size_t cap;
  size_t sent;
  bool sink_failed;
  int sink_errno; /* why the sink stopped (ENOSPC of the blob file, ...) */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
  struct xfer *x = ud;
  size_t n = size * nmemb;
  /* error bodies are always buffered so that they can be reported */
  if (x->req->sink && x->resp->status >= 200 && x->resp->status < 300) {
    errno = 0;
    if (x->req->sink(x->req->sink_ctx, data, n) < 0) {
      x->sink_failed = true;
      x->sink_errno = errno ? errno : EIO;
      return 0;
    }
    return n;
  }
  if (x->resp->len + n + 1 > x->cap) {
    x->cap = (x->resp->len + n + 1) * 2;
    x->resp->body = xrealloc(x->resp->body, x->cap);
  }
  memcpy(x->resp->body + x->resp->len, data, n);
  x->resp->len += n;
  x->resp->body[x->resp->len] = '\0';
  return n;
}

static size_t on_upload(char *buf, size_t size, size_t nmemb, void *ud)
{
  struct xfer *x = ud;
  size_t want = size * nmemb;
  if (x->req->source) {
    long r = x->req->source(x->req->source_ctx, buf, want);
    return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
  }
  size_t left = x->req->body_len - x->sent;
  size_t n = left < want ? left : want;
  memcpy(buf, (const char *)x->req->body + x->sent, n);
  x->sent += n;
  return n;
}

static char *header_value(const char *line, size_t n, const char *name)
{
  size_t l = strlen(name);
  if (n <= l + 1 || strncasecmp(line, name, l) != 0 || line[l] != ':')
    return NULL;
  const char *v = line + l + 1;
  const char *end = line + n;
  while (v < end && isspace((unsigned char)*v))
    v++;
  while (end > v && isspace((unsigned char)end[-1]))
    end--;
  return xstrndup(v, (size_t)(end - v));
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
  struct xfer *x = ud;
  size_t n = size * nmemb;
  struct reg_resp *r = x->resp;
  char *v;
  if (n > 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new response (redirects): reset */
    const char *sp = memchr(line, ' ', n);
    r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    free(r->location);
    r->location = NULL;
    free(r->www_auth);
    r->www_auth = NULL;
  } else if ((v = header_value(line, n, "Content-Type"))) {
    free(r->content_type);
    r->content_type = v;
  } else if ((v = header_value(line, n, "Docker-Content-Digest"))) {
    free(r->docker_digest);
    r->docker_digest = v;
  } else if ((v = header_value(line, n, "Location"))) {
    free(r->location);
    r->location = v;
  } else if ((v = header_value(line, n, "WWW-Authenticate"))) {
    free(r->www_auth);
    r->www_auth = v;
  } else if ((v = header_value(line, n, "Content-Length"))) {
    r->content_length = strtoull(v, NULL, 10);
    free(v);
  }
  return n;
}

static char *absolute_url(const struct reg_client *c, const char *url)
{
  if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
    return xstrdup(url);
  return xasprintf("%s%s", c->base, url);
}

static struct curl_slist *request_headers(struct reg_client *c, const struct reg_req *r)
{
  struct curl_slist *h = NULL;
  if (r->accept) {
    autofree char *a = xasprintf("Accept: %s", r->accept);
    h = curl_slist_append(h, a);
  }
  if (r->content_type) {
    autofree char *t = xasprintf("Content-Type: %s", r->content_type);
    h = curl_slist_append(h, t);
  }
  pthread_mutex_lock(&c->lock);
  if (c->token) {
    autofree char *t = xasprintf("Authorization: Bearer %s", c->token);
    h = curl_slist_append(h, t);
  }
  pthread_mutex_unlock(&c->lock);
  h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip on uploads */
  return h;
}

static void set_method(CURL *e, const struct reg_req *r, struct xfer *x)
{
  bool upload = strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0 ||
                strcmp(r->method, "POST") == 0;
  if (strcmp(r->method, "HEAD") == 0) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (upload) {
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(e, CURLOPT_READDATA, x);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_len);
    if (strcmp(r->method, "PUT") != 0)
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
  }
}

static int perform_once(struct reg_client *c, const struct reg_req *r, struct reg_resp *resp,
                        struct td_err **err)
{
  reg_resp_clear(resp);
  struct xfer x = {.req = r, .resp = resp};
  CURL *e = curl_easy_init();
  if (e == NULL)
    return err_set(err, ENOMEM, "curl_easy_init");
  autofree char *url = absolute_url(c, r->url);
  struct curl_slist *h = request_headers(c, r);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, strcmp(r->method, "GET") == 0 ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "tinydocker/" TD_VERSION);
  pthread_mutex_lock(&c->lock);
  bool basic = c->use_basic && c->basic;
  autofree char *userpwd = basic ? xstrdup(c->basic) : NULL;
  pthread_mutex_unlock(&c->lock);
  if (userpwd) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERPWD, userpwd);
  }
  set_method(e, r, &x);
  CURLcode rc = curl_easy_perform(e);
  curl_slist_free_all(h);
  curl_easy_cleanup(e);
  if (x.sink_failed)
    return err_set(err, x.sink_errno, "%s %s: store the download", r->method, url);
  if (rc != CURLE_OK)
    return err_set(err, 0, "%s %s: %s", r->method, url, curl_easy_strerror(rc));
  return 0;
}

int reg_do(struct reg_client *c, const struct reg_req *r, struct reg_resp *resp,
           struct td_err **err)
{
  if (perform_once(c, r, resp, err) < 0)
    return -1;
  if (resp->status != 401 || resp->www_auth == NULL || r->no_challenge)
    return 0;
  if (reg_answer_challenge(c, resp->www_auth, err) < 0)
    return -1;
  if (r->source) /* a streamed body cannot be replayed; callers authenticate first */
    return 0;
  return perform_once(c, r, resp, err);
}

char *reg_error_text(const struct reg_resp *resp)
{
  autojson json_t *j = resp->body ? json_loads(resp->body, 0, NULL) : NULL;
  json_t *errs = json_object_get(j, "errors");
  if (json_is_array(errs) && json_array_size(errs) > 0) {
    json_t *e0 = json_array_get(errs, 0);
    const char *code = json_string_value(json_object_get(e0, "code"));
    const char *msg = json_string_value(json_object_get(e0, "message"));
    if (code && msg)
      return xasprintf("%s: %s", code, msg);
    return xstrdup(msg ? msg : (code ? code : "error"));
  }
  return xasprintf("HTTP status %ld", resp->status);
}
