/* tinydocker-attach: what the CLI of an attached `run` (or `start -a`) without a terminal
 * becomes once the container's monitor exists. The CLI clones the monitor into its own
 * address space and execs this small static program in its own place (attach.c,
 * monitor_handoff): the monitor keeps every page the CLI had, with no copy and no
 * copy-on-write fault, and the CLI's pid (the one the shell waits for) goes on as this loop.
 * It has already sent the monitor its stdio and the start; here it passes on the signals
 * docker's sig-proxy passes and exits with the container's code, or prints the monitor's
 * error as the CLI would ("tinydocker: ...", docker's code).
 * For `run -d` it waits for the start instead and prints the id, as the CLI would.
 * argv: tinydocker-attach SOCKET_FD MODE [ID]; MODE: a0 / a1 attached (sig-proxy off / on),
 * d detached (ID printed once started). */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "engine/monitor/monitor.h"

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

/* The monitor's answer that ends this program: its exit code. */
/* run -d: the id on stdout, as docker's CLI prints it once the container is created */
static int print_id(const char *id)
{
  char b[80];
  int n = snprintf(b, sizeof(b), "%s\n", id);
  return n > 0 && (size_t)n < sizeof(b) && write(STDOUT_FILENO, b, (size_t)n) != n ? -1 : 0;
}

static int answer(const struct mon_msg *r, const char *id)
{
  if (r->type == MON_ERROR) {
    if (id) /* docker's CLI printed it before the start failed */
      print_id(id);
    /* the start failed: docker run words the daemon's answer "Error response from daemon:
     * <msg>." (one final dot), as the CLI does for the same error (util/err.c, ERR_START) */
    static const char pre[] = "Error response from daemon: ";
    char text[sizeof(pre) + sizeof(r->text) + 1];
    memcpy(text, pre, sizeof(pre) - 1);
    size_t n = sizeof(pre) - 1;
    for (size_t k = 0; k < sizeof(r->text) && r->text[k]; k++)
      text[n++] = r->text[k];
    if (text[n - 1] != '.')
      text[n++] = '.';
    text[n] = '\0';
    return fail(text, r->a ? r->a : 125);
  }
  if (id && print_id(id) < 0) /* run -d: started (or already over) */
    return 125;
  return r->type == MON_EXIT ? r->a : 0; /* MON_DETACHED: the container runs on, docker's 0 */
}

static bool ends(uint32_t type, bool detached)
{
  return type == MON_ERROR || type == MON_EXIT ||
         (detached ? type == MON_STARTED : type == MON_DETACHED);
}

/* Started by tinydocker's hand-over: our name, a socket fd, a known mode. */
static bool well_started(int argc, char **argv)
{
  if (argc < 3 || strcmp(argv[0], "tinydocker-attach") != 0 || argv[1][0] < '0' || argv[1][0] > '9')
    return false;
  return strcmp(argv[2], "a0") == 0 || strcmp(argv[2], "a1") == 0 ||
         (strcmp(argv[2], "d") == 0 && (argc == 4 || argc == 5));
}

int main(int argc, char **argv)
{
  if (!well_started(argc, argv))
    return fail("tinydocker-attach: not started by tinydocker's hand-over", 125);
  int sock = atoi(argv[1]);
  bool detached = argv[2][0] == 'd', proxy = argv[2][0] == 'a' && argv[2][1] == '1';
  const char *id = detached && argc > 3 ? argv[3] : NULL;
  /* run -d: the wait for the monitor's MON_STARTED has a bound (ms, from the CLI); an attached
   * session lasts as long as the container */
  int bound_ms = detached && argc > 4 ? atoi(argv[4]) : -1;
  if (bound_ms <= 0)
    bound_ms = -1;
  int sfd = -1;
  if (detached) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the CLI blocked every signal for the hand-over */
  } else {
    sfd = proxy_signals();
  }
  for (;;) {
    struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    int pr = poll(p, sfd >= 0 ? 2 : 1, bound_ms);
    if (pr < 0)
      continue; /* EINTR: nothing else can fail here */
    if (pr == 0) {
      char m[96];
      snprintf(m, sizeof(m),
               "waiting for the container's monitor to start it: timed out after %d s",
               bound_ms / 1000);
      return fail(m, 125);
    }
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
    if (ends(r.type, detached))
      return answer(&r, id);
  }
}
