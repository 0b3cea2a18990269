/* run/create flags of issue 16 (--expose, --cidfile, --platform, --label-file, --link,
 * --volumes-from, --mac-address, --dns-option, --runtime): argv -> struct eng_run_req, each
 * value checked here with docker's CLI message before the engine creates anything. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli/run_flags.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* docker's nat.ParsePortRange on PORT or PORT-PORT, with its --expose message. */
static int check_expose(const char *e, struct td_err **err)
{
  size_t n = strcspn(e, "/");
  autofree char *range = xstrndup(e, n);
  const char *proto = e[n] ? e + n + 1 : "tcp";
  char *dash = strchr(range, '-');
  char *parts[2] = {range, dash ? dash + 1 : NULL};
  if (dash)
    *dash = '\0';
  unsigned long v[2] = {0, 0};
  for (int i = 0; i < 2 && parts[i]; i++) {
    char *end = NULL;
    errno = 0;
    v[i] = strtoul(parts[i], &end, 10);
    if (*parts[i] == '\0' || *parts[i] == '-' || *end != '\0' || errno || v[i] > 65535)
      return err_set(err, 0,
                     "invalid range format for --expose: %s, error: strconv.ParseUint: "
                     "parsing \"%s\": %s",
                     e, parts[i], errno || v[i] > 65535 ? "value out of range" : "invalid syntax");
  }
  if (dash && v[1] < v[0])
    return err_set(err, 0,
                   "invalid range format for --expose: %s, error: Invalid range specified "
                   "for the Port: %s",
                   e, range);
  if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
    return err_set(err, 0, "invalid proto: %s", proto);
  return 0;
}

/* docker's opts.ValidateMACAddress (net.ParseMAC, 6-byte form): xx:xx:xx:xx:xx:xx or with
 * dashes. */
