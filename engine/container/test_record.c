/* Unit tests of the typed container record (record.c): records written by the engine before
 * the record was typed (tests/fixtures/records/, made by commit 0831d19's binary) load into
 * the right fields, and load -> save -> load gives the same document, byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container.h"
#include "net/net.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *dir;

/* The fixture's document as it is on disk (compact, in its order) and the record. */
static struct ctr_record *load(const char *name, char **text)
{
  autofree char *p = xasprintf("%s/%s.json", dir, name);
  json_error_t je;
  json_t *doc = json_load_file(p, 0, &je);
  if (doc == NULL) {
    printf("# %s: %s\n", p, je.text);
    return NULL;
  }
  *text = json_dumps(doc, JSON_COMPACT);
  return record_from_json(doc);
}

/* load -> save gives the file's bytes; a second load -> save too. */
static void round_trip(const char *name)
{
  autofree char *orig = NULL;
  autorecord struct ctr_record *r = load(name, &orig);
  if (r == NULL) {
    TAP_OK(0, "%s: loads", name);
    return;
  }
  autofree char *saved = json_dumps(record_to_json(r), JSON_COMPACT);
  TAP_STREQ(saved, orig, "%s: load -> save keeps every byte", name);
  autorecord struct ctr_record *r2 = record_from_json(json_loads(saved, 0, NULL));
  autofree char *saved2 = json_dumps(record_to_json(r2), JSON_COMPACT);
  TAP_STREQ(saved2, orig, "%s: load -> save -> load -> save keeps every byte", name);
}

static int strv_n(char **v)
{
  int n = 0;
  while (v && v[n])
    n++;
  return n;
}

/* The record of a fixture, without its text. */
static struct ctr_record *rec_of(const char *name)
{
  autofree char *text = NULL;
  return load(name, &text);
}

