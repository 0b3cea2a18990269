#include <stdio.h>
#include "cli/image_cli.h"
int cmd_commit_container(const char *root, int argc, char **argv) { (void)root; (void)argc; (void)argv; return 125; }
int cmd_export_container(const char *root, int argc, char **argv) { (void)root; (void)argc; (void)argv; return 125; }
int cmd_export_rootfs(const char *root, int argc, char **argv) { (void)root; (void)argc; (void)argv; return 125; }
