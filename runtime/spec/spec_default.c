/* The config.json `tinyrun spec` writes: a busybox-friendly starting point like runc's,
 * and its rootless variant (a user namespace mapping the caller, no network namespace). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/spec/spec.h"

static const char default_json[] =
    "{"
    "\"ociVersion\":\"1.2.0\","
    "\"process\":{"
    " \"terminal\":true,"
    " \"user\":{\"uid\":0,\"gid\":0},"
    " \"args\":[\"sh\"],"
    " \"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    "        \"TERM=xterm\"],"
    " \"cwd\":\"/\","
    " \"capabilities\":{"
    "  \"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "  \"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "  \"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
    " \"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    " \"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"hostname\":\"tinyrun\","
    "\"mounts\":["
    " {\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    " {\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "  \"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    " {\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
    "  \"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
    "              \"gid=5\"]},"
    " {\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
    "  \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    " {\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
    "  \"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    " {\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "  \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    " {\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
    "  \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{"
    " \"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    " \"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
    "                {\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
    " \"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
    "   \"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
    "   \"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\","
    "   \"/sys/devices/virtual/powercap\"],"
    " \"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
    "   \"/proc/sysrq-trigger\"]}"
    "}";

static json_t *one_mapping(unsigned id)
{
  return json_pack("[{s:i,s:I,s:i}]", "containerID", 0, "hostID", (json_int_t)id, "size", 1);
}

/* Drop the network namespace, add a user namespace mapping the caller to root. */
static void rootless_namespaces(json_t *linux_)
{
  json_t *ns = json_object_get(linux_, "namespaces");
  json_t *kept = json_array();
  size_t i;
  json_t *e;
  json_array_foreach (ns, i, e) {
    const char *t = json_string_value(json_object_get(e, "type"));
    if (t && strcmp(t, "network") != 0 && strcmp(t, "user") != 0)
      json_array_append(kept, e);
  }
  json_array_append_new(kept, json_pack("{s:s}", "type", "user"));
  json_object_set_new(linux_, "namespaces", kept);
  json_object_set_new(linux_, "uidMappings", one_mapping(getuid()));
  json_object_set_new(linux_, "gidMappings", one_mapping(getgid()));
  /* an unprivileged user cannot set cgroup limits without delegation */
  json_object_del(linux_, "resources");
}

/* sysfs cannot be mounted without owning the network namespace: bind the host's instead;
 * gid=/uid= options name ids that do not exist in a one-id user namespace. */
static void rootless_mounts(json_t *spec)
{
  json_t *mounts = json_object_get(spec, "mounts");
  size_t i;
  json_t *m;
  json_array_foreach (mounts, i, m) {
    const char *dest = json_string_value(json_object_get(m, "destination"));
    if (dest && strcmp(dest, "/sys") == 0) {
      json_object_set_new(m, "type", json_string("none"));
      json_object_set_new(m, "source", json_string("/sys"));
      json_object_set_new(m, "options",
                          json_pack("[sssss]", "rbind", "nosuid", "noexec", "nodev", "ro"));
      continue;
    }
    json_t *opts = json_object_get(m, "options");
    for (size_t k = json_array_size(opts); k-- > 0;) {
      const char *o = json_string_value(json_array_get(opts, k));
      if (o && (strncmp(o, "gid=", 4) == 0 || strncmp(o, "uid=", 4) == 0))
        json_array_remove(opts, k);
    }
  }
}

json_t *spec_default_json(bool rootless)
{
  json_t *j = json_loads(default_json, 0, NULL);
  if (j == NULL)
    abort(); /* the template is a constant: a parse failure is a bug */
  if (rootless) {
    rootless_namespaces(json_object_get(j, "linux"));
    rootless_mounts(j);
  }
  return j;
}
