/* __attribute__((cleanup)) helpers so every early return releases what it took. */
#pragma once
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "util/err.h"

static inline void cleanup_freep(void *p)
{
  free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void cleanup_fclosep(FILE **f)
{
  if (*f)
    fclose(*f);
}
static inline void cleanup_closedirp(DIR **d)
{
  if (*d)
    closedir(*d);
}
static inline void cleanup_json_decrefp(json_t **j)
{
  json_decref(*j);
}
static inline void cleanup_errp(struct td_err **e)
{
  err_free(e);
}
/* Free a NULL-terminated string vector and its strings. */
static inline void cleanup_strvp(char ***v)
{
  if (*v) {
    for (char **p = *v; *p; p++)
      free(*p);
    free(*v);
  }
}

#define autofree __attribute__((cleanup(cleanup_freep)))
#define autoclose __attribute__((cleanup(cleanup_closep)))
#define autofclose __attribute__((cleanup(cleanup_fclosep)))
#define autoclosedir __attribute__((cleanup(cleanup_closedirp)))
#define autojson __attribute__((cleanup(cleanup_json_decrefp)))
#define autoerr __attribute__((cleanup(cleanup_errp)))
#define autostrv __attribute__((cleanup(cleanup_strvp)))

/* Hand ownership of a cleanup-managed pointer to the caller. */
#define steal_ptr(p)                                                                               \
  ({                                                                                               \
    __typeof__(p) steal_tmp_ = (p);                                                                \
    (p) = NULL;                                                                                    \
    steal_tmp_;                                                                                    \
  })
/* Hand ownership of a cleanup-managed fd to the caller. */
#define steal_fd(fd)                                                                               \
  ({                                                                                               \
    int steal_tmp_ = (fd);                                                                         \
    (fd) = -1;                                                                                     \
    steal_tmp_;                                                                                    \
  })
/* Retry a syscall expression while it fails with EINTR. */
#define RETRY_EINTR(expr)                                                                          \
  ({                                                                                               \
    __typeof__(expr) retry_r_;                                                                     \
    do                                                                                             \
      retry_r_ = (expr);                                                                           \
    while (retry_r_ == -1 && errno == EINTR);                                                      \
    retry_r_;                                                                                      \
  })
