/* Tiny TCP throughput probe: `tcp_stream server PORT` counts bytes until EOF and prints MB/s;
 * `tcp_stream client IP PORT MB` sends MB mebibytes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
  static char buf[1 << 17];
  if (argc == 3 && !strcmp(argv[1], "server")) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
      return perror("bind"), 1;
    int c = accept(s, NULL, NULL);
    double t0 = now();
    long long total = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof(buf))) > 0)
      total += n;
    double dt = now() - t0;
    printf("%.0f MB/s\n", (double)total / 1048576.0 / dt);
    return 0;
  }
  if (argc == 5 && !strcmp(argv[1], "client")) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
    inet_pton(AF_INET, argv[2], &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
      return perror("connect"), 1;
    long long left = atoll(argv[4]) * 1048576LL;
    memset(buf, 'x', sizeof(buf));
    while (left > 0) {
      ssize_t w = write(s, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));
      if (w <= 0)
        return perror("write"), 1;
      left -= w;
    }
    close(s);
    return 0;
  }
  fprintf(stderr, "usage: tcp_stream server PORT | client IP PORT MB\n");
  return 2;
}
