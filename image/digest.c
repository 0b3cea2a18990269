#include "image/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

struct image_hash {
  EVP_MD_CTX *ctx;
};

struct image_hash *image_hash_new(void)
{
  struct image_hash *h = xmalloc(sizeof(*h));
  h->ctx = EVP_MD_CTX_new();
  if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
    abort();
  return h;
}

void image_hash_update(struct image_hash *h, const void *data, size_t n)
{
  if (n > 0)
    EVP_DigestUpdate(h->ctx, data, n);
}

void image_hash_free(struct image_hash *h)
{
  if (h == NULL)
    return;
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

char *image_hash_finish(struct image_hash *h)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(h->ctx, md, &n);
  image_hash_free(h);
  char *out = xmalloc(7 + 2 * n + 1);
  snprintf(out, 8, "sha256:");
  for (unsigned int i = 0; i < n; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
  return out;
}

char *image_hash_buf(const void *data, size_t n)
{
  struct image_hash *h = image_hash_new();
  image_hash_update(h, data, n);
  return image_hash_finish(h);
}

int image_hash_file(int dirfd, const char *path, char **digest, uint64_t *size, struct td_err **err)
{
  autoclose int fd = RETRY_EINTR(openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd < 0)
    return err_set(err, errno, "open %s", path);
  struct image_hash *h = image_hash_new();
  autofree char *buf = xmalloc(1 << 17);
  uint64_t total = 0;
  for (;;) {
    ssize_t r = RETRY_EINTR(read(fd, buf, 1 << 17));
    if (r < 0) {
      image_hash_free(h);
      return err_set(err, errno, "read %s", path);
    }
    if (r == 0)
      break;
    image_hash_update(h, buf, (size_t)r);
    total += (uint64_t)r;
  }
  *digest = image_hash_finish(h);
  if (size)
    *size = total;
  return 0;
}
