#include "util/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

/* Linux's own limit on symlinks followed in one lookup. */
#define SAFEPATH_MAX_LINKS 40
/* Deepest directory stack the fallback walk keeps (each level holds an fd). */
#define SAFEPATH_MAX_DEPTH 256

/* Learned once: the kernel answered ENOSYS. The env switch is read at every call so that a
 * test can flip it. */
static bool openat2_missing;

static bool openat2_disabled(void)
{
  if (openat2_missing)
    return true;
  const char *f = getenv("TD_FORCE_NO_OPENAT2");
  return f && strcmp(f, "1") == 0;
}

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode,
                       unsigned long long resolve)
{
  struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                         .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                         .resolve = resolve};
  int fd;
  /* EAGAIN: a rename raced the lookup somewhere in the system; the kernel asks us to retry */
  for (int tries = 0; tries < 32; tries++) {
    fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
      break;
  }
  return fd;
}

/* A stack of O_PATH directory fds from the root (index 0, not owned) to the current dir. */
struct walk {
  int fds[SAFEPATH_MAX_DEPTH];
  int depth; /* fds[depth] is the current dir */
};

static void walk_reset(struct walk *w)
{
  for (int i = w->depth; i > 0; i--)
    close(w->fds[i]);
  w->depth = 0;
}

static int walk_cur(const struct walk *w)
{
  return w->fds[w->depth];
}

/* Cut the next component off *rest ("a/b/c" -> "a", rest "b/c"); NULL when none is left. */
static char *next_component(char **rest)
{
  char *p = *rest;
  while (*p == '/')
    p++;
  if (*p == '\0')
    return NULL;
  char *end = strchr(p, '/');
  if (end) {
    *end = '\0';
    *rest = end + 1;
  } else {
    *rest = p + strlen(p);
  }
  return p;
}

static bool only_slashes(const char *s)
{
  while (*s == '/')
    s++;
  return *s == '\0';
}

/* Walk path inside the root without the kernel's help: every component is opened with
 * O_PATH|O_NOFOLLOW, symlinks are read and expanded by us, absolute targets and ".." at the
 * root restart from / clamp to the root. On success w holds the parent directory of the last
 * component and *last its name (NULL when the path names a directory already on the stack,
 * e.g. "/" or "a/.."). A missing last component is not an error (the caller may create it). */
static int walk_path(struct walk *w, const char *path, bool follow_last, char **last)
{
  autofree char *buf = xstrdup(path);
  char *rest = buf;
  int links = 0;
  *last = NULL;
  for (;;) {
    char *name = next_component(&rest);
    if (name == NULL)
      return 0;
    bool is_last = only_slashes(rest);
    if (strcmp(name, ".") == 0)
      continue;
    if (strcmp(name, "..") == 0) {
      if (w->depth > 0)
        close(w->fds[w->depth--]);
      continue;
    }
    int fd = openat(walk_cur(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT && is_last) {
        *last = xstrdup(name);
        return 0;
      }
      return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
      close(fd);
      return -1;
    }
    if (S_ISLNK(st.st_mode) && (!is_last || follow_last)) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
      close(fd);
      if (n < 0)
        return -1;
      target[n] = '\0';
      if (++links > SAFEPATH_MAX_LINKS) {
        errno = ELOOP;
        return -1;
      }
      if (target[0] == '/')
        walk_reset(w);
      char *joined = xasprintf("%s/%s", target, rest);
      free(buf);
      buf = joined;
      rest = buf;
      continue;
    }
    if (is_last) {
      close(fd);
      *last = xstrdup(name);
      return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
      close(fd);
      errno = ENOTDIR;
      return -1;
    }
    if (w->depth + 1 >= SAFEPATH_MAX_DEPTH) {
      close(fd);
      errno = ENAMETOOLONG;
      return -1;
    }
    w->fds[++w->depth] = fd;
  }
}

