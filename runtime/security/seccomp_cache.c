/* Compiled filters cached on disk: libseccomp needs ~10 ms for docker's profile on three
 * architectures, while every container of an engine uses the same profile. The cache file
 * holds the full canonical key (the profile, libseccomp's version, the kernel release) and
 * is used only when the key matches byte for byte; the hash only names the file. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime/security/security.h"
#include "runtime/security/security_int.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#define CACHE_MAGIC "tdseccomp2\n" /* 2: libseccomp's binary tree (seccomp.c) */

struct buf {
  unsigned char *p;
  size_t len, cap;
};

static void buf_add(struct buf *b, const void *d, size_t n)
{
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 256;
    b->p = xrealloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, d, n);
  b->len += n;
}

static void buf_u64(struct buf *b, uint64_t v)
{
  buf_add(b, &v, sizeof(v));
}

static void buf_str(struct buf *b, const char *s)
{
  size_t n = s ? strlen(s) + 1 : 0;
  buf_u64(b, n);
  buf_add(b, s ? s : "", n);
}

static void key_syscalls(struct buf *b, const struct spec_seccomp *sc)
{
  buf_u64(b, sc->n_syscalls);
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    const struct spec_seccomp_syscall *s = &sc->syscalls[i];
    for (char **n = s->names; n && *n; n++)
      buf_str(b, *n);
    buf_str(b, NULL);
    buf_u64(b, s->action);
    buf_u64(b, s->has_errno_ret ? s->errno_ret : UINT64_MAX);
    buf_u64(b, s->n_args);
    for (size_t k = 0; k < s->n_args; k++) {
      buf_u64(b, s->args[k].index);
      buf_u64(b, s->args[k].op);
      buf_u64(b, s->args[k].value);
      buf_u64(b, s->args[k].value_two);
    }
  }
}

/* Everything the compiled program depends on, in one byte string. */
static void cache_key(struct buf *b, const struct spec_seccomp *sc)
{
  struct utsname u;
  const struct scmp_version *v = seccomp_version();
  buf_add(b, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1);
  if (uname(&u) == 0) {
    buf_str(b, u.release);
    buf_str(b, u.machine);
  }
  buf_u64(b, ((uint64_t)v->major << 32) | (v->minor << 16) | v->micro);
  buf_u64(b, sc->default_action);
  buf_u64(b, sc->has_default_errno_ret ? sc->default_errno_ret : UINT64_MAX);
  buf_u64(b, sc->flags);
  for (char **a = sc->architectures; a && *a; a++)
    buf_str(b, *a);
  buf_str(b, NULL);
  key_syscalls(b, sc);
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* File layout: u64 key length, key, u64 flags, u64 notify, u64 insns, program. */
static struct security_seccomp *cache_load(const char *path, const struct buf *key)
{
  autofree char *data = NULL;
  size_t len = 0;
  struct td_err *err = NULL;
  if (file_read_all(AT_FDCWD, path, &data, &len, &err) < 0) {
    err_free(&err);
    return NULL;
  }
  uint64_t hdr[4];
  if (len < sizeof(uint64_t) + key->len + 3 * sizeof(uint64_t))
    return NULL;
  memcpy(&hdr[0], data, sizeof(uint64_t));
  if (hdr[0] != key->len || memcmp(data + sizeof(uint64_t), key->p, key->len) != 0)
    return NULL;
  const char *rest = data + sizeof(uint64_t) + key->len;
  memcpy(&hdr[1], rest, 3 * sizeof(uint64_t));
  size_t prog = (size_t)hdr[3] * sizeof(struct sock_filter);
  if (hdr[3] == 0 || hdr[3] > BPF_MAXINSNS ||
      len != sizeof(uint64_t) + key->len + 3 * sizeof(uint64_t) + prog)
    return NULL;
  struct security_seccomp *f = xcalloc(1, sizeof(*f));
  f->flags = (unsigned)hdr[1];
  f->notify = hdr[2] != 0;
  f->len = (unsigned short)hdr[3];
  f->prog = xmalloc(prog);
  memcpy(f->prog, rest + 3 * sizeof(uint64_t), prog);
  return f;
}

static void cache_store(const char *dir, const char *path, const struct buf *key,
                        const struct security_seccomp *f)
{
  struct buf b = {0};
  struct td_err *err = NULL;
  buf_u64(&b, key->len);
  buf_add(&b, key->p, key->len);
  buf_u64(&b, f->flags);
  buf_u64(&b, f->notify);
  buf_u64(&b, f->len);
  buf_add(&b, f->prog, f->len * sizeof(struct sock_filter));
  /* a cache that cannot be written only costs time */
  if (mkdir_p(dir, 0700, &err) == 0)
    file_write_atomic(AT_FDCWD, path, b.p, b.len, 0600, &err);
  err_free(&err);
  free(b.p);
}

int security_seccomp_build_cached(const struct spec_seccomp *sc, const char *cache_dir,
                                  struct security_seccomp **out, struct td_err **err)
{
  *out = NULL;
  if (!sc || !cache_dir)
    return security_seccomp_build(sc, out, err);
  struct buf key = {0};
  cache_key(&key, sc);
  autofree char *path =
      xasprintf("%s/%016llx.bpf", cache_dir, (unsigned long long)fnv1a(key.p, key.len));
  *out = cache_load(path, &key);
  if (!*out && security_seccomp_build(sc, out, err) == 0)
    cache_store(cache_dir, path, &key, *out);
  free(key.p);
  return *out ? 0 : -1;
}
