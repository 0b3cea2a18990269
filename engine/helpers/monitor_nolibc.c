/* The few libc functions tinydocker-monitor uses, on raw system calls (x86_64), so the idle
 * program is a ~30 KB static binary that needs no libc at all. Why: glibc's static startup and
 * the libc functions the loop calls are spread over ~700 KB of text, and the kernel maps file
 * pages back 64 KB at a time (fault-around), so even a static glibc loop kept ~300 KB of code
 * resident after dropping it. Only what the loop needs, with glibc's names and prototypes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv);
char **environ;
static int errno_value;

int *__errno_location(void)
{
  return &errno_value;
}

static long sc6(long n, long a, long b, long c, long d, long e, long f)
{
  long r;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return r;
}

/* The kernel returns -errno; libc's convention is -1 and errno. */
static long ret(long r)
{
  if (r < 0 && r > -4096) {
    errno_value = (int)-r;
    return -1;
  }
  return r;
}

#define SC(n, a, b, c, d, e, f)                                                                    \
  ret(sc6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)))

__attribute__((noreturn)) void _exit(int code)
{
  for (;;)
    sc6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

__attribute__((noreturn)) void exit(int code)
{
  _exit(code);
}

__attribute__((used)) static void start_c(long *sp)
{
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  environ = argv + argc + 1;
  exit(main(argc, argv));
}

/* the entry point: the stack holds argc, argv, envp; align it for the call */
__asm__(".text\n.global _start\n_start:\n  xor %rbp, %rbp\n  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n  call start_c\n  hlt\n");

ssize_t read(int fd, void *buf, size_t n)
{
  return SC(SYS_read, fd, buf, n, 0, 0, 0);
}
ssize_t write(int fd, const void *buf, size_t n)
{
  return SC(SYS_write, fd, buf, n, 0, 0, 0);
}
ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
  return SC(SYS_pread64, fd, buf, n, off, 0, 0);
}
int close(int fd)
{
  return (int)SC(SYS_close, fd, 0, 0, 0, 0, 0);
}
int open64(const char *path, int flags, ...)
{
  va_list ap;
  va_start(ap, flags);
  int mode = va_arg(ap, int);
  va_end(ap);
  return (int)SC(SYS_openat, AT_FDCWD, path, flags, mode, 0, 0);
}
int fcntl64(int fd, int cmd, ...)
{
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return (int)SC(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}
int ioctl(int fd, unsigned long req, ...)
{
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  return (int)SC(SYS_ioctl, fd, req, arg, 0, 0, 0);
}
int rename(const char *from, const char *to)
{
  return (int)SC(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0, 0);
}
int ftruncate(int fd, off_t len)
{
  return (int)SC(SYS_ftruncate, fd, len, 0, 0, 0, 0);
}
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
  return (int)SC(SYS_poll, fds, n, timeout, 0, 0, 0);
}
int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
  return (int)SC(SYS_accept4, fd, sa, len, flags, 0, 0);
}
int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
  return (int)SC(SYS_getsockopt, fd, level, name, val, len, 0);
}
uid_t geteuid(void)
{
  return (uid_t)SC(SYS_geteuid, 0, 0, 0, 0, 0, 0);
}
ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
  return SC(SYS_sendmsg, fd, m, flags, 0, 0, 0);
}
ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
  return SC(SYS_recvmsg, fd, m, flags, 0, 0, 0);
}
pid_t waitpid(pid_t pid, int *st, int opts)
{
  return (pid_t)SC(SYS_wait4, pid, st, opts, 0, 0, 0);
}
int kill(pid_t pid, int sig)
{
  return (int)SC(SYS_kill, pid, sig, 0, 0, 0, 0);
}
int prctl(int op, ...)
{
  va_list ap;
  va_start(ap, op);
  long a = va_arg(ap, long);
  va_end(ap);
  return (int)SC(SYS_prctl, op, a, 0, 0, 0, 0);
}
int clock_gettime(clockid_t clk, struct timespec *ts)
{
  return (int)SC(SYS_clock_gettime, clk, ts, 0, 0, 0, 0);
}
int memfd_create(const char *name, unsigned flags)
{
  return (int)SC(SYS_memfd_create, name, flags, 0, 0, 0, 0);
}
int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
  return (int)SC(SYS_execveat, dirfd, path, argv, envp, flags, 0);
}

/* signals: the kernel's sigset is 64 bits, the first word of glibc's */
int sigemptyset(sigset_t *s)
{
  memset(s, 0, sizeof(*s));
  return 0;
}
int sigaddset(sigset_t *s, int sig)
{
  ((unsigned long *)s)[0] |= 1UL << (sig - 1);
  return 0;
}
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
  return (int)SC(SYS_rt_sigprocmask, how, set, old, 8, 0, 0);
}
int signalfd(int fd, const sigset_t *set, int flags)
{
  return (int)SC(SYS_signalfd4, fd, set, 8, flags, 0, 0);
}

