#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/core/runtime.h"

static const struct {
  const char *name;
  int sig;
} signal_names[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int rt_signal_parse(const char *s)
{
  if (s == NULL || *s == '\0')
    return -1;
  if (isdigit((unsigned char)*s)) {
    char *end = NULL;
    long n = strtol(s, &end, 10);
    if (*end != '\0' || n <= 0 || n > SIGRTMAX)
      return -1;
    return (int)n;
  }
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
    if (strcasecmp(s, signal_names[i].name) == 0)
      return signal_names[i].sig;
  if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
    bool min = strncasecmp(s, "RTMIN", 5) == 0;
    const char *rest = s + 5;
    long off = 0;
    if (*rest) {
      char *end = NULL;
      off = strtol(rest, &end, 10);
      if (*end != '\0')
        return -1;
    }
    int sig = min ? SIGRTMIN + (int)off : SIGRTMAX + (int)off;
    return (sig >= SIGRTMIN && sig <= SIGRTMAX) ? sig : -1;
  }
  return -1;
}
