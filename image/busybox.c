/* The default image: busybox:latest from the host's static busybox, built in memory (a tar
 * in a memfd) and imported like any rootfs tarball. No network. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/archerr.h"
#include "image/ops.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *const bb_dirs[][2] = {
    {"bin", "0755"},  {"dev", "0755"},     {"etc", "0755"},      {"home", "0755"},
    {"proc", "0755"}, {"root", "0700"},    {"sys", "0755"},      {"tmp", "1777"},
    {"usr", "0755"},  {"usr/bin", "0755"}, {"usr/sbin", "0755"}, {"sbin", "0755"},
    {"var", "0755"},  {"var/tmp", "1777"}, {"run", "0755"},      {"var/spool", "0755"},
};

static const char *const bb_files[][2] = {
    {"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                   "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                   "bin:x:2:2:bin:/bin:/bin/false\n"
                   "www-data:x:33:33:www-data:/var/www:/bin/false\n"
                   "nobody:x:65534:65534:nobody:/home:/bin/false\n"},
    {"etc/group", "root:x:0:\ndaemon:x:1:\nbin:x:2:\ntty:x:5:\nwww-data:x:33:\n"
                  "nogroup:x:65534:\n"},
    {"etc/shadow", "root:*:0:0:99999:7:::\nnobody:*:0:0:99999:7:::\n"},
    {"etc/hostname", "localhost\n"},
    {"etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
    {"etc/resolv.conf", ""},
};

/* The applet names, from `busybox --list` (run directly, no shell). */
static int applets(const char *busybox, char ***out, struct td_err **err)
{
  char *argv[] = {(char *)busybox, (char *)"--list", NULL};
  autofree char *buf = NULL;
  int st = spawn_capture(busybox, argv, NULL, 0, &buf, NULL, err);
  if (st < 0)
    return -1;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return err_set(err, 0, "%s --list failed", busybox);
  *out = strv_split(buf, '\n');
  return 0;
}

static int add_entry(struct archive *a, const char *path, mode_t mode, const void *data, size_t len,
                     const char *link, struct td_err **err)
{
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, path);
  archive_entry_set_mode(e, mode);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_mtime(e, 1700000000, 0);
  if (link)
    archive_entry_set_symlink(e, link);
  archive_entry_set_size(e, (la_int64_t)len);
  int r = archive_write_header(a, e);
  if (r == ARCHIVE_OK && len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
    r = ARCHIVE_FATAL;
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return image_archive_err(err, a, EIO, "write %s to the image tar", path);
  return 0;
}

static int write_rootfs(struct archive *a, const char *busybox, struct td_err **err)
{
  for (size_t i = 0; i < sizeof(bb_dirs) / sizeof(bb_dirs[0]); i++)
    if (add_entry(a, bb_dirs[i][0], S_IFDIR | (mode_t)strtol(bb_dirs[i][1], NULL, 8), NULL, 0, NULL,
                  err) < 0)
      return -1;
  for (size_t i = 0; i < sizeof(bb_files) / sizeof(bb_files[0]); i++) {
    mode_t m = strcmp(bb_files[i][0], "etc/shadow") == 0 ? 0640 : 0644;
    if (add_entry(a, bb_files[i][0], S_IFREG | m, bb_files[i][1], strlen(bb_files[i][1]), NULL,
                  err) < 0)
      return -1;
  }
  autofree char *bin = NULL;
  size_t len = 0;
  if (file_read_all(AT_FDCWD, busybox, &bin, &len, err) < 0)
    return -1;
  if (add_entry(a, "bin/busybox", S_IFREG | 0755, bin, len, NULL, err) < 0)
    return -1;
  autostrv char **names = NULL;
  if (applets(busybox, &names, err) < 0)
    return -1;
  for (char **n = names; *n; n++) {
    if (**n == '\0' || strchr(*n, '/') || strcmp(*n, "busybox") == 0)
      continue;
    autofree char *p = xasprintf("bin/%s", *n);
    if (add_entry(a, p, S_IFLNK | 0777, NULL, 0, "busybox", err) < 0)
      return -1;
  }
  return 0;
}

int image_create_default(const char *root, const char *busybox, const char *ref, char **id_out,
                         struct td_err **err)
{
  if (busybox == NULL)
    busybox = getenv("TINYDOCKER_BUSYBOX");
  if (busybox == NULL)
    busybox = "/bin/busybox";
  if (access(busybox, X_OK) < 0)
    return err_set(err, errno, "no static busybox at %s (install busybox-static)", busybox);
  autoclose int mfd = memfd_create("busybox-rootfs", MFD_CLOEXEC);
  if (mfd < 0)
    return err_set(err, errno, "memfd_create");
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  int rc = archive_write_open_fd(a, mfd) == ARCHIVE_OK ? write_rootfs(a, busybox, err)
                                                       : err_set(err, EIO, "open tar writer");
  if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
    rc = image_archive_err(err, a, EIO, "finish the image tar");
  archive_write_free(a);
  if (rc < 0)
    return err_prefix(err, "build the busybox image");
  if (lseek(mfd, 0, SEEK_SET) < 0)
    return err_set(err, errno, "seek");
  char *changes[] = {(char *)"CMD [\"sh\"]", NULL};
  struct image_import_opts o = {.source = busybox,
                                .ref = ref ? ref : "busybox:latest",
                                .changes = changes,
                                .message = "",
                                .created_by = "tinydocker-image create-default (host busybox)"};
  return image_import(root, mfd, &o, id_out, err);
}
