/* Streaming sha256 over libcrypto (heavy part only). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct image_hash;

/* A new sha256 context (aborts on OOM). */
struct image_hash *image_hash_new(void);
/* Add bytes. */
void image_hash_update(struct image_hash *h, const void *data, size_t n);
/* Finish: "sha256:<hex>" (caller frees); the context is freed. */
char *image_hash_finish(struct image_hash *h);
/* Free an unfinished context (NULL is fine). */
void image_hash_free(struct image_hash *h);
/* sha256 of a buffer as "sha256:<hex>". */
char *image_hash_buf(const void *data, size_t n);
/* sha256 and size of a whole file. */
int image_hash_file(int dirfd, const char *path, char **digest, uint64_t *size,
                    struct td_err **err);
