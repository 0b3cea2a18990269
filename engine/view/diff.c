/* `diff` (`container diff`): the container's changes to its image's files, as docker prints
 * them: its overlay upper directory walked (never following a symlink: every step is an
 * openat with O_NOFOLLOW from the directory above), each entry "A" when no image layer has
 * the path, "C" when one has, a whiteout (a 0/0 character device) "D"; sorted by path. The
 * layers are asked with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so a name in the
 * upper directory never leads a lookup out of a layer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define DIFF_MAX_DEPTH 512

/* Docker's init layer: what the engine mounts over, not the container's own change. */
static bool skipped(const char *path)
{
  static const char *const init[] = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
                                     "/etc/mtab",  "/.dockerenv",   "/dev",
                                     "/proc",      "/sys",          NULL};
  for (const char *const *p = init; *p; p++)
    if (strcmp(path, *p) == 0)
      return true;
  return false;
}

struct walk {
  int *layers; /* O_PATH fds of the image's layer dirs */
  size_t n_layers;
  char **out; /* "K /path" */
  size_t n, cap;
};

static bool in_layers(const struct walk *w, const char *rel)
{
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  for (size_t i = 0; i < w->n_layers; i++) {
    /* the last component may itself be a symlink: O_PATH|O_NOFOLLOW opens it as one */
    how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
    int fd = (int)syscall(SYS_openat2, w->layers[i], rel, &how, sizeof(how));
    if (fd >= 0) {
      close(fd);
      return true;
    }
  }
  return false;
}

static void add(struct walk *w, char kind, const char *path)
{
  if (w->n + 1 >= w->cap) {
    w->cap = w->cap ? 2 * w->cap : 64;
    w->out = xrealloc(w->out, w->cap * sizeof(char *));
  }
  w->out[w->n++] = xasprintf("%c %s", kind, path);
  w->out[w->n] = NULL;
}

/* dfd: the upper dir's directory at path ("" for the top). */
static int walk_dir(struct walk *w, int dfd, const char *path, int depth, struct td_err **err)
{
  if (depth > DIFF_MAX_DEPTH)
    return err_set(err, ELOOP, "diff: %s", path);
  int fd2 = dup(dfd);
  if (fd2 < 0)
    return err_set(err, errno, "dup");
  DIR *d = fdopendir(fd2);
  if (d == NULL) {
    close(fd2);
    return err_set(err, errno, "read %s", *path ? path : "/");
  }
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    autofree char *p = xasprintf("%s/%s", path, de->d_name);
    if (skipped(p))
      continue;
    struct stat st;
    if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue; /* gone meanwhile (a running container) */
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      add(w, 'D', p);
      continue;
    }
    add(w, in_layers(w, p + 1) ? 'C' : 'A', p);
    if (!S_ISDIR(st.st_mode))
      continue;
    int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
      continue; /* replaced by a non-directory meanwhile */
    rc = walk_dir(w, sub, p, depth + 1, err);
    close(sub);
  }
  closedir(d);
  return rc;
}

static int cmp_path(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a + 2, *(const char *const *)b + 2);
}

int eng_diff(struct eng_ctx *ctx, const char *id, struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  autofree char *dir = store_dir(ctx, id);
  autofree char *upper = xasprintf("%s/upper", dir);
  autoclose int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (ufd < 0)
    return errno == ENOENT ? 0 : err_set(err, errno, "open %s", upper); /* --rootfs DIR */
  struct image_info *img = NULL;
  const char *image = rec->image;
  if (image && *image && image_resolve(ctx->root, image, &img, err) < 0)
    return -1;
  struct walk w = {0};
  size_t nl = img ? strv_len(img->layer_dirs) : 0;
  w.layers = xcalloc(nl + 1, sizeof(int));
  for (size_t i = 0; i < nl; i++) {
    int fd = open(img->layer_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
      w.layers[w.n_layers++] = fd;
  }
  int rc = walk_dir(&w, ufd, "", 0, err);
  if (rc == 0 && w.n) {
    qsort(w.out, w.n, sizeof(char *), cmp_path);
    for (size_t i = 0; i < w.n; i++)
      printf("%s\n", w.out[i]);
  }
  for (size_t i = 0; i < w.n_layers; i++)
    close(w.layers[i]);
  free(w.layers);
  for (size_t i = 0; i < w.n; i++)
    free(w.out[i]);
  free(w.out);
  image_info_free(img);
  return rc;
}
