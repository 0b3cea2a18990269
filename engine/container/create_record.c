/* create's new record: docker 20.10's inspect document of a container that was just created
 * (HostConfig, Config with its Healthcheck, NetworkSettings) and the engine's own "Td" part;
 * the zero HostConfig that older records are filled from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/internal.h"
#include "engine/container/container.h"
#include "engine/container/runflags.h"
#include "util/jsonv.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* -p's bindings as docker's HostConfig.PortBindings: {"80/tcp": [{"HostIp": "", "HostPort":
 * "8080"}]}, the strings as given (a spec net_port_parse refuses never gets here). */
static json_t *port_bindings(char *const *publish)
{
  json_t *pb = json_object();
  for (size_t i = 0; publish && publish[i]; i++) {
    autofree char *s = xstrdup(publish[i]);
    char *proto = strchr(s, '/');
    if (proto)
      *proto++ = '\0';
    /* ip:host:ctr, host:ctr or ctr (an IPv6 ip in [] is not split) */
    char *ctr = strrchr(s, ':');
    const char *ip = "", *host = "";
    if (ctr) {
      *ctr++ = '\0';
      char *h = strrchr(s, ':');
      if (h && s[0] != '[') {
        *h++ = '\0';
        ip = s;
        host = h;
      } else {
        host = s;
      }
    } else {
      ctr = s;
    }
    autofree char *key = xasprintf("%s/%s", ctr, proto && *proto ? proto : "tcp");
    json_t *list = json_object_get(pb, key);
    if (list == NULL) {
      list = json_array();
      json_object_set_new(pb, key, list);
    }
    json_array_append_new(list, json_pack("{s:s,s:s}", "HostIp", ip, "HostPort", host));
  }
  return pb;
}

/* HostConfig: docker 20.10's keys in its order, one line each, docker's zero value where the
 * engine has nothing to say (a flag that sets one changes only the value). spec may be NULL
 * (eng_host_config_defaults). */
