/* Exec of tinydocker-image, the program that carries libarchive/libcrypto/libcurl. */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "image/image.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#define TOOL_NAME "tinydocker-image"
char *image_tool_path(void)
{
  return helper_find(TOOL_NAME);
}

int image_tool_exec(const char *root, int argc, char **argv, struct td_err **err)
{
  autofree char *tool = image_tool_path();
  if (tool == NULL)
    return err_set(err, ENOENT, "cannot find %s (next to tinydocker or in %s)", TOOL_NAME,
                   TD_LIBEXECDIR);
  char **av = xcalloc((size_t)argc + 4, sizeof(char *));
  size_t n = 0;
  av[n++] = (char *)TOOL_NAME;
  if (root) {
    av[n++] = (char *)"--root";
    av[n++] = (char *)root;
  }
  for (int i = 1; i < argc; i++)
    av[n++] = argv[i];
  av[n] = NULL;
  execv(tool, av);
  int saved = errno;
  free(av);
  return err_set(err, saved, "exec %s", tool);
}

int image_tool_pull(const char *root, const char *ref, struct td_err **err)
{
  autofree char *tool = image_tool_path();
  if (tool == NULL)
    return err_set(err, ENOENT, "cannot find %s (next to tinydocker or in %s)", TOOL_NAME,
                   TD_LIBEXECDIR);
  char *av[] = {(char *)TOOL_NAME,   (char *)"--root", (char *)root, (char *)"pull",
                (char *)"--for-run", (char *)"--",     (char *)ref,  NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid;
  int rc = posix_spawn(&pid, tool, &fa, NULL, av, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return err_set(err, rc, "run %s pull", tool);
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return err_set(err, errno, "wait for %s pull", tool);
  if (WIFEXITED(st))
    return WEXITSTATUS(st);
  return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

bool image_tool_flag_takes_value(const char *a)
{
  static const char *const with_value[] = {"-a",        "--author", "-c",       "--change", "-m",
                                           "--message", "-o",       "--output", NULL};
  if (strchr(a, '=') != NULL)
    return false;
  for (const char *const *w = with_value; *w; w++)
    if (strcmp(a, *w) == 0)
      return true;
  return false;
}

int image_tool_exec_container(const char *root, const char *container_dir, const char *image_id,
                              int argc, char **argv, struct td_err **err)
{
  if (argc < 1 || (strcmp(argv[0], "commit") != 0 && strcmp(argv[0], "export") != 0))
    return err_set(err, EINVAL, "image_tool_exec_container: commit or export expected");
  bool commit = strcmp(argv[0], "commit") == 0;
  char **av = xcalloc((size_t)argc + 8, sizeof(char *));
  size_t n = 0;
  av[n++] = (char *)TOOL_NAME;
  av[n++] = (char *)(commit ? "commit-container" : "export-container");
  autofree char *upper = xasprintf("%s/upper", container_dir);
  av[n++] = (char *)"--upper";
  av[n++] = upper;
  av[n++] = (char *)"--image";
  av[n++] = (char *)image_id;
  bool skipped = false, only_args = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!only_args && strcmp(a, "--") == 0) {
      only_args = true;
      continue;
    }
    if (!only_args && a[0] == '-' && a[1] != '\0') {
      av[n++] = argv[i];
      if (image_tool_flag_takes_value(a) && i + 1 < argc)
        av[n++] = argv[++i];
      continue;
    }
    if (!skipped) { /* the CONTAINER argument: the engine resolved it */
      skipped = true;
      continue;
    }
    av[n++] = argv[i];
  }
  av[n] = NULL;
  /* image_tool_exec puts --root first and skips av[0] */
  int rc = image_tool_exec(root, (int)n, av, err);
  free(av);
  return rc;
}