static int fallback_open(int rootfd, const char *path, int flags, mode_t mode)
{
  struct walk w = {.fds = {rootfd}, .depth = 0};
  autofree char *last = NULL;
  bool follow = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
  int fd = -1;
  if (walk_path(&w, path, follow, &last) == 0) {
    if (last == NULL)
      fd = openat(walk_cur(&w), ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
    else
      fd = openat(walk_cur(&w), last, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    /* a symlink asked for with O_PATH|O_NOFOLLOW is fine; any other ELOOP is a swap race */
  }
  int saved = errno;
  walk_reset(&w);
  errno = saved;
  return fd;
}

static int open_raw(int rootfd, const char *path, int flags, mode_t mode)
{
  if (!openat2_disabled()) {
    int fd = sys_openat2(rootfd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd >= 0 || errno != ENOSYS)
      return fd;
    openat2_missing = true;
  }
  return fallback_open(rootfd, path, flags, mode);
}

int safepath_open(int rootfd, const char *path, int flags, mode_t mode, struct td_err **err)
{
  int fd = open_raw(rootfd, path, flags, mode);
  if (fd < 0)
    return err_set(err, errno, "open %s in the rootfs", path);
  return fd;
}

/* Split "a/b/c" into a copy of its parent "a/b" ("." for "c", "/" for "/c") and base "c"; trailing
 * slashes are ignored. Returns false for paths whose last component is "", "." or "..". */
static bool split_last(const char *path, char **parent, char **base)
{
  autofree char *p = xstrdup(path);
  size_t n = strlen(p);
  while (n > 0 && p[n - 1] == '/')
    p[--n] = '\0';
  char *slash = strrchr(p, '/');
  const char *b = slash ? slash + 1 : p;
  if (*b == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
    return false;
  *base = xstrdup(b);
  if (slash == NULL)
    *parent = xstrdup(".");
  else if (slash == p)
    *parent = xstrdup("/");
  else
    *parent = xstrndup(p, (size_t)(slash - p));
  return true;
}

/* mkdir -p inside the root. A dangling symlink on the way is followed (inside the root) and
 * its target created, as a lexical join inside the root would; links counts them. */
static int mkdir_in(int rootfd, const char *path, mode_t mode, int links)
{
  int fd = open_raw(rootfd, path, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd;
  autofree char *parent = NULL, *base = NULL;
  if (!split_last(path, &parent, &base)) {
    errno = ENOENT;
    return -1;
  }
  autoclose int pfd = mkdir_in(rootfd, parent, mode, links);
  if (pfd < 0)
    return -1;
  if (mkdirat(pfd, base, mode) < 0 && errno != EEXIST)
    return -1;
  fd = openat(pfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 || (errno != ENOTDIR && errno != ELOOP))
    return fd;
  char target[PATH_MAX];
  ssize_t n = readlinkat(pfd, base, target, sizeof(target) - 1);
  if (n < 0) {
    errno = ENOTDIR; /* not a symlink: a file is in the way */
    return -1;
  }
  if (links >= SAFEPATH_MAX_LINKS) {
    errno = ELOOP;
    return -1;
  }
  target[n] = '\0';
  autofree char *next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", parent, target);
  return mkdir_in(rootfd, next, mode, links + 1);
}

int safepath_mkdir_p(int rootfd, const char *path, mode_t mode, struct td_err **err)
{
  int fd = mkdir_in(rootfd, path, mode, 0);
  if (fd < 0)
    return err_set(err, errno, "mkdir %s in the rootfs", path);
  return fd;
}

int safepath_mkfile_p(int rootfd, const char *path, mode_t mode, struct td_err **err)
{
  int fd = open_raw(rootfd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return err_set(err, errno, "open %s in the rootfs", path);
  autofree char *parent = NULL, *base = NULL;
  if (!split_last(path, &parent, &base))
    return err_set(err, EINVAL, "create %s in the rootfs: not a file name", path);
  autoclose int pfd = mkdir_in(rootfd, parent, 0755, 0);
  if (pfd < 0)
    return err_set(err, errno, "mkdir parents of %s in the rootfs", path);
  /* O_CREAT follows a dangling symlink; resolving from the root keeps its target inside */
  autoclose int cfd = open_raw(rootfd, path, O_CREAT | O_WRONLY | O_NONBLOCK, mode);
  if (cfd < 0 && errno != EISDIR)
    return err_set(err, errno, "create %s in the rootfs", path);
  fd = open_raw(rootfd, path, O_PATH, 0);
  if (fd < 0)
    return err_set(err, errno, "open %s in the rootfs", path);
  return fd;
}

char *safepath_fd_path(int fd)
{
  return xasprintf("/proc/self/fd/%d", fd);
}
