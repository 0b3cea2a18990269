/* libFuzzer target for the parsers of command-line specs a user (or a script fed by someone
 * else) hands to `tinydocker run` and `network create`: -p port specs and -P keys, subnets and
 * addresses, --network modes, sizes, durations, cpusets, --ulimit, --restart, -v, --mount,
 * --tmpfs, --device, KEY=VALUE and --sysctl. Properties checked: an accepted --sysctl is one
 * of docker's whitelist and names one file beneath /proc/sys; a parsed port has tcp or udp and a
 * non-zero container port; a parsed CIDR has its host bits clear and a prefix in 0..32 and
 * formats back to the same network; a parsed mount target is absolute. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/parse/parse.h"
#include "net/net.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_ports(const char *s)
{
  struct net_port *p = NULL;
  size_t n = 0;
  struct td_err *err = NULL;
  if (net_port_parse(s, &p, &n, &err) == 0 || net_port_parse_exposed(s, &p, &n, &err) == 0) {
    for (size_t i = 0; i < n; i++) {
      if ((strcmp(p[i].proto, "tcp") != 0 && strcmp(p[i].proto, "udp") != 0) || p[i].ctr_port == 0)
        abort();
      free(net_port_fmt(&p[i]));
    }
  }
  err_free(&err);
  free(p);
}

static void fuzz_addrs(const char *s)
{
  struct net_cidr c;
  struct td_err *err = NULL;
  if (net_cidr_parse(s, false, &c, &err) == 0) {
    if (c.prefix < 0 || c.prefix > 32 ||
        (c.prefix < 32 && (c.addr & (0xffffffffu >> c.prefix)) != 0))
      abort();
    char buf[16];
    char *again = xasprintf("%s/%d", net_ip_fmt(c.addr, buf), c.prefix);
    struct net_cidr d;
    if (net_cidr_parse(again, false, &d, &err) < 0 || d.addr != c.addr || d.prefix != c.prefix)
      abort();
    free(again);
  }
  err_free(&err);
  uint32_t ip;
  if (net_ip_parse(s, &ip, &err) < 0)
    err_free(&err);
  enum net_mode mode;
  char *arg = NULL;
  if (net_mode_parse(s, &mode, &arg, &err) < 0)
    err_free(&err);
  free(arg);
}

static void fuzz_numbers(const char *s)
{
  struct td_err *err = NULL;
  int64_t v;
  if (eng_parse_size(s, &v, &err) == 0 && v < 0)
    abort();
  err_free(&err);
  if (eng_parse_duration(s, &v, &err) < 0)
    err_free(&err);
  if (eng_parse_cpus(s, 2, &v, &err) < 0)
    err_free(&err);
  if (eng_parse_cpuset(s, 2, &err) < 0)
    err_free(&err);
  struct eng_ulimit u;
  if (eng_parse_ulimit(s, &u, &err) == 0 && u.soft > u.hard)
    abort();
  err_free(&err);
  struct eng_restart r;
  if (eng_parse_restart(s, &r, &err) < 0)
    err_free(&err);
}

static void fuzz_mounts(const char *s)
{
  int (*parsers[])(const char *, struct eng_mount *,
                   struct td_err **) = {eng_parse_volume, eng_parse_mount, eng_parse_tmpfs};
  for (size_t i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
    struct eng_mount m = {0};
    struct td_err *err = NULL;
    if (parsers[i](s, &m, &err) == 0 && (m.target == NULL || m.target[0] != '/'))
      abort();
    err_free(&err);
    eng_mount_clear(&m);
  }
  struct eng_device d = {0};
  struct td_err *err = NULL;
  if (eng_parse_device(s, &d, &err) < 0)
    err_free(&err);
  eng_device_clear(&d);
  char *k = NULL, *val = NULL;
  if (eng_parse_kv(s, &k, &val, &err) < 0)
    err_free(&err);
  free(k);
  free(val);
}

/* --sysctl: an accepted key is docker's whitelist (net.*, fs.mqueue.*, the IPC kernel.*) and
 * dot-separated plain names, so it names one file beneath /proc/sys/net, /proc/sys/fs/mqueue
 * or /proc/sys/kernel. */
static void fuzz_sysctl(const char *s)
{
  char *k = NULL, *val = NULL;
  struct td_err *err = NULL;
  if (eng_parse_sysctl(s, &k, &val, &err) == 0) {
    if (strchr(k, '/') || strstr(k, "..") || k[strlen(k) - 1] == '.' ||
        (strncmp(k, "net.", 4) != 0 && strncmp(k, "fs.mqueue.", 10) != 0 &&
         strncmp(k, "kernel.", 7) != 0))
      abort();
    if (strncmp(k, "kernel.", 7) == 0 && strncmp(k, "kernel.shm", 10) != 0 &&
        strncmp(k, "kernel.msg", 10) != 0 && strcmp(k, "kernel.sem") != 0)
      abort();
  }
  err_free(&err);
  free(k);
  free(val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = xstrndup((const char *)data, size);
  fuzz_ports(s);
  fuzz_addrs(s);
  fuzz_numbers(s);
  fuzz_mounts(s);
  fuzz_sysctl(s);
  free(s);
  return 0;
}
