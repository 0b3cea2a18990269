/* tinydocker-attach: what the CLI of an attached `run` (or `start -a`) without a terminal
 * becomes once the container's monitor exists. The CLI clones the monitor into its own
 * address space and execs this small static program in its own place (attach.c,
 * monitor_handoff): the monitor keeps every page the CLI had, with no copy and no
 * copy-on-write fault, and the CLI's pid (the one the shell waits for) goes on as this loop.
 * It has already sent the monitor its stdio and the start; here it passes on the signals
 * docker's sig-proxy passes and exits with the container's code, or prints the monitor's
 * error as the CLI would ("tinydocker: ...", docker's code).
 * argv: tinydocker-attach SOCKET_FD SIG_PROXY(0|1) */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "engine/monproto.h"

static int fail(const char *msg, int code)
{
  char b[sizeof(((struct mon_msg *)0)->text) + 32];
  int n = snprintf(b, sizeof(b), "tinydocker: %s\n", msg);
  if (n > 0)
    (void)!write(STDERR_FILENO, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
  return code;
}

/* The signals the CLI passes on (attach_session's set), through a signalfd. */
static int proxy_signals(void)
{
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM};
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
    sigaddset(&set, sigs[i]);
  /* the CLI blocked every signal around the hand-over: only these stay blocked */
  sigprocmask(SIG_SETMASK, &set, NULL);
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void pass_signals(int sfd, int sock, bool proxy)
{
  struct signalfd_siginfo si;
  while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    if (!proxy || si.ssi_signo == SIGWINCH) /* no terminal: nothing to resize */
      continue;
    struct mon_msg f;
    memset(&f, 0, sizeof(f));
    f.type = MON_SIGNAL;
    f.a = (int32_t)si.ssi_signo;
    mon_send(sock, &f, NULL, 0);
  }
}

int main(int argc, char **argv)
{
  if (argc != 3)
    return 125;
  int sock = atoi(argv[1]);
  bool proxy = argv[2][0] == '1';
  int sfd = proxy_signals();
  for (;;) {
    struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    if (poll(p, sfd >= 0 ? 2 : 1, -1) < 0)
      continue; /* EINTR: nothing else can fail here */
    if (sfd >= 0 && p[1].revents)
      pass_signals(sfd, sock, proxy);
    if (!p[0].revents)
      continue;
    struct mon_msg r;
    int fds[3], nf = 0;
    int got = mon_recv(sock, &r, fds, &nf);
    for (int k = 0; k < nf; k++)
      close(fds[k]);
    if (got <= 0)
      return fail("the container's monitor went away", 125);
    if (r.type == MON_EXIT)
      return r.a;
    if (r.type == MON_DETACHED) /* the container runs on; docker exits 0 */
      return 0;
    if (r.type == MON_ERROR) {
      r.text[sizeof(r.text) - 1] = '\0';
      return fail(r.text, r.a ? r.a : 125);
    }
  }
}
