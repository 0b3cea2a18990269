/* `info`: docker's document for this host. The kernel, the OS, the cgroup version and driver,
 * the storage driver and its status (backing filesystem, d_type), the security options, and
 * docker's warnings for what the host lacks (docker's daemon/info_unix.go), printed on stderr
 * after the text as docker's CLI does. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/magic.h>

#include "engine/container/container.h"
#include "engine/container/runflags.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/gotmpl.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* docker's names for the filesystem under its root (graphdriver's FsNames) */
static const char *fs_name(const char *path)
{
  struct statfs sf;
  if (statfs(path, &sf) < 0)
    return "<unknown>";
  switch ((unsigned long)sf.f_type) {
  case EXT4_SUPER_MAGIC:
    return "extfs";
  case XFS_SUPER_MAGIC:
    return "xfs";
  case BTRFS_SUPER_MAGIC:
    return "btrfs";
  case TMPFS_MAGIC:
    return "tmpfs";
  case OVERLAYFS_SUPER_MAGIC:
    return "overlayfs";
  case 0x2fc12fc1UL:
    return "zfs";
  case 0xf2f52010UL:
    return "f2fs";
  case NFS_SUPER_MAGIC:
    return "nfs";
  default:
    return "<unknown>";
  }
}

/* Does readdir under root give d_type (overlay needs it)? */
static bool supports_d_type(const char *root)
{
  DIR *d = opendir(root);
  if (!d)
    return false;
  bool ok = true;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_type == DT_UNKNOWN)
      ok = false;
  closedir(d);
  return ok;
}

static char *os_name(void)
{
  autofree char *s = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, "/etc/os-release", &s, NULL, &e) < 0 &&
      file_read_all(AT_FDCWD, "/usr/lib/os-release", &s, NULL, &e) < 0)
    return xstrdup("Linux");
  for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, "PRETTY_NAME=", 12) != 0)
      continue;
    char *v = l + 12;
    v[strcspn(v, "\n")] = '\0';
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
      v[n - 1] = '\0';
      v++;
    }
    return xstrdup(*v ? v : "Linux");
  }
  return xstrdup("Linux");
}

/* A /proc/sys knob is "1" (a missing one, as docker reads it, is not). */
static bool proc_on(const char *path)
{
  autofree char *s = NULL;
  autoerr struct td_err *e = NULL;
  return file_read_all(AT_FDCWD, path, &s, NULL, &e) == 0 && s[0] == '1';
}

static char **host_warnings(const struct cgroup_support *s, bool fwd, bool nf4, bool nf6)
{
  char **w = xcalloc(1, sizeof(char *));
  bool v2 = s->v2;
  struct {
    bool missing;
    const char *text;
  } list[] = {
      {!s->memory, "WARNING: No memory limit support"},
      {!s->swap, "WARNING: No swap limit support"},
      /* no action a user can take on v2: docker says nothing there */
      {!v2 && !s->kmem_tcp, "WARNING: No kernel memory TCP limit support"},
      {!v2 && !s->oom_kill_disable, "WARNING: No oom kill disable support"},
      {!s->cpu_cfs, "WARNING: No cpu cfs quota support"},
      {!s->cpu_cfs, "WARNING: No cpu cfs period support"},
      {!s->cpu_shares, "WARNING: No cpu shares support"},
      {!s->cpuset, "WARNING: No cpuset support"},
      {!s->blkio_weight, v2 ? "WARNING: No io.weight support" : "WARNING: No blkio weight support"},
      {!s->blkio_weight_device, v2 ? "WARNING: No io.weight (per device) support"
                                   : "WARNING: No blkio weight_device support"},
      {!s->blkio_throttle, v2 ? "WARNING: No io.max (rbps) support"
                              : "WARNING: No blkio throttle.read_bps_device support"},
      {!s->blkio_throttle, v2 ? "WARNING: No io.max (wbps) support"
                              : "WARNING: No blkio throttle.write_bps_device support"},
      {!s->blkio_throttle, v2 ? "WARNING: No io.max (riops) support"
                              : "WARNING: No blkio throttle.read_iops_device support"},
      {!s->blkio_throttle, v2 ? "WARNING: No io.max (wiops) support"
                              : "WARNING: No blkio throttle.write_iops_device support"},
      {!fwd, "WARNING: IPv4 forwarding is disabled"},
      {!nf4, "WARNING: bridge-nf-call-iptables is disabled"},
      {!nf6, "WARNING: bridge-nf-call-ip6tables is disabled"},
  };
  for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
    if (list[i].missing)
      strv_push(&w, list[i].text);
  return w;
}

