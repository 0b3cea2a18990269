/* tinydocker-image: the image commands with docker's argv. `tinydocker` execs it as
 * `tinydocker-image [--root DIR] COMMAND ARGS...` (see image_tool_exec in image/image.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/image_cli.h"
#include "cli/volume_cli.h"
#include "cli/image_registry.h"
#include "util/err.h"

static int cmd_volume(const char *root, int argc, char **argv)
{
  return volume_cli(root, argc - 1, argv + 1);
}

static const struct image_cmd cmds[] = {
    {"images", cmd_images},
    {"import", cmd_import},
    {"load", cmd_load},
    {"save", cmd_save},
    {"tag", cmd_tag},
    {"rmi", cmd_rmi},
    {"history", cmd_history},
    {"create-default", cmd_create_default},
    {"volume", cmd_volume},
    {"volume-prepare", cmd_volume_prepare},
    {"volume-release", cmd_volume_release},
    {"commit", cmd_commit},
    {"export", cmd_export},
    {"commit-container", cmd_commit_container},
    {"export-container", cmd_export_container},
    {"export-rootfs", cmd_export_rootfs},
    {"mount-rootfs", cmd_mount_rootfs},
    {"umount-rootfs", cmd_umount_rootfs},
    {"mount-bench", cmd_mount_bench},
    {"pull", image_cmd_pull},
    {"push", image_cmd_push},
    {"login", image_cmd_login},
    {"logout", image_cmd_logout},
    {"search", image_cmd_search},
    {"manifest", image_cmd_manifest},
    {NULL, NULL},
};

/* `image SUB`: docker's management-command spellings. */
static const struct image_cmd image_subcmds[] = {
    {"ls", cmd_images},       {"list", cmd_images}, {"import", cmd_import},
    {"load", cmd_load},       {"save", cmd_save},   {"tag", cmd_tag},
    {"rm", cmd_rmi},          {"remove", cmd_rmi},  {"history", cmd_history},
    {"inspect", cmd_inspect}, {"prune", cmd_prune}, {"pull", image_cmd_pull},
    {"push", image_cmd_push}, {NULL, NULL},
};

static int dispatch(const struct image_cmd *table, const char *root, int argc, char **argv)
{
  for (const struct image_cmd *c = table; c->name; c++) {
    if (strcmp(c->name, argv[0]) != 0)
      continue;
    int h = image_help(argv[0], argc, argv);
    return h >= 0 ? h : c->fn(root, argc, argv);
  }
  fprintf(stderr, "%s: '%s' is not an image command.\n", err_progname, argv[0]);
  return EXIT_ENGINE;
}

static void usage(FILE *f)
{
  fprintf(f, "Usage: tinydocker-image [--root DIR] COMMAND [ARGS...]\n\n"
             "Commands: images, import, load, save, tag, rmi, history, image (ls, inspect, prune,"
             " rm, tag, history, import, load, save), create-default\n"
             "Engine-internal: commit-container, export-container, export-rootfs\n");
}

int main(int argc, char **argv)
{
  err_progname = "tinydocker";
  umask(022); /* the engine's modes under any umask (cli/tinydocker_main.c) */
  const char *root = getenv("TINYDOCKER_ROOT");
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
      root = argv[++i];
    } else if (strncmp(argv[i], "--root=", 7) == 0) {
      root = argv[i] + 7;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--version") == 0) {
      printf("tinydocker-image version %s\n", TD_VERSION);
      return 0;
    } else {
      fprintf(stderr, "%s: unknown flag: %s\n", err_progname, argv[i]);
      return EXIT_ENGINE;
    }
  }
  if (root == NULL || *root == '\0')
    root = "/var/lib/tinydocker";
  if (i >= argc) {
    usage(stderr);
    return EXIT_ENGINE;
  }
  if (strcmp(argv[i], "image") == 0) {
    if (i + 1 >= argc) {
      usage(stderr);
      return EXIT_ENGINE;
    }
    return dispatch(image_subcmds, root, argc - i - 1, argv + i + 1);
  }
  return dispatch(cmds, root, argc - i, argv + i);
}