static void typed_fields(void)
{
  struct ctr_record *r = rec_of("created");
  TAP_OK(r && strlen(r->id) == 64, "created: Id");
  TAP_STREQ(r ? r->state.status : NULL, "created", "created: State.Status");
  TAP_OK(r && !r->state.running && r->state.pid == 0 && r->state.exit_code == 0,
         "created: not running, no pid, exit 0");
  TAP_STREQ(r ? r->name : NULL, "/rec-created", "created: Name");
  TAP_STREQ(r ? r->config.image : NULL, "busybox", "created: Config.Image");
  TAP_OK(r && strncmp(r->image, "sha256:", 7) == 0, "created: Image is an id");
  TAP_STREQ(r ? r->host.network_mode : NULL, "bridge", "created: HostConfig.NetworkMode");
  TAP_STREQ(r ? r->host.restart_policy : NULL, "no", "created: RestartPolicy.Name");
  TAP_OK(r && !r->host.auto_remove && !r->td.rootfs_is_dir && r->td.rootfs &&
             r->config.stop_timeout == -1 && r->td.n_ports == 0 && r->td.ports_err == NULL,
         "created: no --rm, an image rootfs, no StopTimeout, no ports");
  TAP_STREQ(r ? r->path : NULL, "sleep", "created: Path");
  TAP_OK(r && strv_n(r->args) == 1 && strcmp(r->args[0], "1000") == 0, "created: Args");
  TAP_OK(r && r->hosts_path && r->log_path && strstr(r->log_path, "-json.log"),
         "created: HostsPath, LogPath");
  record_free(r);

  r = rec_of("exited");
  TAP_STREQ(r ? r->state.status : NULL, "exited", "exited: State.Status");
  TAP_OK(r && r->state.exit_code == 3 && r->state.pid == 0 && !r->state.running,
         "exited: ExitCode 3, no pid");
  TAP_OK(r && r->state.started_at && strncmp(r->state.started_at, "0001", 4) != 0 &&
             r->state.finished_at && strncmp(r->state.finished_at, "0001", 4) != 0,
         "exited: StartedAt and FinishedAt set");
  TAP_OK(r && r->td.monitor_pid > 0 && r->td.monitor_start > 0, "exited: Td.MonitorPid/Start");
  /* an older engine's record has the etc paths from its create (this one sets them at start) */
  TAP_OK(r && r->resolv_conf_path && strstr(r->resolv_conf_path, "/resolv.conf") &&
             r->hostname_path && strstr(r->hostname_path, "/hostname"),
         "exited: ResolvConfPath, HostnamePath");
  if (r) {
    free(r->hostname_path);
    r->hostname_path = xstrdup("/x/hostname");
  }
  TAP_STREQ(r ? json_string_value(json_object_get(record_to_json(r), "HostnamePath")) : NULL,
            "/x/hostname", "exited: HostnamePath saved");
  record_free(r);

  r = rec_of("running");
  TAP_STREQ(r ? r->state.status : NULL, "running", "running: State.Status");
  TAP_OK(r && r->state.running && r->state.pid > 0 && r->td.init_start > 0,
         "running: Running, Pid, Td.InitStart");
  TAP_OK(r && r->net.ip && r->net.prefix > 0 && r->net.gateway && r->net.mac,
         "running: NetworkSettings addresses");
  TAP_OK(r && r->net.n_nets == 1 && strcmp(r->net.nets[0].network, "bridge") == 0 &&
             r->net.nets[0].aliases == NULL,
         "running: one endpoint, bridge, Aliases null");
  record_free(r);

  r = rec_of("publish");
  TAP_OK(r && strv_n(r->td.publish) == 2, "publish: Td.Publish as given");
  TAP_OK(r && r->td.n_ports == 2 && r->td.ports[0].host_port == 18080 &&
             r->td.ports[0].ctr_port == 80 && strcmp(r->td.ports[0].proto, "tcp") == 0 &&
             r->td.ports[0].host_ip == 0x7f000001 && r->td.ports[1].host_port == 0 &&
             r->td.ports[1].ctr_port == 53 && strcmp(r->td.ports[1].proto, "udp") == 0,
         "publish: -p parsed once at load");
  TAP_OK(r && r->net.n_ports == 2 && strcmp(r->net.ports[0].key, "80/tcp") == 0 &&
             strcmp(r->net.ports[0].host_port, "18080") == 0 &&
             strcmp(r->net.ports[0].host_ip, "127.0.0.1") == 0 &&
             strcmp(r->net.ports[1].key, "53/udp") == 0,
         "publish: NetworkSettings.Ports as bound");
  record_free(r);

  r = rec_of("network");
  TAP_STREQ(r ? r->host.network_mode : NULL, "rec-net", "network: NetworkMode");
  TAP_OK(r && strv_n(r->td.aliases) == 2 && strcmp(r->td.aliases[0], "web") == 0,
         "network: Td.Aliases");
  TAP_OK(r && strv_n(r->td.add_hosts) == 1 && strcmp(r->td.add_hosts[0], "db:10.1.2.3") == 0,
         "network: Td.AddHosts");
  TAP_STREQ(r ? r->td.ip : NULL, "10.213.7.50", "network: Td.IP (--ip)");
  struct ctr_endpoint *ep = r ? record_endpoint(r, "rec-net") : NULL;
  TAP_OK(ep && strcmp(ep->ip, "10.213.7.50") == 0 && strv_n(ep->aliases) == 2 &&
             strlen(ep->network_id) == 64,
         "network: the endpoint");
  record_free(r);

  r = rec_of("restart");
  TAP_STREQ(r ? r->host.restart_policy : NULL, "on-failure", "restart: RestartPolicy.Name");
  TAP_OK(r && r->host.restart_max == 3, "restart: MaximumRetryCount");
  TAP_OK(r && r->config.stop_timeout == 7, "restart: StopTimeout");
  TAP_STREQ(r ? r->config.stop_signal : NULL, "SIGINT", "restart: StopSignal");
  TAP_STREQ(r ? r->host.log_max_size : NULL, "1m", "restart: log max-size");
  TAP_STREQ(r ? r->host.log_max_file : NULL, "2", "restart: log max-file");
  TAP_OK(r && r->config.tty && r->config.open_stdin, "restart: Tty, OpenStdin");
  record_free(r);

  r = rec_of("rm");
  TAP_OK(r && r->host.auto_remove, "rm: HostConfig.AutoRemove");
  record_free(r);

  r = rec_of("labels");
  TAP_STREQ(r ? record_label(r, "com.example.a") : NULL, "b", "labels: a label");
  TAP_STREQ(r ? record_label(r, "empty") : NULL, "", "labels: an empty label");
  TAP_OK(r && record_label(r, "missing") == NULL, "labels: a missing label");
  record_free(r);

  r = rec_of("volume");
  TAP_OK(r && json_array_size(json_object_get(r->doc, "Mounts")) == 3,
         "volume: the Mounts kept for inspect");
  record_free(r);
}

