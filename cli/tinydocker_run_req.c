/* run and create: the parsed options and positionals -> struct eng_run_req, every value
 * checked as docker's CLI does before the engine creates anything: environment, mounts and
 * devices, security options, health check, restart and stop, labels, sysctls, logging,
 * namespaces, --add-host; the resource flags are tinydocker_run_res.c, issue 16's run_flags.c. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tinydocker_opts.h"
#include "cli/run_flags.h"
#include "engine/parse/parse.h"
#include "engine/engine.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

void run_store_free(struct run_store *s)
{
  strv_free(s->env);
  free(s->ulimits);
  for (size_t i = 0; i < s->n_devices; i++)
    eng_device_clear(&s->devices[i]);
  free(s->devices);
  for (size_t i = 0; i < s->n_mounts; i++)
    eng_mount_clear(&s->mounts[i]);
  free(s->mounts);
  strv_free(s->sysctls);
  strv_free(s->labels);
  for (size_t i = 0; i < 5; i++)
    if (s->blkio[i])
      eng_blkio_list_clear(s->blkio[i]);
}

/* docker's opts.ValidateExtraHost: host:ip, the ip an IPv4/IPv6 address or host-gateway */
static int check_add_hosts(char **hosts, struct td_err **err)
{
  for (char **h = hosts; h && *h; h++) {
    const char *c = strchr(*h, ':');
    const char *ip = c ? c + 1 : "";
    unsigned char buf[sizeof(struct in6_addr)];
    if (c == NULL || c == *h)
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"--add-host\" flag: bad format for "
                     "add-host: \"%s\"\nSee 'tinydocker run --help'.",
                     *h, *h);
    if (strcmp(ip, "host-gateway") != 0 && inet_pton(AF_INET, ip, buf) != 1 &&
        inet_pton(AF_INET6, ip, buf) != 1)
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"--add-host\" flag: invalid IP address in "
                     "add-host: \"%s\"\nSee 'tinydocker run --help'.",
                     *h, ip);
  }
  return 0;
}

static int parse_mounts(const struct cmd_info *ci, const struct opt_result *r, struct run_store *s,
                        struct td_err **err)
{
  char **vols = opt_list(ci, r, "volume"), **mnts = opt_list(ci, r, "mount"),
       **tmps = opt_list(ci, r, "tmpfs");
  size_t n = strv_len(vols) + strv_len(mnts) + strv_len(tmps);
  s->mounts = xcalloc(n + 1, sizeof(*s->mounts));
  for (char **v = vols; v && *v; v++)
    if (eng_parse_volume(*v, &s->mounts[s->n_mounts++], err) < 0)
      return -1;
  for (char **v = mnts; v && *v; v++)
    if (eng_parse_mount(*v, &s->mounts[s->n_mounts++], err) < 0)
      return -1;
  for (char **v = tmps; v && *v; v++)
    if (eng_parse_tmpfs(*v, &s->mounts[s->n_mounts++], err) < 0)
      return -1;
  char **devs = opt_list(ci, r, "device");
  s->devices = xcalloc(strv_len(devs) + 1, sizeof(*s->devices));
  for (char **v = devs; v && *v; v++)
    if (eng_parse_device(*v, &s->devices[s->n_devices++], err) < 0)
      return -1;
  return 0;
}

static int parse_security(const struct cmd_info *ci, const struct opt_result *r,
                          struct eng_run_req *q, struct td_err **err)
{
  q->security_opts = opt_list(ci, r, "security-opt");
  for (char **o = q->security_opts; o && *o; o++) {
    if (strcmp(*o, "no-new-privileges") == 0 || strcmp(*o, "no-new-privileges:true") == 0 ||
        strcmp(*o, "no-new-privileges=true") == 0)
      q->no_new_privs = true;
    else if (strcmp(*o, "no-new-privileges:false") == 0 ||
             strcmp(*o, "no-new-privileges=false") == 0)
      q->no_new_privs = false;
    else if (strncmp(*o, "seccomp=", 8) == 0 || strncmp(*o, "seccomp:", 8) == 0)
      q->seccomp = *o + 8;
    else if (strncmp(*o, "apparmor", 8) == 0 || strncmp(*o, "label", 5) == 0)
      continue;
    else
      return err_set(err, 0, "invalid --security-opt: %s", *o);
  }
  return 0;
}

/* A Go duration flag (pflag's DurationVar): its error as docker prints it. */
static int duration_opt(const struct cmd_info *ci, const struct opt_result *r, const char *flag,
                        int64_t *out, struct td_err **err)
{
  const char *v = opt_str(ci, r, flag);
  if (v == NULL)
    return 0;
  autoerr struct td_err *e = NULL;
  if (eng_parse_duration(v, out, &e) < 0) {
    bool unit = strspn(v, "+-0123456789.") == strlen(v) && *v;
    return err_set(err, 0, "invalid argument \"%s\" for \"--%s\" flag: time: %s \"%s\"", v, flag,
                   unit ? "missing unit in duration" : "invalid duration", v);
  }
  return 0;
}