static int check_mac(const char *m, struct td_err **err)
{
  size_t len = strlen(m);
  bool ok = len == 17;
  for (size_t i = 0; ok && i < len; i++) {
    char c = m[i];
    if (i % 3 == 2)
      ok = c == ':' || c == '-';
    else
      ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  if (ok && (m[2] != m[5] || m[2] != m[8] || m[2] != m[11] || m[2] != m[14]))
    ok = false;
  if (!ok)
    return err_set(err, 0, "%s is not a valid mac address", m);
  return 0;
}

/* This machine's GOARCH name. */
static const char *host_arch(void)
{
  static struct utsname u;
  uname(&u);
  if (strcmp(u.machine, "x86_64") == 0)
    return "amd64";
  if (strcmp(u.machine, "aarch64") == 0)
    return "arm64";
  if (strncmp(u.machine, "armv7", 5) == 0)
    return "arm";
  return u.machine;
}

/* --platform: os[/arch[/variant]]; only this machine's is runnable (no emulation, and the
 * image store holds one platform per image). */
static int check_platform(const char *p, const char *image, struct td_err **err)
{
  static const char *const oses[] = {"linux", "windows", "darwin", "freebsd", NULL};
  static const char *const arches[] = {"amd64", "arm64",   "arm",    "386", "ppc64le",
                                       "s390x", "riscv64", "mips64", NULL};
  autostrv char **parts = strv_split(p, '/');
  size_t n = strv_len(parts);
  bool known = n >= 1 && n <= 3;
  if (known) {
    known = false;
    for (size_t i = 0; oses[i]; i++)
      known = known || strcmp(parts[0], oses[i]) == 0;
  }
  if (known && n >= 2) {
    bool a = false;
    for (size_t i = 0; arches[i]; i++)
      a = a || strcmp(parts[1], arches[i]) == 0;
    known = a || strcmp(parts[1], "x86_64") == 0 || strcmp(parts[1], "aarch64") == 0;
  }
  if (!known)
    return err_set(err, 0,
                   "error parsing specified platform: \"%s\": unknown operating system or "
                   "architecture: invalid argument",
                   p);
  const char *arch = n >= 2 ? parts[1] : host_arch();
  if (strcmp(arch, "x86_64") == 0)
    arch = "amd64";
  if (strcmp(arch, "aarch64") == 0)
    arch = "arm64";
  if (strcmp(parts[0], "linux") != 0 || strcmp(arch, host_arch()) != 0)
    return err_set(err, 0,
                   "image with reference %s was found but does not match the specified "
                   "platform: wanted %s, actual: linux/%s",
                   image ? image : "(rootfs)", p, host_arch());
  return 0;
}

/* --label-file: docker's parseKeyValueFile: KEY=VALUE lines; blank and '#' lines skipped, a
 * line without '=' dropped. */
static int read_label_file(const char *path, char ***labels, struct td_err **err)
{
  autofree char *text = NULL;
  if (file_read_all(AT_FDCWD, path, &text, NULL, err) < 0)
    return -1;
  autostrv char **lines = strv_split(text, '\n');
  for (char **l = lines; l && *l; l++) {
    char *s = *l;
    while (*s == ' ' || *s == '\t')
      s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
      s[--len] = '\0';
    if (*s == '\0' || *s == '#' || strchr(s, '=') == NULL)
      continue;
    size_t k = strcspn(s, "=");
    if (memchr(s, ' ', k) || memchr(s, '\t', k))
      return err_set(err, 0, "variable '%.*s' contains whitespaces", (int)k, s);
    strv_push(labels, s);
  }
  return 0;
}

/* docker's CLI (parseNetworkAttachmentOpt): aliases and links on a --network given by name that
 * is not a user-defined network (default, bridge, host, none, container:X). With no --network at
 * all it checks nothing: the alias is then dropped, the link is the default bridge's legacy one. */
static int check_user_defined(const struct eng_run_req *q, struct td_err **err)
{
  const char *n = q->network;
  if (n == NULL)
    return 0;
  if (strcmp(n, "default") != 0 && strcmp(n, "bridge") != 0 && strcmp(n, "host") != 0 &&
      strcmp(n, "none") != 0 && strncmp(n, "container:", 10) != 0)
    return 0;
  if (q->net_aliases && q->net_aliases[0])
    return err_set(err, 0, "network-scoped aliases are only supported for user-defined networks");
  if (q->links && q->links[0])
    return err_set(err, 0, "links are only supported for user-defined networks");
  return 0;
}

int run_flags_parse(const struct cmd_info *ci, const struct opt_result *r, struct eng_run_req *q,
                    char ***labels, struct td_err **err)
{
  q->expose = opt_list(ci, r, "expose");
  for (char **e = q->expose; e && *e; e++)
    if (check_expose(*e, err) < 0)
      return -1;
  if ((q->mac_address = opt_str(ci, r, "mac-address")) && check_mac(q->mac_address, err) < 0)
    return -1;
  const char *image = r->nargs > 0 && !opt_str(ci, r, "rootfs") ? r->args[0] : NULL;
  const char *plat = opt_str(ci, r, "platform");
  if (plat && *plat && check_platform(plat, image, err) < 0)
    return -1;
  /* label files first, then --label (docker's ReadKVStrings order) */
  autostrv char **flagged = strv_dup(*labels);
  strv_free(*labels);
  *labels = NULL;
  for (char **f = opt_list(ci, r, "label-file"); f && *f; f++)
    if (read_label_file(*f, labels, err) < 0)
      return -1;
  for (char **l = flagged; l && *l; l++)
    strv_push(labels, *l);
  q->labels = *labels;
  q->links = opt_list(ci, r, "link");
  for (char **l = q->links; l && *l; l++) {
    const char *c = strchr(*l, ':');
    if (**l == '\0' || c == *l || (c && (c[1] == '\0' || strchr(c + 1, ':'))))
      return err_set(
          err, 0, "invalid argument \"%s\" for \"--link\" flag: bad format for links: %s", *l, *l);
  }
  q->volumes_from = opt_list(ci, r, "volumes-from");
  q->dns_opts = opt_list(ci, r, "dns-option");
  q->runtime = opt_str(ci, r, "runtime");
  if (q->runtime && *q->runtime == '\0')
    q->runtime = NULL; /* docker: the default */
  return check_user_defined(q, err);
}

int cidfile_open(const char *path, int *fd, struct td_err **err)
{
  /* never through a symlink planted at the path, never over an existing file */
  *fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (*fd >= 0)
    return 0;
  if (errno == EEXIST)
    return err_set(err, 0,
                   "container ID file found, make sure the other container isn't running or "
                   "delete %s",
                   path);
  return err_set(err, errno, "failed to create the container ID file");
}

void cidfile_discard(const char *path, int fd)
{
  /* only the file we made: a name swapped meanwhile is left alone */
  struct stat a, b;
  if (fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    unlink(path);
  close(fd);
}
