/* COPY and ADD: sources from the context, a stage (--from) or a URL, the cache key from
 * their checksum, the files written into a fresh layer. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "engine/parse/parse.h"
#include "image/build.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "image/registry/registry.h"
#include "image/write.h"
#include "net/net.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "engine/build/steps.h"

static int copy_in(struct builder *b, struct stage *sg, struct fsstep *f, void *arg,
                   struct td_err **err)
{
  (void)sg;
  return copy_apply(b, arg, f->rootfs, err);
}

int instr_copy(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  bool add = in->kind == DF_ADD;
  static const char *const copy_flags[] = {"from", "chown", "chmod", "link", NULL};
  static const char *const add_flags[] = {"chown", "chmod", "link", "checksum", NULL};
  if (df_check_flags(in, add ? add_flags : copy_flags, err) < 0)
    return -1;
  size_t n = strv_len(in->args);
  struct copy_req c = {.chmod = -1, .add = add, .from_context = true, .srcfd = b->ctxfd};
  autostrv char **srcs = xcalloc(n, sizeof(char *));
  for (size_t i = 0; i + 1 < n; i++)
    if (step_expand(b, sg, in->args[i], &srcs[i], err) < 0)
      return -1;
  c.srcs = srcs;
  for (char **sp = srcs; add && *sp; sp++)
    if (url_is_git(*sp))
      return err_set_exit(err, 1, 0,
                          "Dockerfile line %u: ADD %s: a git repository is not supported as a "
                          "source (the builder does not run git)",
                          in->line, *sp);
  autofree char *dest0 = NULL;
  if (step_expand(b, sg, in->args[n - 1], &dest0, err) < 0)
    return -1;
  bool slash = *dest0 && dest0[strlen(dest0) - 1] == '/';
  autofree char *dest =
      step_path_join(json_string_value(json_object_get(step_cfg(sg), "WorkingDir")), dest0);
  if (slash && dest[strlen(dest) - 1] != '/') {
    char *t = xasprintf("%s/", dest);
    free(dest);
    dest = t;
  }
  c.dest = dest;
  const char *chown = df_flag(in, "chown");
  autofree char *chown_x = NULL;
  if (chown && *chown) {
    if (step_expand(b, sg, chown, &chown_x, err) < 0)
      return -1;
    c.chown_set = true;
    c.chown = chown_x;
  }
  const char *chmod = df_flag(in, "chmod");
  if (chmod && *chmod) {
    char *e;
    long m = strtol(chmod, &e, 8);
    if (*e || m < 0 || m > 07777)
      return err_set_exit(err, 1, 0, "invalid chmod parameter: %s", chmod);
    c.chmod = (int)m;
  }
  const char *from = df_flag(in, "from");
  struct bstate other = {0};
  autofree char *from_root = NULL;
  autoclose int from_fd = -1;
  c.extract = add;
  size_t n_urls = 0;
  for (char **s = srcs; *s; s++)
    n_urls += add && url_is(*s);
  /* here-documents as sources: files of their names, written into a directory of the build */
  size_t n_docs = 0;
  for (char **s = srcs; *s; s++)
    n_docs += (*s)[0] == '<' && (*s)[1] == '<';
  if (n_docs && (n_docs != n - 1 || n_docs != in->n_heredocs))
    return err_set_exit(err, 1, 0,
                        "%s: here-documents and other sources in one instruction are "
                        "not supported yet",
                        add ? "ADD" : "COPY");
  if (n_docs) {
    from_root = xasprintf("%s/doc%d", b->work, ++b->n_mounts);
    if (mkdir_p(from_root, 0700, err) < 0)
      return -1;
    autoclose int dfd = open(from_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return err_set(err, errno, "open %s", from_root);
    for (size_t i = 0; i < n_docs; i++) {
      const struct df_heredoc *h = &in->heredocs[i];
      autofree char *body = NULL;
      if (h->expand ? step_expand_doc(b, sg, h->body, &body, err) < 0
                    : (body = xstrdup(h->body), 0))
        return -1;
      autoclose int fd =
          openat(dfd, h->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t)strlen(body))
        return err_set(err, errno, "write the here-document %s", h->name);
      fchmod(fd, 0644);
      free(srcs[i]);
      srcs[i] = xstrdup(h->name);
    }
    from_fd = open(from_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (from_fd < 0)
      return err_set(err, errno, "open %s", from_root);
    c.srcfd = from_fd;
    c.from_context = false;
    c.extract = false;
  }
  const char *checksum = df_flag(in, "checksum");
  if (checksum && n_urls == 0)
    return err_set_exit(err, 1, 0, "ADD --checksum only applies to a URL source");
  if (n_urls && n_urls != n - 1)
    return err_set_exit(err, 1, 0,
                        "ADD: URL and local sources in one instruction are not "
                        "supported yet");
  if (n_urls && !n_docs) {
    /* fetched into a directory of the build, then copied from there like local files */
    from_root = xasprintf("%s/url%d", b->work, ++b->n_mounts);
    if (mkdir_p(from_root, 0700, err) < 0)
      return -1;
    for (char **s = srcs; *s; s++) {
      char *name = NULL;
      if (url_fetch(*s, checksum, from_root, &name, err) < 0)
        return err_prefix(err, "ADD failed");
      free(*s);
      *s = name;
    }
    from_fd = open(from_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (from_fd < 0)
      return err_set(err, errno, "open %s", from_root);
    c.srcfd = from_fd;
    c.from_context = false;
    c.extract = false; /* docker never extracts a downloaded archive */
  } else if (from && *from && !n_docs) {
    int idx = step_find_stage(b, from, (size_t)(sg - b->stages));
    if (idx >= 0) {
      bstate_copy(&b->stages[idx].st, &other);
    } else if (bstate_from_image(b, from, &other, err) < 0) {
      /* an image that is not in the store is pulled, as for FROM */
      struct registry_opts ro = {.quiet = false};
      if (!image_err_is_not_found(*err))
        return err_prefix(err, "COPY --from=%s", from);
      err_free(err);
      if (registry_pull(b->req->root, from, &ro, b->out, err) < 0 ||
          bstate_from_image(b, from, &other, err) < 0) {
        (*err)->exit_code = 1;
        return err_prefix(err, "COPY --from=%s", from);
      }
    }
    int rc = bstate_mount_ro(b, &other, &from_root, err);
    bstate_clear(&other);
    if (rc < 0)
      return -1;
    from_fd = open(from_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (from_fd < 0)
      return err_set(err, errno, "open %s", from_root);
    c.srcfd = from_fd;
    c.from_context = false;
  }
  autofree char *sum = NULL;
  int rc = copy_checksum(b, &c, &sum, err);
  autofree char *created_by = NULL, *key = NULL;
  if (rc == 0) {
    /* docker 20.10's words, its missing space after --chown included */
    autofree char *chown_c = c.chown ? xasprintf("--chown=%s", c.chown) : xstrdup("");
    autofree char *what = xasprintf("%s %s%s in %s ", add ? "ADD" : "COPY", chown_c, sum, dest0);
    created_by = step_nop(sg, " ", what);
    autofree char *text =
        xasprintf("%s\nchown=%s chmod=%d", created_by, c.chown ? c.chown : "", c.chmod);
    key = cache_key(&sg->st, text);
  }
  if (rc == 0)
    rc = step_fs(b, sg, key, created_by, copy_in, &c, false, err);
  if (from_root) {
    if (n_urls || n_docs) {
      autoerr struct td_err *e = NULL;
      if (rm_rf(from_root, &e) < 0)
        err_warn(&e, "remove %s", from_root);
    } else {
      umount2(from_root, MNT_DETACH);
      rmdir(from_root);
    }
  }
  if (rc < 0 && strncmp(err_text(*err), add ? "ADD" : "COPY", add ? 3 : 4) != 0)
    err_prefix(err, "%s failed", add ? "ADD" : "COPY");
  return rc;
}
