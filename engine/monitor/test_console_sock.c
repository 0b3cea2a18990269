/* Unit tests of the console socket another runtime sends its pty master on (console_sock.c):
 * its directory is ours alone, it takes one connection from the runtime's pid only, and one
 * fd only, a pty master; whatever else comes is closed (no fd of a peer stays with us). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/monitor/internal.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/fdpass.h"

static int dial(const char *path)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, path);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    close(s);
    return -1;
  }
  return s;
}

static void send_fds(int s, const int *fds, int n)
{
  char byte = 'x';
  fdpass_send(s, &byte, 1, fds, (size_t)n);
}

/* kind: 0 a pty master, 1 a pipe, 2 a master and a pipe, 3 nothing; from a grandchild when
 * grand. Returns the pid that is "the runtime" (the child). */
static pid_t peer(const char *path, int kind, bool grand)
{
  pid_t p = fork();
  if (p != 0)
    return p;
  if (grand && fork() != 0) {
    wait(NULL);
    _exit(0);
  }
  int s = dial(path);
  /* non-blocking, as runc's (Go's) is */
  int fds[2] = {posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK), -1};
  int pp[2];
  if (pipe(pp) == 0)
    fds[1] = pp[0];
  if (kind == 0)
    send_fds(s, fds, 1);
  else if (kind == 1)
    send_fds(s, fds + 1, 1);
  else if (kind == 2)
    send_fds(s, fds, 2);
  else
    send_fds(s, fds, 0);
  _exit(0);
}

/* Take from the socket with a peer of this kind: the rc of console_sock_take. */
static int take(const char *tmp, int kind, bool grand, int *master, bool *gone, bool *second)
{
  struct console_sock cs;
  autoerr struct td_err *e = NULL;
  if (console_sock_open(tmp, &cs, &e) < 0)
    return -9;
  pid_t p = peer(cs.path, kind, grand);
  int rc = 0;
  for (int i = 0; i < 40 && rc == 0; i++) {
    err_free(&e);
    rc = console_sock_take(&cs, p, 100, master, &e);
  }
  waitpid(p, NULL, 0);
  struct stat st;
  *gone = lstat(cs.path, &st) < 0 && errno == ENOENT;
  int again = dial(cs.path);
  *second = again >= 0;
  if (again >= 0)
    close(again);
  console_sock_close(&cs);
  return rc;
}

int main(void)
{
  char tmp[] = "/tmp/td-console-XXXXXX";
  if (mkdtemp(tmp) == NULL)
    return 1;
  chmod(tmp, 0755);

  struct console_sock cs;
  autoerr struct td_err *e = NULL;
  TAP_OK(console_sock_open(tmp, &cs, &e) == 0, "open");
  struct stat st;
  TAP_OK(lstat(cs.dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 &&
             st.st_uid == geteuid(),
         "the socket's directory is a fresh 0700 one of ours");
  TAP_OK(strncmp(cs.path, cs.dir, strlen(cs.dir)) == 0 && lstat(cs.path, &st) == 0 &&
             S_ISSOCK(st.st_mode),
         "the socket is inside it");
  int master = -1;
  TAP_OK(console_sock_take(&cs, getpid(), 0, &master, &e) == 0 && master < 0,
         "no connection yet: 0");
  char *dir = strdup(cs.dir);
  console_sock_close(&cs);
  TAP_OK(lstat(dir, &st) < 0 && errno == ENOENT, "close removes the socket and its directory");
  free(dir);

  bool gone = false, second = false;
  int before = tap_open_fds();
  int rc = take(tmp, 0, false, &master, &gone, &second);
  unsigned ptn;
  TAP_OK(rc == 1 && master >= 0 && ioctl(master, TIOCGPTN, &ptn) == 0,
         "the runtime's pty master is taken");
  TAP_OK(master >= 0 && (fcntl(master, F_GETFL) & O_NONBLOCK) == 0,
         "the master is ours blocking (runc sends it non-blocking)");
  TAP_OK(gone, "the socket is removed once taken");
  TAP_OK(!second, "a second connection finds nothing to replace the terminal");
  if (master >= 0)
    close(master);
  TAP_OK(tap_open_fds() == before, "no fd left but the master");

  master = -1;
  rc = take(tmp, 2, false, &master, &gone, &second);
  TAP_OK(rc < 0 && master < 0 && gone && !second, "two fds: refused, the socket gone");
  TAP_OK(tap_open_fds() == before, "two fds: both closed");
  rc = take(tmp, 1, false, &master, &gone, &second);
  TAP_OK(rc < 0 && master < 0 && tap_open_fds() == before, "a pipe instead of a master: refused");
  rc = take(tmp, 3, false, &master, &gone, &second);
  TAP_OK(rc < 0 && master < 0 && tap_open_fds() == before, "no fd at all: refused");
  rc = take(tmp, 0, true, &master, &gone, &second);
  TAP_OK(rc < 0 && master < 0 && gone && !second && tap_open_fds() == before,
         "a master from another process than the runtime: refused, and no second try");
  DIR *d = opendir(tmp);
  int left = 0;
  struct dirent *de;
  while (d && (de = readdir(d)))
    left += de->d_name[0] != '.';
  if (d)
    closedir(d);
  TAP_OK(left == 0, "nothing left in the parent directory");
  rmdir(tmp);
  return TAP_DONE();
}
