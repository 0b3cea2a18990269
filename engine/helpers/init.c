/* tinydocker-init: the --init process (PID 1 in the container). A static binary of its own,
 * bind-mounted read-only at /sbin/docker-init: never the engine or runtime binary, so a
 * container cannot overwrite them through /proc/1/exe (CVE-2019-5736). It starts the command,
 * forwards signals to it, reaps every zombie and exits with the command's status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "--") == 0)
    first = 2;
  if (first >= argc) {
    fprintf(stderr, "tinydocker-init: no command\n");
    return 127;
  }
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t child = fork();
  if (child < 0) {
    perror("tinydocker-init: fork");
    return 125;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    setpgid(0, 0);
    execvp(argv[first], argv + first);
    fprintf(stderr, "tinydocker-init: exec %s: %s\n", argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  for (;;) {
    int sig = 0;
    siginfo_t si;
    struct timespec ts = {1, 0};
    sig = sigtimedwait(&all, &si, &ts);
    if (sig > 0 && sig != SIGCHLD)
      kill(child, sig);
    for (;;) {
      int st;
      pid_t p = waitpid(-1, &st, WNOHANG);
      if (p <= 0)
        break;
      if (p == child)
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
  }
}
