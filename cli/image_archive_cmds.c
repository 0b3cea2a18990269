/* import, load, save, create-default and the engine-internal commit/export commands. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/image_cli.h"
#include "image/image.h"
#include "image/ops.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

int cmd_import(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"change", required_argument, NULL, 'c'},
                                       {"message", required_argument, NULL, 'm'},
                                       {"platform", required_argument, NULL, 'p'},
                                       {"busybox", no_argument, NULL, 'B'},
                                       {NULL, 0, NULL, 0}};
  autostrv char **changes = NULL;
  const char *message = NULL;
  bool busybox = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "c:m:", opts, NULL)) != -1) {
    if (c == 'c')
      strv_push(&changes, optarg);
    else if (c == 'm')
      message = optarg;
    else if (c == 'B')
      busybox = true;
    else if (c != 'p')
      return EXIT_ENGINE;
  }
  if (busybox) { /* `import --busybox [REF]`: the built-in default image source */
    autoerr struct td_err *berr = NULL;
    autofree char *bid = NULL;
    if (image_create_default(root, NULL, optind < argc ? argv[optind] : NULL, &bid, &berr) < 0)
      return cli_fail(steal_ptr(berr));
    printf("%s\n", bid);
    return 0;
  }
  if (optind >= argc || argc - optind > 2) {
    fprintf(stderr, "%s: \"import\" requires at least 1 and at most 2 arguments.\n", err_progname);
    return EXIT_ENGINE;
  }
  const char *src = argv[optind];
  const char *ref = optind + 1 < argc ? argv[optind + 1] : NULL;
  autoerr struct td_err *err = NULL;
  if (strstr(src, "://")) {
    err_set(&err, 0, "import from a URL is not supported (download it, then import the file)");
    return cli_fail(steal_ptr(err));
  }
  autoclose int fd = strcmp(src, "-") == 0 ? dup(0) : open(src, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err_set(&err, errno, "open %s", src);
    return cli_fail(steal_ptr(err));
  }
  struct image_import_opts o = {.source = src, .ref = ref, .changes = changes, .message = message};
  autofree char *id = NULL;
  if (image_import(root, fd, &o, &id, &err) < 0)
    return cli_fail(steal_ptr(err));
  printf("%s\n", id);
  return 0;
}

int cmd_create_default(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"busybox", required_argument, NULL, 'b'},
                                       {NULL, 0, NULL, 0}};
  const char *busybox = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'b')
      busybox = optarg;
    else
      return EXIT_ENGINE;
  }
  autoerr struct td_err *err = NULL;
  autofree char *id = NULL;
  if (image_create_default(root, busybox, optind < argc ? argv[optind] : NULL, &id, &err) < 0)
    return cli_fail(steal_ptr(err));
  printf("%s\n", id);
  return 0;
}

int cmd_load(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"input", required_argument, NULL, 'i'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {NULL, 0, NULL, 0}};
  const char *input = NULL;
  bool quiet = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "i:q", opts, NULL)) != -1) {
    if (c == 'i')
      input = optarg;
    else if (c == 'q')
      quiet = true;
    else
      return EXIT_ENGINE;
  }
  autoerr struct td_err *err = NULL;
  if (input == NULL && isatty(0)) {
    err_set(&err, 0, "requested load from stdin, but stdin is empty");
    return cli_fail(steal_ptr(err));
  }
  autoclose int fd = input ? open(input, O_RDONLY | O_CLOEXEC) : dup(0);
  if (fd < 0) {
    err_set(&err, errno, "open %s", input);
    return cli_fail(steal_ptr(err));
  }
  autofclose FILE *devnull = quiet ? fopen("/dev/null", "we") : NULL;
  if (image_load(root, fd, quiet ? devnull : stdout, &err) < 0)
    return cli_fail(steal_ptr(err));
  return 0;
}

int cmd_save(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'F'},
                                       {NULL, 0, NULL, 0}};
  const char *output = NULL, *format = "docker-archive";
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
    if (c == 'o')
      output = optarg;
    else if (c == 'F')
      format = optarg;
    else
      return EXIT_ENGINE;
  }
  autoerr struct td_err *err = NULL;
  if (optind >= argc) {
    fprintf(stderr, "%s: \"save\" requires at least 1 argument.\n", err_progname);
    return EXIT_ENGINE;
  }
  if (strcmp(format, "docker-archive") != 0 && strcmp(format, "oci-archive") != 0) {
    err_set(&err, 0, "unsupported format \"%s\" (docker-archive or oci-archive)", format);
    return cli_fail(steal_ptr(err));
  }
  if (output == NULL && isatty(1)) {
    err_set(&err, 0, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
    return cli_fail(steal_ptr(err));
  }
  /* written to a temp name and renamed, so a failed save leaves no partial file; 0600 as
   * docker's CLI (its temp file's mode), not widened by the engine's umask of 022 */
  autofree char *tmp = output ? xasprintf("%s.tmp.%d", output, (int)getpid()) : NULL;
  autoclose int fd = output ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : dup(1);
  if (fd < 0) {
    err_set(&err, errno, "create %s", output);
    return cli_fail(steal_ptr(err));
  }
  if (image_save(root, argv + optind, format, fd, &err) < 0) {
    if (tmp)
      unlink(tmp);
    return cli_fail(steal_ptr(err));
  }
  if (tmp && (fsync(fd) < 0 || rename(tmp, output) < 0)) {
    err_set(&err, errno, "write %s", output);
    unlink(tmp);
    return cli_fail(steal_ptr(err));
  }
  return 0;
}

int cmd_unsupported(const char *root, int argc, char **argv)
{
  (void)root;
  (void)argc;
  fprintf(stderr, "%s: %s: the registry client is not implemented yet\n", err_progname, argv[0]);
  return EXIT_ENGINE;
}
