/* tinydocker-entry: the last exec of every process the engine starts in a container
 * (runtime/core/entry.c says why): argv is "tinydocker-entry", the program's path, then the
 * program's argv. The runtime execs it from a detached read-only mount. Anything else,
 * such as a container program whose #! interpreter is /proc/self/exe, gets a refusal: no
 * exec loop, nothing to write to. Static and libc-free on x86_64: a few KB to exec. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void say(const char *a, const char *b)
{
  write(STDERR_FILENO, "tinydocker-entry: ", 18);
  write(STDERR_FILENO, a, strlen(a));
  write(STDERR_FILENO, b, strlen(b));
  write(STDERR_FILENO, "\n", 1);
}

int main(int argc, char **argv)
{
  if (argc < 3 || strcmp(argv[0], "tinydocker-entry") != 0) {
    say("not started by the runtime", "");
    return 126;
  }
  execveat(AT_FDCWD, argv[1], argv + 2, environ, 0);
  int e = errno;
  say("cannot exec ", argv[1]);
  return e == ENOENT ? 127 : 126;
}