/* A change to a field is saved at its place; the rest stays. */
static void changes(void)
{
  autorecord struct ctr_record *r = rec_of("created");
  if (r == NULL)
    return;
  free(r->state.status);
  r->state.status = xstrdup("exited");
  r->state.exit_code = 4;
  r->config.stop_timeout = 9;
  free(r->name);
  r->name = xstrdup("/renamed");
  autofree char *s = json_dumps(record_to_json(r), JSON_COMPACT);
  autorecord struct ctr_record *r2 = record_from_json(json_loads(s, 0, NULL));
  TAP_OK(strcmp(r2->state.status, "exited") == 0 && r2->state.exit_code == 4 &&
             r2->config.stop_timeout == 9 && strcmp(r2->name, "/renamed") == 0,
         "changed fields read back");
  TAP_OK(strstr(s, "\"State\":{\"Status\":\"exited\"") != NULL, "Status keeps its place");
  r2->config.stop_timeout = -1;
  record_to_json(r2);
  TAP_OK(json_object_get(json_object_get(r2->doc, "Config"), "StopTimeout") == NULL,
         "StopTimeout -1 removes the key");

  /* a -p that does not parse keeps its error for the monitor */
  autorecord struct ctr_record *bad =
      record_from_json(json_pack("{s:{s:[s]}}", "Td", "Publish", "99999:80"));
  TAP_OK(bad->td.ports_err != NULL, "a bad -p keeps its parse error");

  /* a dead record (no container.json) */
  autorecord struct ctr_record *dead = record_dead(r->id, "x");
  TAP_OK(strcmp(dead->state.status, "dead") == 0 && dead->state.exit_code == 255 &&
             strcmp(dead->name, "/x") == 0,
         "a dead record");
}

/* The monitor's write of an attach gives the bytes the old monitor wrote: the publish
 * fixture's NetworkSettings put back to create's shape, then set from an attach result with
 * the fixture's values. */
static void attach_bytes(void)
{
  autofree char *orig = NULL;
  autorecord struct ctr_record *want = load("publish", &orig);
  if (want == NULL)
    return;
  json_t *doc = json_loads(orig, 0, NULL);
  json_object_set_new(doc, "NetworkSettings",
                      json_pack("{s:s,s:s,s:i,s:s,s:{},s:{}}", "Bridge", "", "IPAddress", "",
                                "IPPrefixLen", 0, "Gateway", "", "Ports", "Networks"));
  autorecord struct ctr_record *r = record_from_json(doc);
  struct net_port ports[2] = {
      {.proto = "tcp", .host_ip = 0x7f000001, .host_port = 18080, .ctr_port = 80},
      {.proto = "udp", .host_port = (uint16_t)atoi(want->net.ports[1].host_port), .ctr_port = 53}};
  struct net_attach_result res = {.prefix = want->net.prefix, .ports = ports, .n_ports = 2};
  const struct ctr_endpoint *ep = &want->net.nets[0];
  snprintf(res.network_id, sizeof(res.network_id), "%s", ep->network_id);
  snprintf(res.network_name, sizeof(res.network_name), "%s", ep->network);
  snprintf(res.ip, sizeof(res.ip), "%s", want->net.ip);
  snprintf(res.gateway, sizeof(res.gateway), "%s", want->net.gateway);
  snprintf(res.mac, sizeof(res.mac), "%s", want->net.mac);
  record_set_attached(r, &res, NULL, true);
  autofree char *got = json_dumps(record_to_json(r), JSON_COMPACT);
  TAP_STREQ(got, orig, "an attach is saved as the old monitor saved it");
  /* network connect adds an endpoint after it; disconnect takes it away again */
  snprintf(res.network_name, sizeof(res.network_name), "other");
  char *aliases[] = {"a1", NULL};
  record_set_attached(r, &res, aliases, false);
  autofree char *two = json_dumps(record_to_json(r), JSON_COMPACT);
  TAP_OK(strstr(two, "\"Networks\":{\"bridge\":{") && strstr(two, "},\"other\":{\"NetworkID\":") &&
             strstr(two, "\"Aliases\":[\"a1\"]}}"),
         "connect: a second endpoint, last");
  TAP_OK(record_drop_endpoint(r, "other") && !record_drop_endpoint(r, "other"),
         "disconnect drops it once");
  autofree char *back = json_dumps(record_to_json(r), JSON_COMPACT);
  TAP_STREQ(back, orig, "and the record is as before");
}

