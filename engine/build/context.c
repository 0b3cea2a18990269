/* The build context: a directory, or a tar stream on stdin unpacked (by the layer unpacker:
 * never outside its directory) into the build's work dir; the Dockerfile (-f PATH relative to
 * the current directory as docker's CLI reads it, -f - from stdin, else <context>/Dockerfile)
 * and .dockerignore at the context's root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>

#include "engine/build/internal.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#define DOCKERFILE_MAX (16u << 20)

static int read_fd_all(int fd, char **out, size_t *len, struct td_err **err)
{
  size_t cap = 4096, n = 0;
  char *buf = xcalloc(cap, 1);
  for (;;) {
    if (n + 1 >= cap) {
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      free(buf);
      return err_set(err, errno, "read");
    }
    if (r == 0)
      break;
    n += (size_t)r;
    if (n > DOCKERFILE_MAX) {
      free(buf);
      return err_set(err, EFBIG, "the Dockerfile is larger than 16 MiB");
    }
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

int context_open(struct builder *b, struct td_err **err)
{
  const struct build_req *r = b->req;
  if (strcmp(r->context, "-") == 0) {
    if (r->file && strcmp(r->file, "-") == 0)
      return err_set_exit(err, 1, 0,
                          "invalid argument: can't use stdin for both build context "
                          "and dockerfile");
    b->ctxdir = xasprintf("%s/context", b->work);
    if (mkdir_p(b->ctxdir, 0700, err) < 0)
      return -1;
    autoclose int dfd = open(b->ctxdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return err_set(err, errno, "open %s", b->ctxdir);
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    struct image_unpack_stats st = {0};
    int rc = archive_read_open_fd(a, 0, 65536) == ARCHIVE_OK
                 ? image_unpack_tar(a, dfd, &st, err)
                 : err_set(err, EIO, "read the context: %s", archive_error_string(a));
    archive_read_free(a);
    if (rc < 0)
      return err_prefix(err, "unpack the build context from stdin");
  } else {
    b->ctxdir = realpath(r->context, NULL);
    if (b->ctxdir == NULL)
      return err_set_exit(err, 1, errno, "unable to prepare context: path \"%s\" not found",
                          r->context);
  }
  b->ctxfd = open(b->ctxdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (b->ctxfd < 0)
    return err_set_exit(err, 1, errno, "unable to prepare context: %s", r->context);
  autofree char *ig = NULL;
  autoclose int igfd = openat(b->ctxfd, ".dockerignore", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  size_t n = 0;
  if (igfd >= 0 && read_fd_all(igfd, &ig, &n, err) < 0)
    return err_prefix(err, ".dockerignore");
  b->ignore = df_ignore_parse(ig);
  return 0;
}

int context_dockerfile(struct builder *b, char **text, size_t *len, struct td_err **err)
{
  const char *f = b->req->file;
  if (f && strcmp(f, "-") == 0)
    return read_fd_all(0, text, len, err) < 0 ? err_prefix(err, "read the Dockerfile from stdin")
                                              : 0;
  autoclose int fd = -1;
  if (f && strcmp(b->req->context, "-") != 0) {
    fd = open(f, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return err_set_exit(err, 1, errno,
                          "unable to prepare context: unable to evaluate "
                          "symlinks in Dockerfile path: lstat %s",
                          f);
  } else {
    const char *name = f ? f : "Dockerfile";
    fd = openat(b->ctxfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return err_set_exit(err, 1, errno,
                          "unable to prepare context: unable to evaluate symlinks in Dockerfile "
                          "path: lstat %s/%s",
                          b->ctxdir, name);
  }
  return read_fd_all(fd, text, len, err);
}
