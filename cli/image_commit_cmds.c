/* Engine-internal commands: `tinydocker commit/export` find the container (its upper dir and
 * image) and exec these with the paths, since only this program links libarchive. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/image_cli.h"
#include "image/image.h"
#include "image/container_ref.h"
#include "image/ops.h"
#include "image/volume.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* The options both commit commands take (-m -a -c -p); false for an unknown one. */
static bool commit_opt(int c, const char **message, const char **author, char ***changes)
{
  switch (c) {
  case 'm':
    *message = optarg;
    return true;
  case 'a':
    *author = optarg;
    return true;
  case 'c':
    strv_push(changes, optarg);
    return true;
  case 'p': /* --pause: accepted; commit reads the upper dir as it is */
    return true;
  default:
    return false;
  }
}

int cmd_commit_container(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"upper", required_argument, NULL, 'U'},
                                       {"image", required_argument, NULL, 'I'},
                                       {"message", required_argument, NULL, 'm'},
                                       {"author", required_argument, NULL, 'a'},
                                       {"change", required_argument, NULL, 'c'},
                                       {"pause", optional_argument, NULL, 'p'},
                                       {NULL, 0, NULL, 0}};
  const char *upper = NULL, *image = NULL, *message = NULL, *author = NULL;
  autostrv char **changes = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "m:a:c:p", opts, NULL)) != -1) {
    switch (c) {
    case 'U':
      upper = optarg;
      break;
    case 'I':
      image = optarg;
      break;
    default:
      if (!commit_opt(c, &message, &author, &changes))
        return EXIT_ENGINE;
    }
  }
  autoerr struct td_err *err = NULL;
  if (upper == NULL || image == NULL || argc - optind > 1) {
    err_set(&err, EINVAL,
            "usage: commit-container --upper DIR --image ID [-m MSG] [-a AUTHOR] "
            "[-c CHANGE]... [REPOSITORY[:TAG]]");
    err->errnum = 0;
    return cli_fail(steal_ptr(err));
  }
  autofree char *id = NULL;
  if (image_commit_dir(root, upper, image, changes, message, author,
                       optind < argc ? argv[optind] : NULL, &id, &err) < 0)
    return cli_fail(steal_ptr(err));
  /* docker's "container commit" event: the container is the directory above its upper dir */
  autofree char *cdir = xstrdup(upper);
  char *slash = strrchr(cdir, '/');
  if (slash)
    *slash = '\0';
  const char *cid = strrchr(cdir, '/') ? strrchr(cdir, '/') + 1 : cdir;
  events_log(root, "container", "commit", cid, "comment", message ? message : "", "imageID", id,
             "imageRef", optind < argc ? argv[optind] : "", NULL);
  printf("%s\n", id);
  return 0;
}

static int open_output(const char *output, struct td_err **err)
{
  if (output == NULL) {
    if (isatty(1))
      return err_set(err, 0,
                     "cowardly refusing to save to a terminal. Use the -o flag or "
                     "redirect");
    return dup(1);
  }
  /* 0600 as docker's CLI writes -o (its temp file's mode), not widened by the engine's umask */
  int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return err_set(err, errno, "create %s", output);
  return fd;
}

int cmd_export_rootfs(const char *root, int argc, char **argv)
{
  (void)root;
  static const struct option opts[] = {{"rootfs", required_argument, NULL, 'R'},
                                       {"output", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *rootfs = NULL, *output = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
    if (c == 'R')
      rootfs = optarg;
    else if (c == 'o')
      output = optarg;
    else
      return EXIT_ENGINE;
  }
  autoerr struct td_err *err = NULL;
  if (rootfs == NULL) {
    err_set(&err, 0, "usage: export-rootfs --rootfs DIR [-o FILE]");
    return cli_fail(steal_ptr(err));
  }
  autoclose int fd = open_output(output, &err);
  if (fd < 0 || image_export_rootfs(rootfs, fd, &err) < 0)
    return cli_fail(steal_ptr(err));
  return 0;
}

int cmd_export_container(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"upper", required_argument, NULL, 'U'},
                                       {"image", required_argument, NULL, 'I'},
                                       {"output", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *upper = NULL, *image = NULL, *output = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
    if (c == 'U')
      upper = optarg;
    else if (c == 'I')
      image = optarg;
    else if (c == 'o')
      output = optarg;
    else
      return EXIT_ENGINE;
  }
  autoerr struct td_err *err = NULL;
  if (upper == NULL || image == NULL) {
    err_set(&err, 0, "usage: export-container --upper DIR --image ID [-o FILE]");
    return cli_fail(steal_ptr(err));
  }
  autoclose int fd = open_output(output, &err);
  if (fd < 0)
    return cli_fail(steal_ptr(err));
  if (image_export_container(root, upper, image, fd, &err) < 0)
    return cli_fail(steal_ptr(err));
  return 0;
}

int cmd_mount_rootfs(const char *root, int argc, char **argv)
{
  autoerr struct td_err *err = NULL;
  if (argc != 3) {
    err_set(&err, 0, "usage: mount-rootfs IMAGE CONTAINER_DIR");
    return cli_fail(steal_ptr(err));
  }
  struct image_info *img = NULL;
  autofree char *rootfs = NULL;
  if (image_resolve(root, argv[1], &img, &err) < 0)
    return cli_fail(steal_ptr(err));
  int rc = image_rootfs_mount(root, img, argv[2], &rootfs, &err);
  image_info_free(img);
  if (rc < 0)
    return cli_fail(steal_ptr(err));
  printf("%s\n", rootfs);
  return 0;
}