/* the kernel's struct termios (TCGETS) is smaller than glibc's; only c_cc is read */
int tcgetattr(int fd, struct termios *t)
{
  struct {
    unsigned int flags[4];
    unsigned char line, cc[19];
  } k;
  if (ioctl(fd, TCGETS, &k) < 0)
    return -1;
  memset(t, 0, sizeof(*t));
  t->c_iflag = k.flags[0];
  t->c_oflag = k.flags[1];
  t->c_cflag = k.flags[2];
  t->c_lflag = k.flags[3];
  t->c_line = k.line;
  memcpy(t->c_cc, k.cc, sizeof(k.cc));
  return 0;
}

struct cmsghdr *__cmsg_nxthdr(struct msghdr *m, struct cmsghdr *c)
{
  if (c->cmsg_len < sizeof(*c))
    return NULL;
  c = (struct cmsghdr *)((unsigned char *)c + CMSG_ALIGN(c->cmsg_len));
  unsigned char *end = (unsigned char *)m->msg_control + m->msg_controllen;
  if ((unsigned char *)(c + 1) > end || (unsigned char *)c + CMSG_ALIGN(c->cmsg_len) > end)
    return NULL;
  return c;
}

/* memory and strings (the compiler also emits calls to memcpy/memset for struct copies) */
void *memcpy(void *d, const void *s, size_t n)
{
  unsigned char *dp = d;
  const unsigned char *sp = s;
  while (n--)
    *dp++ = *sp++;
  return d;
}
void *memmove(void *d, const void *s, size_t n)
{
  unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp < sp)
    return memcpy(d, s, n);
  while (n--)
    dp[n] = sp[n];
  return d;
}
void *memset(void *d, int c, size_t n)
{
  unsigned char *dp = d;
  while (n--)
    *dp++ = (unsigned char)c;
  return d;
}
void *memchr(const void *s, int c, size_t n)
{
  const unsigned char *p = s;
  for (; n--; p++)
    if (*p == (unsigned char)c)
      return (void *)p;
  return NULL;
}
int memcmp(const void *a, const void *b, size_t n)
{
  const unsigned char *x = a, *y = b;
  for (; n--; x++, y++)
    if (*x != *y)
      return *x - *y;
  return 0;
}
int strcmp(const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}
size_t strlen(const char *s)
{
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}
int atoi(const char *s)
{
  int v = 0;
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (*s++ - '0');
  return v;
}

/* gmtime for the log's timestamps: days since the epoch to a civil date */
struct tm *gmtime_r(const time_t *t, struct tm *tm)
{
  int64_t secs = *t, days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  memset(tm, 0, sizeof(*tm));
  tm->tm_hour = (int)(rem / 3600);
  tm->tm_min = (int)(rem % 3600 / 60);
  tm->tm_sec = (int)(rem % 60);
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  tm->tm_year = (int)(yoe + era * 400 + (m <= 2)) - 1900;
  tm->tm_mon = (int)m - 1;
  tm->tm_mday = (int)d;
  return tm;
}

/* snprintf for what the loop formats: %s, %d, %ld with a '0' flag and a width */
static void put(char *out, size_t cap, size_t *o, char c)
{
  if (*o + 1 < cap)
    out[*o] = c;
  (*o)++;
}

static void put_num(char *out, size_t cap, size_t *o, long v, int width, char pad)
{
  char tmp[24];
  int n = 0;
  unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
  do
    tmp[n++] = (char)('0' + u % 10);
  while ((u /= 10) > 0);
  if (v < 0)
    tmp[n++] = '-';
  for (int k = n; k < width; k++)
    put(out, cap, o, pad);
  while (n > 0)
    put(out, cap, o, tmp[--n]);
}

int snprintf(char *out, size_t cap, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  size_t o = 0;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') {
      put(out, cap, &o, *f);
      continue;
    }
    char pad = ' ';
    int width = 0;
    bool is_long = false;
    if (*++f == '0') {
      pad = '0';
      f++;
    }
    while (*f >= '0' && *f <= '9')
      width = width * 10 + (*f++ - '0');
    if (*f == 'l') {
      is_long = true;
      f++;
    }
    if (*f == 'd')
      put_num(out, cap, &o, is_long ? va_arg(ap, long) : va_arg(ap, int), width, pad);
    else if (*f == 's')
      for (const char *s = va_arg(ap, const char *); *s; s++)
        put(out, cap, &o, *s);
    else if (*f == '%')
      put(out, cap, &o, '%');
    else
      break;
  }
  va_end(ap);
  if (cap > 0)
    out[o < cap ? o : cap - 1] = '\0';
  return (int)o;
}