/* Config.Healthcheck: typed both ways; absent stays absent (docker's omitempty). */
static void health_fields(void)
{
  const char *with = "{\"Config\":{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"],"
                     "\"Interval\":200000000,\"Retries\":2}}}";
  autorecord struct ctr_record *r = record_from_json(json_loads(with, 0, NULL));
  TAP_OK(r->config.health.test && strcmp(r->config.health.test[0], "CMD-SHELL") == 0 &&
             strcmp(r->config.health.test[1], "true") == 0 && r->config.health.test[2] == NULL,
         "health: Test");
  TAP_OK(r->config.health.interval == 200000000 && r->config.health.timeout == 0 &&
             r->config.health.start_period == 0 && r->config.health.retries == 2,
         "health: Interval, Timeout, StartPeriod, Retries");
  TAP_OK(health_configured(r), "health: a test to run");
  autofree char *back = json_dumps(record_to_json(r), JSON_COMPACT | JSON_PRESERVE_ORDER);
  TAP_STREQ(back, with, "health: saved as it was");
  autorecord struct ctr_record *none = record_from_json(json_loads("{\"Config\":{}}", 0, NULL));
  TAP_OK(none->config.health.test == NULL && !health_configured(none), "health: none");
  autofree char *nb = json_dumps(record_to_json(none), JSON_COMPACT);
  TAP_STREQ(nb, "{\"Config\":{}}", "health: none added on save");
  autorecord struct ctr_record *off =
      record_from_json(json_loads("{\"Config\":{\"Healthcheck\":{\"Test\":[\"NONE\"]}}}", 0, NULL));
  TAP_OK(!health_configured(off), "health: NONE runs nothing");
}

/* The namespace joins (--ipc/--pid container:X) the monitor resolves at each start; an older
 * record without them reads as none. */
static void ns_modes(void)
{
  struct ctr_record *old = rec_of("created");
  TAP_OK(old && old->host.ipc_mode == NULL && old->host.pid_mode == NULL,
         "an older record: no IpcMode, no PidMode");
  record_free(old);
  struct ctr_record *r = record_from_json(
      json_pack("{s:{s:s,s:s}}", "HostConfig", "IpcMode", "shareable", "PidMode", "container:ab"));
  TAP_STREQ(r ? r->host.ipc_mode : NULL, "shareable", "HostConfig.IpcMode");
  TAP_STREQ(r ? r->host.pid_mode : NULL, "container:ab", "HostConfig.PidMode");
  record_free(r);
}

int main(int argc, char **argv)
{
  dir = argc > 1 ? argv[1] : "tests/fixtures/records";
  static const char *const all[] = {"created", "running", "exited", "publish", "network",
                                    "volume",  "restart", "rm",     "labels"};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    round_trip(all[i]);
  typed_fields();
  changes();
  attach_bytes();
  health_fields();
  ns_modes();
  return TAP_DONE();
}
