/* User namespaces for idmapped mounts (util/idmapns.h). */
#include "util/idmapns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

char *idmap_text(const struct idmap_line *v, size_t n)
{
  char *s = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *t = xasprintf("%s%u %u %u\n", s, v[i].inside, v[i].outside, v[i].count);
    free(s);
    s = t;
  }
  return s;
}

static int write_map(int procfd, pid_t pid, const char *file, const struct idmap_line *v, size_t n,
                     struct td_err **err)
{
  char path[64];
  snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
  autofree char *text = idmap_text(v, n);
  autoclose int fd = openat(procfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
    return err_set(err, errno, "write /proc/%s", path);
  return 0;
}

int idmapns_open_at(int procfd, const struct idmap_line *u, size_t nu, const struct idmap_line *g,
                    size_t ng, struct td_err **err)
{
  int ready[2], done[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  if (pipe2(done, O_CLOEXEC) < 0) {
    close(ready[0]);
    close(ready[1]);
    return err_set(err, errno, "pipe");
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    close(done[1]); /* else our own copy keeps the read below from ever seeing EOF */
    char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
      _exit(1);
    _exit(0);
  }
  close(ready[1]);
  close(done[0]);
  int fd = -1;
  char c = 0;
  if (pid < 0)
    err_set(err, errno, "fork");
  else if (RETRY_EINTR(read(ready[0], &c, 1)) != 1 || c != 'y')
    err_set(err, EPERM, "unshare a user namespace");
  else if (write_map(procfd, pid, "uid_map", u, nu, err) == 0 &&
           write_map(procfd, pid, "gid_map", g, ng, err) == 0) {
    char path[64];
    snprintf(path, sizeof(path), "%d/ns/user", (int)pid);
    fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      err_set(err, errno, "open /proc/%s", path);
  }
  close(ready[0]);
  close(done[1]); /* the child's read returns: it exits */
  if (pid > 0)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
  return fd;
}

int idmapns_open(const struct idmap_line *u, size_t nu, const struct idmap_line *g, size_t ng,
                 struct td_err **err)
{
  autoclose int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0)
    return err_set(err, errno, "open /proc");
  return idmapns_open_at(procfd, u, nu, g, ng, err);
}

int idmap_clone(const char *path, int userns, struct td_err **err)
{
  autoclose int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path,
                                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_NO_AUTOMOUNT);
  if (tree < 0)
    return err_set(err, errno, "open_tree %s", path);
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
    return err_set(err, errno, "idmap %s", path);
  return steal_fd(tree);
}
