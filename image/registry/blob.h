/* Internal: blob transfers with digest and size checks. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "image/registry/client.h"
#include "util/err.h"

struct reg_blob_dl {
  const char *digest; /* expected "sha256:<hex>" */
  uint64_t size;      /* expected size (0 = unknown: only the digest is checked) */
  int tee_fd;         /* also write the bytes here (-1: no) */
  void (*on_bytes)(void *ctx, size_t n);
  void *on_bytes_ctx;
  bool keep; /* store the blob in the store once verified */
};

/* GET a blob, streaming; the digest and size are verified before it is kept. */
int reg_blob_download(struct reg_client *c, const char *root, const struct reg_blob_dl *d,
                      struct td_err **err);
/* Whether the registry already has the blob (HEAD). */
int reg_blob_exists(struct reg_client *c, const char *digest, bool *exists, struct td_err **err);
/* Upload a stored blob (POST then a monolithic PUT). */
int reg_blob_upload(struct reg_client *c, const char *root, const char *digest,
                    void (*on_bytes)(void *ctx, size_t n), void *ctx, struct td_err **err);
