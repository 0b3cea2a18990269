/* ADD of a URL: the file fetched over http(s) (libcurl, redirects followed within http and
 * https only, the store's layer size cap) into the build's work dir, then copied like a local
 * file: mode 0600 and the Last-Modified time as docker's classic builder gives them, never
 * extracted. --checksum=sha256:<hex> is verified before anything is copied. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine/build/internal.h"
#include "image/layer.h"
#include "image/sha256.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

struct sink {
  int fd;
  struct image_sha256 h;
  uint64_t n;
  int err;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
  struct sink *s = arg;
  size_t len = size * nmemb;
  for (size_t off = 0; off < len;) {
    ssize_t w = write(s->fd, p + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      s->err = errno;
      return 0;
    }
    off += (size_t)w;
  }
  image_sha256_update(&s->h, p, len);
  s->n += len;
  return len;
}

/* the file name docker gives a URL source: the last element of its path */
static char *url_name(const char *url)
{
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  const char *path = strchr(p, '/');
  if (path == NULL)
    return NULL;
  size_t n = strcspn(path, "?#");
  char *copy = xstrndup(path, n);
  char *slash = strrchr(copy, '/');
  char *name = slash && slash[1] ? xstrdup(slash + 1) : NULL;
  free(copy);
  if (name && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)) {
    free(name);
    name = NULL;
  }
  return name;
}

bool url_is(const char *s)
{
  return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

int url_fetch(const char *url, const char *checksum, const char *dir, char **name_out,
              struct td_err **err)
{
  autofree char *name = url_name(url);
  if (name == NULL)
    return err_set_exit(err, 1, 0, "cannot determine filename from url: %s", url);
  if (checksum && strncmp(checksum, "sha256:", 7) != 0)
    return err_set_exit(err, 1, 0, "unsupported digest algorithm for --checksum: %s", checksum);
  autofree char *path = xasprintf("%s/%s", dir, name);
  struct sink s = {.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (s.fd < 0)
    return err_set(err, errno, "create %s", path);
  image_sha256_init(&s.h);
  CURL *e = curl_easy_init();
  if (e == NULL) {
    close(s.fd);
    return err_set(err, ENOMEM, "curl");
  }
  char ebuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)image_layer_max_size());
  curl_easy_setopt(e, CURLOPT_USERAGENT, "tinydocker/" TD_VERSION);
  CURLcode rc = curl_easy_perform(e);
  long ftime = -1;
  curl_easy_getinfo(e, CURLINFO_FILETIME, &ftime);
  curl_easy_cleanup(e);
  int ret = 0;
  if (rc != CURLE_OK)
    ret = err_set_exit(err, 1, s.err, "failed to download %s: %s", url,
                       *ebuf ? ebuf : curl_easy_strerror(rc));
  if (ret == 0 && ftime > 0) {
    struct timespec ts[2] = {{.tv_sec = ftime}, {.tv_sec = ftime}};
    futimens(s.fd, ts);
  }
  close(s.fd);
  if (ret == 0 && checksum) {
    char hex[65];
    image_sha256_hex(&s.h, hex);
    if (strcmp(hex, checksum + 7) != 0)
      ret = err_set_exit(err, 1, 0, "digest mismatch for %s: sha256:%s, expected %s", url, hex,
                         checksum);
  }
  if (ret < 0) {
    unlink(path);
    return -1;
  }
  *name_out = steal_ptr(name);
  return 0;
}

/* docker's urlutil.IsGitURL: git://, git@, github.com/, or an http(s) URL ending .git[#ref] */
bool url_is_git(const char *s)
{
  if (strncmp(s, "git://", 6) == 0 || strncmp(s, "git@", 4) == 0 ||
      strncmp(s, "github.com/", 11) == 0)
    return true;
  if (!url_is(s))
    return false;
  const char *hash = strchr(s, '#');
  size_t n = hash ? (size_t)(hash - s) : strlen(s);
  return n >= 4 && strncmp(s + n - 4, ".git", 4) == 0 && (!hash || hash[1]);
}