/* --health-* and --no-healthcheck, checked as docker's CLI does (its daemon's checks are
 * eng_create's). */
static int parse_health(const struct cmd_info *ci, const struct opt_result *r,
                        struct eng_run_req *q, struct td_err **err)
{
  q->health_cmd = opt_str(ci, r, "health-cmd");
  q->no_healthcheck = opt_bool(ci, r, "no-healthcheck");
  if (duration_opt(ci, r, "health-interval", &q->health_interval, err) < 0 ||
      duration_opt(ci, r, "health-timeout", &q->health_timeout, err) < 0 ||
      duration_opt(ci, r, "health-start-period", &q->health_start_period, err) < 0)
    return -1;
  const char *v = opt_str(ci, r, "health-retries");
  int64_t retries = 0;
  if (v && run_parse_int("health-retries", v, &retries, err) < 0)
    return -1;
  q->health_retries = (int)retries;
  q->health_set = (q->health_cmd && *q->health_cmd) || q->health_interval || q->health_timeout ||
                  q->health_start_period || q->health_retries;
  if (q->no_healthcheck) {
    if (q->health_set)
      return err_set(
          err, 0,
          "--no-healthcheck conflicts with --health-* options.\nSee 'tinydocker %s --help'.",
          ci->name);
    return 0;
  }
  if (q->health_interval < 0)
    return err_set(err, 0, "--health-interval cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  if (q->health_timeout < 0)
    return err_set(err, 0, "--health-timeout cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  if (q->health_retries < 0)
    return err_set(err, 0, "--health-retries cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  if (q->health_start_period < 0)
    return err_set(err, 0, "--health-start-period cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  return 0;
}

static int parse_misc(const struct cmd_info *ci, const struct opt_result *r, struct eng_run_req *q,
                      struct run_store *s, struct td_err **err)
{
  for (char **f = opt_list(ci, r, "env-file"); f && *f; f++)
    if (eng_parse_env_file(*f, &s->env, err) < 0)
      return -1;
  for (char **e = opt_list(ci, r, "env"); e && *e; e++) {
    if (strchr(*e, '='))
      strv_push(&s->env, *e);
    else if (getenv(*e))
      strv_push_owned(&s->env, xasprintf("%s=%s", *e, getenv(*e)));
  }
  q->env = s->env;
  char **ul = opt_list(ci, r, "ulimit");
  s->ulimits = xcalloc(strv_len(ul) + 1, sizeof(*s->ulimits));
  for (char **u = ul; u && *u; u++)
    if (eng_parse_ulimit(*u, &s->ulimits[q->n_ulimits++], err) < 0)
      return -1;
  q->ulimits = s->ulimits;
  const char *v;
  if ((v = opt_str(ci, r, "restart")) && eng_parse_restart(v, &q->restart, err) < 0)
    return -1;
  q->stop_timeout = -1;
  if ((v = opt_str(ci, r, "stop-timeout"))) {
    int64_t t;
    if (run_parse_int("stop-timeout", v, &t, err) < 0)
      return -1;
    q->stop_timeout = (int)t;
  }
  if ((q->stop_signal = opt_str(ci, r, "stop-signal")) && rt_signal_parse(q->stop_signal) < 0)
    return err_set(err, 0, "invalid signal: %s", q->stop_signal);
  for (char **l = opt_list(ci, r, "label"); l && *l; l++)
    strv_push(&s->labels, *l);
  q->labels = s->labels;
  for (char **l = opt_list(ci, r, "sysctl"); l && *l; l++) {
    autofree char *k = NULL, *val = NULL;
    if (eng_parse_sysctl(*l, &k, &val, err) < 0)
      return err_prefix(err, "invalid argument \"%s\" for \"--sysctl\" flag", *l);
    strv_push(&s->sysctls, *l);
  }
  q->sysctls = s->sysctls;
  q->log_opts = opt_list(ci, r, "log-opt");
  for (char **l = q->log_opts; l && *l; l++) {
    int64_t sz;
    if (strncmp(*l, "max-size=", 9) == 0 && eng_parse_size(*l + 9, &sz, err) < 0)
      return err_prefix(err, "invalid log-opt");
    if (strncmp(*l, "max-size=", 9) && strncmp(*l, "max-file=", 9) && strncmp(*l, "compress=", 9) &&
        strncmp(*l, "labels=", 7) && strncmp(*l, "env=", 4) && strncmp(*l, "tag=", 4))
      return err_set(err, 0, "unknown log opt '%.*s' for json-file log driver",
                     (int)strcspn(*l, "="), *l);
  }
  if ((v = opt_str(ci, r, "log-driver")) && strcmp(v, "json-file") != 0 && strcmp(v, "none") != 0)
    return err_set(err, 0, "logging driver %s is not supported (json-file only)", v);
  return 0;
}

/* --ipc --pid --uts --userns --cgroupns --group-add --domainname: the CLI's checks are
 * docker's (its opts.parse: uts, userns, pid, cgroupns); --ipc is checked by the engine. */
static int parse_namespaces(const struct cmd_info *ci, const struct opt_result *r,
                            struct eng_run_req *q, struct td_err **err)
{
  q->ipc_mode = opt_str(ci, r, "ipc");
  q->pid_mode = opt_str(ci, r, "pid");
  q->uts_mode = opt_str(ci, r, "uts");
  q->userns_mode = opt_str(ci, r, "userns");
  q->cgroupns_mode = opt_str(ci, r, "cgroupns");
  q->group_add = opt_list(ci, r, "group-add");
  q->domainname = opt_str(ci, r, "domainname");
  const char *p = q->pid_mode;
  if (p && *p && strcmp(p, "host") != 0 && !(strncmp(p, "container:", 10) == 0 && p[10]))
    return err_set(err, 0, "--pid: invalid PID mode.\nSee 'tinydocker %s --help'.", ci->name);
  if (q->uts_mode && *q->uts_mode && strcmp(q->uts_mode, "host") != 0)
    return err_set(err, 0, "--uts: invalid UTS mode.\nSee 'tinydocker %s --help'.", ci->name);
  if (q->userns_mode && *q->userns_mode && strcmp(q->userns_mode, "host") != 0)
    return err_set(err, 0, "--userns: invalid USER mode.\nSee 'tinydocker %s --help'.", ci->name);
  const char *c = q->cgroupns_mode;
  if (c && *c && strcmp(c, "host") != 0 && strcmp(c, "private") != 0)
    return err_set(err, 0, "--cgroupns: invalid CGROUP mode.\nSee 'tinydocker %s --help'.",
                   ci->name);
  return 0;
}

/* Fill q from the parsed options and positionals. */
int run_build_request(const struct cmd_info *ci, const struct opt_result *r, struct eng_run_req *q,
                      struct run_store *s, bool detach, struct td_err **err)
{
  memset(q, 0, sizeof(*q));
  q->interactive = opt_bool(ci, r, "interactive");
  q->tty = opt_bool(ci, r, "tty");
  q->detach = detach;
  q->auto_remove = opt_bool(ci, r, "rm");
  q->init = opt_bool(ci, r, "init");
  q->read_only = opt_bool(ci, r, "read-only");
  q->privileged = opt_bool(ci, r, "privileged");
  q->name = opt_str(ci, r, "name");
  q->workdir = opt_str(ci, r, "workdir");
  q->user = opt_str(ci, r, "user");
  q->hostname = opt_str(ci, r, "hostname");
  q->entrypoint = opt_str(ci, r, "entrypoint");
  q->entrypoint_set = opt_isset(ci, r, "entrypoint");
  q->cap_add = opt_list(ci, r, "cap-add");
  q->cap_drop = opt_list(ci, r, "cap-drop");
  q->network = opt_str(ci, r, "network");
  q->publish = opt_list(ci, r, "publish");
  q->publish_all = opt_bool(ci, r, "publish-all");
  q->add_hosts = opt_list(ci, r, "add-host");
  q->dns = opt_list(ci, r, "dns");
  q->dns_search = opt_list(ci, r, "dns-search");
  q->net_aliases = opt_list(ci, r, "network-alias");
  q->ip = opt_str(ci, r, "ip");
  q->rootfs = opt_str(ci, r, "rootfs");
  if (run_parse_resources(ci, r, q, err) < 0 || run_parse_resources16(ci, r, q, s, err) < 0 ||
      parse_security(ci, r, q, err) < 0 || parse_misc(ci, r, q, s, err) < 0 ||
      parse_mounts(ci, r, s, err) < 0 || parse_namespaces(ci, r, q, err) < 0 ||
      parse_health(ci, r, q, err) < 0 || check_add_hosts(q->add_hosts, err) < 0 ||
      run_flags_parse(ci, r, q, &s->labels, err) < 0)
    return -1;
  q->mounts = s->mounts;
  q->n_mounts = s->n_mounts;
  q->devices = s->devices;
  q->n_devices = s->n_devices;
  if (q->rootfs) {
    q->cmd = r->args;
  } else if (r->nargs == 0) {
    /* as cobra: the usage error, then the command's usage; exit 1 */
    return err_set_exit(err, 1, 0,
                        "\"tinydocker %s\" requires at least 1 argument.\nSee 'tinydocker %s "
                        "--help'.\n\nUsage:  tinydocker %s %s\n\n%s",
                        ci->name, ci->name, ci->name, ci->usage, ci->desc);
  } else if (r->args[0][0] == '/') {
    /* the seeds' `run -it /bin/sh`: no image, a command path => the default image */
    q->image = ENG_DEFAULT_IMAGE;
    q->cmd = r->args;
  } else {
    q->image = r->args[0];
    q->cmd = r->nargs > 1 ? r->args + 1 : NULL;
  }
  return 0;
}