int eng_info(struct eng_ctx *ctx, const char *format, struct td_err **err)
{
  autostrv char **ids = NULL;
  if (store_list(ctx, &ids, err) < 0)
    return -1;
  int running_n = 0, paused = 0, stopped = 0;
  for (char **p = ids; *p; p++) {
    autorecord struct ctr_record *rec = NULL;
    autoerr struct td_err *e = NULL;
    if (eng_load_refreshed(ctx, *p, &rec, &e) < 0)
      continue;
    const char *s = rec->state.status;
    if (strcmp(s, "running") == 0)
      running_n++;
    else if (strcmp(s, "paused") == 0)
      paused++;
    else
      stopped++;
  }
  struct utsname u;
  uname(&u);
  struct cgroup_support cs;
  cgroup_support_probe(ENG_CGROUP_PARENT, &cs);
  const char *cgv = cs.v2 ? "2" : "1";
  bool fwd = proc_on("/proc/sys/net/ipv4/ip_forward");
  bool nf4 = proc_on("/proc/sys/net/bridge/bridge-nf-call-iptables");
  bool nf6 = proc_on("/proc/sys/net/bridge/bridge-nf-call-ip6tables");
  autostrv char **warnings = host_warnings(&cs, fwd, nf4, nf6);
  const char *backing = fs_name(ctx->root);
  bool dtype = supports_d_type(ctx->root);
  autofree char *os = os_name();
  struct sysinfo si;
  uint64_t mem = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  json_t *secopts = json_pack("[s]", "name=seccomp,profile=builtin");
  if (cs.v2) /* the engine gives each container a cgroup namespace on v2, as docker */
    json_array_append_new(secopts, json_string("name=cgroupns"));
  json_t *warn = json_array();
  for (char **w = warnings; *w; w++)
    json_array_append_new(warn, json_string(*w));
  autojson json_t *doc = json_pack(
      "{s:i,s:i,s:i,s:i,s:s,s:[[s,s],[s,s],[s,s],[s,s],[s,s]],s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,"
      "s:I,s:s,s:s,s:s,s:s,s:o,s:o}",
      "Containers", (int)strv_len(ids), "ContainersRunning", running_n, "ContainersPaused", paused,
      "ContainersStopped", stopped, "Driver", "overlay2", "DriverStatus", "Backing Filesystem",
      backing, "Supports d_type", dtype ? "true" : "false", "Using metacopy", "false",
      "Native Overlay Diff", "true", "userxattr", "false", "LoggingDriver", "json-file",
      "CgroupDriver", "cgroupfs", "CgroupVersion", cgv, "KernelVersion", u.release,
      "OperatingSystem", os, "OSType", "linux", "Architecture", u.machine, "NCPU", eng_ncpu(),
      "MemTotal", (json_int_t)mem, "DockerRootDir", ctx->root, "Name", host, "ServerVersion",
      TD_VERSION, "DefaultRuntime", "tinyrun", "SecurityOptions", secopts, "Warnings", warn);
  json_object_set_new(doc, "Runtimes", eng_runtimes_json()); /* --runtime's names */
  struct {
    const char *key;
    bool v;
  } flags[] = {{"MemoryLimit", cs.memory},       {"SwapLimit", cs.swap},
               {"KernelMemoryTCP", cs.kmem_tcp}, {"OomKillDisable", cs.oom_kill_disable},
               {"CpuCfsPeriod", cs.cpu_cfs},     {"CpuCfsQuota", cs.cpu_cfs},
               {"CPUShares", cs.cpu_shares},     {"CPUSet", cs.cpuset},
               {"PidsLimit", cs.pids},           {"IPv4Forwarding", fwd},
               {"BridgeNfIptables", nf4},        {"BridgeNfIp6tables", nf6}};
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
    json_object_set_new(doc, flags[i].key, json_boolean(flags[i].v));
  if (format) {
    autofree char *out = NULL;
    if (gotmpl_render(format, doc, &out, err) < 0)
      return -1;
    printf("%s\n", out);
    return 0;
  }
  printf("Client:\n Version:    %s\n Context:    default\n\nServer:\n Containers: %d\n  Running: "
         "%d\n  Paused: %d\n  Stopped: %d\n Server Version: %s\n Storage Driver: overlay2\n"
         "  Backing Filesystem: %s\n  Supports d_type: %s\n  Using metacopy: false\n"
         "  Native Overlay Diff: true\n  userxattr: false\n Logging Driver: json-file\n"
         " Cgroup Driver: cgroupfs\n Cgroup Version: %s\n Default Runtime: tinyrun (in-process)\n"
         " Security Options:\n  seccomp\n   Profile: builtin\n%s Kernel Version: %s\n"
         " Operating System: %s\n OSType: linux\n Architecture: %s\n CPUs: %d\n"
         " Total Memory: %.2fGiB\n Name: %s\n Docker Root Dir: %s\n Runtime State Dir: %s\n",
         TD_VERSION, (int)strv_len(ids), running_n, paused, stopped, TD_VERSION, backing,
         dtype ? "true" : "false", cgv, cs.v2 ? "  cgroupns\n" : "", u.release, os, u.machine,
         eng_ncpu(), (double)mem / (1024.0 * 1024 * 1024), host, ctx->root, ctx->run_root);
  fflush(stdout);
  if (warnings[0]) {
    fputc('\n', stderr);
    for (char **w = warnings; *w; w++)
      fprintf(stderr, "%s\n", *w);
  }
  return 0;
}
