/* Small SHA-256 for the light part (chain IDs); the heavy tool uses libcrypto for bulk data. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct image_sha256 {
  uint32_t h[8];
  uint64_t len;
  uint8_t buf[64];
  size_t fill;
};

/* Start a hash. */
void image_sha256_init(struct image_sha256 *c);
/* Add bytes. */
void image_sha256_update(struct image_sha256 *c, const void *data, size_t n);
/* Finish and write 64 lowercase hex digits plus NUL. */
void image_sha256_hex(struct image_sha256 *c, char out[65]);
/* sha256 of a NUL-terminated string, as hex. */
void image_sha256_str(const char *s, char out[65]);