static json_t *host_config(const struct eng_run_req *req, json_t *spec)
{
  json_t *ul = json_array();
  for (size_t i = 0; i < req->n_ulimits; i++)
    json_array_append_new(ul, json_pack("{s:s,s:I,s:I}", "Name", req->ulimits[i].name, "Hard",
                                        (json_int_t)req->ulimits[i].hard, "Soft",
                                        (json_int_t)req->ulimits[i].soft));
  json_t *devs = json_array();
  for (size_t i = 0; i < req->n_devices; i++)
    json_array_append_new(devs, json_pack("{s:s,s:s,s:s}", "PathOnHost", req->devices[i].host,
                                          "PathInContainer", req->devices[i].container,
                                          "CgroupPermissions", req->devices[i].perms));
  json_t *binds = json_array(), *tmpfs = json_object();
  for (size_t i = 0; i < req->n_mounts; i++) {
    const struct eng_mount *m = &req->mounts[i];
    if (m->type == MOUNT_TMPFS)
      json_object_set_new(tmpfs, m->target, json_string(m->tmpfs_opts ? m->tmpfs_opts : ""));
  }
  for (size_t i = 0; i < req->n_mounts; i++) {
    const struct eng_mount *m = &req->mounts[i];
    if (m->type != MOUNT_TMPFS && m->source) {
      autofree char *b = xasprintf("%s:%s%s", m->source, m->target, m->readonly ? ":ro" : "");
      json_array_append_new(binds, json_string(b));
    }
  }
  int64_t swap = req->memory_swap ? req->memory_swap : (req->memory > 0 ? 2 * req->memory : 0);
  json_t *linux_ = json_object_get(spec, "linux");
  json_t *hc = json_object();
#define HC(key, value) json_object_set_new(hc, key, value)
  HC("Binds", json_array_size(binds) ? binds : (json_decref(binds), json_null()));
  HC("ContainerIDFile", json_string(""));
  HC("LogConfig",
     json_pack("{s:s,s:o}", "Type", "json-file", "Config", jsonv_kv_object(req->log_opts)));
  HC("NetworkMode", json_string(req->network ? req->network : "default"));
  HC("PortBindings", port_bindings(req->publish));
  HC("RestartPolicy", json_pack("{s:s,s:i}", "Name", eng_restart_name(req->restart.mode),
                                "MaximumRetryCount", req->restart.max_retries));
  HC("AutoRemove", json_boolean(req->auto_remove));
  HC("VolumeDriver", json_string(""));
  HC("VolumesFrom", json_null());
  HC("CapAdd", jsonv_from_strv_or_null(req->cap_add));
  HC("CapDrop", jsonv_from_strv_or_null(req->cap_drop));
  HC("CgroupnsMode", json_string(eng_ns_cgroup_private(req->cgroupns_mode) ? "private" : "host"));
  HC("Dns", jsonv_from_strv(req->dns));
  HC("DnsOptions", json_array());
  HC("DnsSearch", jsonv_from_strv(req->dns_search));
  HC("ExtraHosts", jsonv_from_strv_or_null(req->add_hosts));
  HC("GroupAdd", req->group_add ? jsonv_from_strv(req->group_add) : json_null());
  HC("IpcMode", json_string(req->ipc_mode && *req->ipc_mode ? req->ipc_mode : "private"));
  HC("Cgroup", json_string(""));
  HC("Links", json_null());
  HC("OomScoreAdj", json_integer(0));
  HC("PidMode", json_string(req->pid_mode ? req->pid_mode : ""));
  HC("Privileged", json_boolean(req->privileged));
  HC("PublishAllPorts", json_boolean(req->publish_all));
  HC("ReadonlyRootfs", json_boolean(req->read_only));
  HC("SecurityOpt", jsonv_from_strv_or_null(req->security_opts));
  /* StorageOpt (omitempty, a map): here, when a flag sets one */
  if (json_object_size(tmpfs)) /* StorageOpt and Tmpfs: omitempty */
    HC("Tmpfs", json_incref(tmpfs));
  json_decref(tmpfs);
  HC("UTSMode", json_string(req->uts_mode ? req->uts_mode : ""));
  HC("UsernsMode", json_string(req->userns_mode ? req->userns_mode : ""));
  HC("ShmSize", json_integer(req->shm_size > 0 ? req->shm_size : 64LL << 20));
  if (req->sysctls && req->sysctls[0]) /* omitempty */
    HC("Sysctls", jsonv_kv_object(req->sysctls));
  HC("Runtime", json_string("runc"));
  HC("ConsoleSize", json_pack("[i,i]", 0, 0));
  HC("Isolation", json_string(""));
  HC("CpuShares", json_integer(req->cpu_shares));
  HC("Memory", json_integer(req->memory));
  HC("NanoCpus", json_integer(req->nano_cpus));
  HC("CgroupParent", json_string(""));
  HC("BlkioWeight", json_integer(req->blkio_weight));
  HC("BlkioWeightDevice", json_array());
  HC("BlkioDeviceReadBps", json_null());
  HC("BlkioDeviceWriteBps", json_null());
  HC("BlkioDeviceReadIOps", json_null());
  HC("BlkioDeviceWriteIOps", json_null());
  HC("CpuPeriod", json_integer(req->cpu_period)); /* --cpus: NanoCpus, these stay 0 */
  HC("CpuQuota", json_integer(req->cpu_quota));
  HC("CpuRealtimePeriod", json_integer(0));
  HC("CpuRealtimeRuntime", json_integer(0));
  HC("CpusetCpus", json_string(req->cpuset_cpus ? req->cpuset_cpus : ""));
  HC("CpusetMems", json_string(req->cpuset_mems ? req->cpuset_mems : ""));
  HC("Devices", devs);
  HC("DeviceCgroupRules", json_null());
  HC("DeviceRequests", json_null());
  HC("KernelMemory", json_integer(0));
  HC("KernelMemoryTCP", json_integer(0));
  HC("MemoryReservation", json_integer(req->memory_reservation));
  HC("MemorySwap", json_integer(swap));
  HC("MemorySwappiness", json_null());
  HC("OomKillDisable", json_boolean(req->oom_kill_disable));
  HC("PidsLimit", req->has_pids_limit ? json_integer(req->pids_limit) : json_null());
  HC("Ulimits", json_array_size(ul) ? ul : (json_decref(ul), json_null()));
  HC("CpuCount", json_integer(0));
  HC("CpuPercent", json_integer(0));
  HC("IOMaximumIOps", json_integer(0));
  HC("IOMaximumBandwidth", json_integer(0));
  /* what the container's spec masks (docker's list and the paths newer dockers add) */
  HC("MaskedPaths", json_incref(json_object_get(linux_, "maskedPaths")) ?: json_null());
  HC("ReadonlyPaths", json_incref(json_object_get(linux_, "readonlyPaths")) ?: json_null());
  if (req->init) /* omitempty */
    HC("Init", json_true());
#undef HC
  bundle_host_config16(req, hc); /* the resource flags' values (bundle_resources.c) */
  /* docker's zero values there: nil throttle lists (null), no StorageOpt (omitempty) */
  static const char *const nil_lists[] = {"BlkioDeviceReadBps", "BlkioDeviceWriteBps",
                                          "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", NULL};
  for (const char *const *k = nil_lists; *k; k++)
    if (json_array_size(json_object_get(hc, *k)) == 0)
      json_object_set_new(hc, *k, json_null());
  if (json_object_size(json_object_get(hc, "StorageOpt")) == 0)
    json_object_del(hc, "StorageOpt");
  return hc;
}