int cmd_umount_rootfs(const char *root, int argc, char **argv)
{
  autoerr struct td_err *err = NULL;
  if (argc < 2 || argc > 3) {
    err_set(&err, 0, "usage: umount-rootfs CONTAINER_DIR [--release]");
    return cli_fail(steal_ptr(err));
  }
  if (image_rootfs_umount(argv[1], &err) < 0)
    return cli_fail(steal_ptr(err));
  if (argc == 3 && strcmp(argv[2], "--release") == 0 && image_release(root, argv[1], &err) < 0)
    return cli_fail(steal_ptr(err));
  return 0;
}

int cmd_mount_bench(const char *root, int argc, char **argv)
{
  autoerr struct td_err *err = NULL;
  if (argc != 4) {
    err_set(&err, 0, "usage: mount-bench IMAGE CONTAINER_DIR COUNT");
    return cli_fail(steal_ptr(err));
  }
  struct image_info *img = NULL;
  if (image_resolve(root, argv[1], &img, &err) < 0)
    return cli_fail(steal_ptr(err));
  long n = strtol(argv[3], NULL, 10);
  double total = 0;
  int rc = 0;
  for (long i = 0; i < n && rc == 0; i++) {
    autofree char *rootfs = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    rc = image_rootfs_mount(root, img, argv[2], &rootfs, &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    total += (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    if (rc == 0)
      rc = image_rootfs_umount(argv[2], &err);
  }
  size_t layers = img->n_layers;
  image_info_free(img);
  if (rc < 0)
    return cli_fail(steal_ptr(err));
  autoerr struct td_err *rerr = NULL;
  image_release(root, argv[2], &rerr);
  printf("%zu layers: image_rootfs_mount mean %.1f us over %ld mounts\n", layers, total / (double)n,
         n);
  return 0;
}

int cmd_volume_prepare(const char *root, int argc, char **argv)
{
  autoerr struct td_err *err = NULL;
  if (argc != 5) {
    err_set(&err, 0, "usage: volume-prepare NAME|'' CONTAINER_DIR ROOTFS PATH");
    return cli_fail(steal_ptr(err));
  }
  autofree char *data = NULL;
  if (volume_prepare(root, *argv[1] ? argv[1] : NULL, argv[2], argv[3], argv[4], &data, &err) < 0)
    return cli_fail(steal_ptr(err));
  printf("%s\n", data);
  return 0;
}

int cmd_volume_release(const char *root, int argc, char **argv)
{
  autoerr struct td_err *err = NULL;
  if (argc != 2) {
    err_set(&err, 0, "usage: volume-release CONTAINER_DIR");
    return cli_fail(steal_ptr(err));
  }
  autostrv char **anon = NULL;
  if (volume_release(root, argv[1], &anon, &err) < 0)
    return cli_fail(steal_ptr(err));
  for (char **a = anon; a && *a; a++)
    printf("%s\n", *a);
  return 0;
}

int cmd_commit(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"message", required_argument, NULL, 'm'},
                                       {"author", required_argument, NULL, 'a'},
                                       {"change", required_argument, NULL, 'c'},
                                       {"pause", optional_argument, NULL, 'p'},
                                       {NULL, 0, NULL, 0}};
  const char *message = NULL, *author = NULL;
  autostrv char **changes = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "m:a:c:p", opts, NULL)) != -1) {
    switch (c) {
    default:
      if (!commit_opt(c, &message, &author, &changes))
        return EXIT_ENGINE;
    }
  }
  if (optind >= argc || argc - optind > 2) {
    fprintf(stderr, "%s: \"commit\" requires at least 1 and at most 2 arguments.\n", err_progname);
    return EXIT_ENGINE;
  }
  autoerr struct td_err *err = NULL;
  struct image_container ct;
  if (image_container_find(root, argv[optind], &ct, &err) < 0)
    return cli_fail(steal_ptr(err));
  autofree char *id = NULL;
  int rc = 0;
  if (ct.image_id == NULL)
    rc = err_set(&err, EINVAL, "container %s runs from a plain rootfs dir: nothing to commit",
                 argv[optind]);
  else
    rc = image_commit_dir_config(root, ct.upper, ct.image_id, ct.config, changes, message, author,
                                 optind + 1 < argc ? argv[optind + 1] : NULL, &id, &err);
  if (rc == 0) /* docker's "container commit" event */
    events_log(root, "container", "commit", ct.id, "comment", message ? message : "", "imageID", id,
               "imageRef", optind + 1 < argc ? argv[optind + 1] : "", NULL);
  image_container_clear(&ct);
  if (rc < 0)
    return cli_fail(steal_ptr(err));
  printf("%s\n", id);
  return 0;
}

int cmd_export(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *output = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
    if (c == 'o')
      output = optarg;
    else
      return EXIT_ENGINE;
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "%s: \"export\" requires exactly 1 argument.\n", err_progname);
    return EXIT_ENGINE;
  }
  autoerr struct td_err *err = NULL;
  struct image_container ct;
  if (image_container_find(root, argv[optind], &ct, &err) < 0)
    return cli_fail(steal_ptr(err));
  autoclose int fd = open_output(output, &err);
  int rc = fd < 0        ? -1
           : ct.image_id ? image_export_container(root, ct.upper, ct.image_id, fd, &err)
                         : image_export_rootfs(ct.rootfs_dir, fd, &err);
  image_container_clear(&ct);
  return rc < 0 ? cli_fail(steal_ptr(err)) : 0;
}
