/* --help for the image commands, in docker's words. */
#include <stdio.h>
#include <string.h>

#include "cli/image_cli.h"

static const struct {
  const char *name;
  const char *text;
} helps[] = {
    {"images", "Usage:  tinydocker images [OPTIONS] [REPOSITORY[:TAG]]\n\nList images\n\n"
               "Options:\n  -a, --all             Show all images\n"
               "      --digests         Show digests\n"
               "  -f, --filter filter   Filter output (dangling, reference, label, before, since)\n"
               "      --format string   Format output using a template\n"
               "      --no-trunc        Don't truncate output\n"
               "  -q, --quiet           Only show image IDs\n"},
    {"import", "Usage:  tinydocker import [OPTIONS] file|- [REPOSITORY[:TAG]]\n\n"
               "Import the contents from a tarball to create a filesystem image\n\nOptions:\n"
               "  -c, --change list        Apply Dockerfile instruction to the created image\n"
               "  -m, --message string     Set commit message for imported image\n"
               "      --platform string    Set platform if server is multi-platform capable\n"
               "      --busybox            Build the default image from the host's busybox\n"},
    {"load", "Usage:  tinydocker load [OPTIONS]\n\n"
             "Load an image from a tar archive or STDIN\n\nOptions:\n"
             "  -i, --input string   Read from tar archive file, instead of STDIN\n"
             "  -q, --quiet          Suppress the load output\n"},
    {"save", "Usage:  tinydocker save [OPTIONS] IMAGE [IMAGE...]\n\n"
             "Save one or more images to a tar archive (streamed to STDOUT by default)\n\n"
             "Options:\n  -o, --output string   Write to a file, instead of STDOUT\n"
             "      --format string   docker-archive (default) or oci-archive\n"},
    {"tag", "Usage:  tinydocker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
            "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n"},
    {"rmi", "Usage:  tinydocker rmi [OPTIONS] IMAGE [IMAGE...]\n\n"
            "Remove one or more images\n\nOptions:\n"
            "  -f, --force      Force removal of the image\n"
            "      --no-prune   Do not delete untagged parents\n"},
    {"history", "Usage:  tinydocker history [OPTIONS] IMAGE\n\nShow the history of an image\n\n"
                "Options:\n  -H, --human      Print sizes and dates in human readable format "
                "(default true)\n      --no-trunc   Don't truncate output\n"
                "  -q, --quiet      Only show image IDs\n"},
    {"inspect", "Usage:  tinydocker image inspect [OPTIONS] IMAGE [IMAGE...]\n\n"
                "Display detailed information on one or more images\n\nOptions:\n"
                "  -f, --format string   Format output using a template\n"},
    {"prune", "Usage:  tinydocker image prune [OPTIONS]\n\nRemove unused images\n\nOptions:\n"
              "  -a, --all     Remove all unused images, not just dangling ones\n"
              "  -f, --force   Do not prompt for confirmation\n"},
    {"commit", "Usage:  tinydocker commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\n"
               "Create a new image from a container's changes\n\nOptions:\n"
               "  -a, --author string    Author\n"
               "  -c, --change list      Apply Dockerfile instruction to the created image\n"
               "  -m, --message string   Commit message\n"
               "  -p, --pause            Pause container during commit (default true)\n"},
    {"export", "Usage:  tinydocker export [OPTIONS] CONTAINER\n\n"
               "Export a container's filesystem as a tar archive\n\nOptions:\n"
               "  -o, --output string   Write to a file, instead of STDOUT\n"},
    {"create-default", "Usage:  tinydocker-image create-default [--busybox PATH] [REF]\n\n"
                       "Build busybox:latest from the host's static busybox (no network)\n"},
};

int image_help(const char *cmd, int argc, char **argv)
{
  bool asked = false;
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    asked = asked || strcmp(argv[i], "--help") == 0;
  if (!asked)
    return -1;
  const char *name = strcmp(cmd, "ls") == 0 || strcmp(cmd, "list") == 0     ? "images"
                     : strcmp(cmd, "rm") == 0 || strcmp(cmd, "remove") == 0 ? "rmi"
                                                                            : cmd;
  for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
    if (strcmp(helps[i].name, name) == 0) {
      fputs(helps[i].text, stdout);
      return 0;
    }
  }
  return -1;
}