json_t *eng_host_config_defaults(void)
{
  static const struct eng_run_req zero = {.stop_timeout = -1};
  return host_config(&zero, NULL);
}

/* Config.Healthcheck: the flags over the image's HEALTHCHECK, field by field (docker's merge in
 * daemon/commit.go); NULL when neither has one. Durations in ns, absent when 0 (omitempty). */
static json_t *health_config(const struct eng_run_req *req, json_t *imgcfg)
{
  json_t *img = json_object_get(imgcfg, "Healthcheck");
  if (req->no_healthcheck)
    return json_pack("{s:[s]}", "Test", "NONE");
  if (!req->health_set)
    return json_is_object(img) ? json_deep_copy(img) : NULL;
  json_t *hc = json_object();
  if (req->health_cmd && *req->health_cmd)
    json_object_set_new(hc, "Test", json_pack("[s,s]", "CMD-SHELL", req->health_cmd));
  else if (json_is_array(json_object_get(img, "Test")))
    json_object_set(hc, "Test", json_object_get(img, "Test"));
  static const char *const keys[] = {"Interval", "Timeout", "StartPeriod", "Retries"};
  int64_t mine[] = {req->health_interval, req->health_timeout, req->health_start_period,
                    req->health_retries};
  for (size_t i = 0; i < 4; i++) {
    json_int_t v = mine[i] ? mine[i] : json_integer_value(json_object_get(img, keys[i]));
    if (v)
      json_object_set_new(hc, keys[i], json_integer(v));
  }
  return hc;
}

/* The engine record: docker's inspect shape plus "Td" (private). */
json_t *create_record_doc(const struct eng_run_req *req, const char *id, const char *name,
                          const char *dir, json_t *spec, json_t *imgcfg, const char *image_id,
                          const char *rootfs, json_t *mounts)
{
  json_t *proc = json_object_get(spec, "process");
  json_t *args = json_object_get(proc, "args");
  autofree char *now = time_now_rfc3339(true);
  autofree char *logpath = xasprintf("%s/%s-json.log", dir, id);
  /* docker's: empty until the first start sets them (etcpaths.c), X's for container:X */
  const char *p_resolv = "", *p_hostname = "", *p_hosts = "";
  autofree char *slash_name = xasprintf("/%s", name);
  json_t *rest = json_array();
  for (size_t i = 1; i < json_array_size(args); i++)
    json_array_append(rest, json_array_get(args, i));
  json_t *cmd = req->cmd && req->cmd[0] ? jsonv_from_strv(req->cmd)
                                        : json_incref(json_object_get(imgcfg, "Cmd"));
  json_t *ep =
      req->entrypoint_set
          ? (req->entrypoint && *req->entrypoint ? json_pack("[s]", req->entrypoint) : json_null())
          : json_incref(json_object_get(imgcfg, "Entrypoint"));
  json_t *labels = json_object();
  json_object_update(labels, json_object_get(imgcfg, "Labels"));
  json_t *reqlabels = jsonv_kv_object(req->labels);
  json_object_update(labels, reqlabels);
  json_decref(reqlabels);
  /* docker's Config.Env: the user's, then the image's keys the user did not set (HOSTNAME and
   * HOME are the process's, in the spec, not stored) */
  json_t *env = jsonv_from_strv(req->env);
  size_t ei;
  json_t *ev;
  json_array_foreach (json_object_get(imgcfg, "Env"), ei, ev) {
    const char *s = json_string_value(ev);
    if (s == NULL)
      continue;
    size_t kl = strcspn(s, "=");
    bool set = false;
    for (char **u = req->env; u && *u && !set; u++)
      set = strncmp(*u, s, kl) == 0 && ((*u)[kl] == '=' || (*u)[kl] == '\0');
    if (!set)
      json_array_append(env, ev);
  }
  const char *stop_sig = req->stop_signal
                             ? req->stop_signal
                             : json_string_value(json_object_get(imgcfg, "StopSignal"));
  char sid[13];
  const char *hostname = json_string_value(json_object_get(spec, "hostname"));
  const char *domainname = json_string_value(json_object_get(spec, "domainname"));
  json_t *config =
      json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:o,s:o,s:o,s:s,s:s,s:o}", "Hostname",
                hostname ? hostname : eng_short_id(id, sid), "Domainname",
                domainname ? domainname : "", "User", req->user ? req->user : "", "AttachStdin",
                req->interactive && !req->detach, "AttachStdout", !req->detach, "AttachStderr",
                !req->detach, "Tty", req->tty, "OpenStdin", req->interactive, "StdinOnce",
                req->interactive && !req->detach, "Env", env, "Cmd", cmd ? cmd : json_null(),
                "Entrypoint", ep ? ep : json_null(), "Image", req->image ? req->image : "",
                "WorkingDir", req->workdir ? req->workdir : "", "Labels", labels);
  if (stop_sig) /* docker's omitempty: the engine's default is SIGTERM */
    json_object_set_new(config, "StopSignal", json_string(stop_sig));
  json_t *health = health_config(req, imgcfg);
  if (health)
    json_object_set_new(config, "Healthcheck", health);
  if (req->stop_timeout >= 0)
    json_object_set_new(config, "StopTimeout", json_integer(req->stop_timeout));
  json_t *rec = json_pack(
      "{s:s,s:s,s:O,s:o,s:{s:s,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:s,s:s,s:s},s:s,s:s,s:s,s:s,s:s,"
      "s:s,s:i,s:s,s:s,s:o,s:o,s:o,s:{s:s,s:s,s:i,s:s,s:o,s:o}}",
      "Id", id, "Created", now, "Path", json_array_get(args, 0), "Args", rest, "State", "Status",
      "created", "Running", 0, "Paused", 0, "Restarting", 0, "OOMKilled", 0, "Dead", 0, "Pid", 0,
      "ExitCode", 0, "Error", "", "StartedAt", "0001-01-01T00:00:00Z", "FinishedAt",
      "0001-01-01T00:00:00Z", "Image", image_id ? image_id : "", "ResolvConfPath", p_resolv,
      "HostnamePath", p_hostname, "HostsPath", p_hosts, "LogPath", logpath, "Name", slash_name,
      "RestartCount", 0, "Driver", req->rootfs ? "dir" : "overlay", "Platform", "linux",
      "HostConfig", host_config(req, spec), "Mounts", json_incref(mounts), "Config", config,
      "NetworkSettings", "Bridge", "", "IPAddress", "", "IPPrefixLen", 0, "Gateway", "", "Ports",
      json_object(), "Networks", json_object());
  json_t *publish = jsonv_from_strv(req->publish);
  autojson json_t *exposed = runflags_exposed(req, imgcfg); /* the image's and --expose's */
  if (req->publish_all) {
    /* -P: every ExposedPorts key on a random host port, as `-p 80/tcp` would */
    const char *k;
    json_t *v;
    json_object_foreach (exposed, k, v) {
      (void)v;
      json_array_append_new(publish, json_string(k));
    }
  }
  if (exposed)
    json_object_set(config, "ExposedPorts", exposed);
  json_object_set_new(config, "Volumes",
                      json_is_object(json_object_get(imgcfg, "Volumes"))
                          ? json_incref(json_object_get(imgcfg, "Volumes"))
                          : json_null());
  json_t *td = json_pack("{s:s,s:b,s:s,s:o,s:i,s:i,s:i}", "Rootfs", rootfs, "RootfsIsDir",
                         req->rootfs != NULL, "ImageRef", req->image ? req->image : "", "Publish",
                         publish, "MonitorPid", 0, "MonitorStart", 0, "InitStart", 0);
  if (req->ip)
    json_object_set_new(td, "IP", json_string(req->ip));
  /* for net_attach at every start (net/ writes the hosts file of bridge networks) */
  /* docker drops --network-alias on the default bridge (no name resolution there: the
   * endpoint's Aliases stay null); its CLI refuses one with --network bridge given */
  const char *nm = req->network;
  bool def_bridge = nm == NULL || !strcmp(nm, "bridge") || !strcmp(nm, "default");
  json_object_set_new(td, "Aliases", jsonv_from_strv(def_bridge ? NULL : req->net_aliases));
  json_object_set_new(td, "AddHosts", jsonv_from_strv(req->add_hosts));
  json_object_set_new(rec, "Td", td);
  return rec;
}
