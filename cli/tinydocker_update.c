/* update (container update): docker's flags -> an update request, one container at a time;
 * docker prints each name it updated and each failure, and exits 1 when one failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tinydocker_cmds.h"
#include "cli/tinydocker_opts.h"
#include "engine/engine.h"
#include "util/cleanup.h"

#define OPT_END                                                                                    \
  {                                                                                                \
    0, NULL, OPT_BOOL, NULL, NULL, NULL                                                            \
  }

static const struct opt_def update_opts[] = {
    {0, "blkio-weight", OPT_STR, "uint16",
     "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)", NULL},
    {0, "cpu-period", OPT_STR, "int", "Limit CPU CFS (Completely Fair Scheduler) period", NULL},
    {0, "cpu-quota", OPT_STR, "int", "Limit CPU CFS (Completely Fair Scheduler) quota", NULL},
    {0, "cpu-rt-period", OPT_STR, "int", "Limit the CPU real-time period in microseconds", NULL},
    {0, "cpu-rt-runtime", OPT_STR, "int", "Limit the CPU real-time runtime in microseconds", NULL},
    {'c', "cpu-shares", OPT_STR, "int", "CPU shares (relative weight)", NULL},
    {0, "cpus", OPT_STR, "decimal", "Number of CPUs", NULL},
    {0, "cpuset-cpus", OPT_STR, "string", "CPUs in which to allow execution (0-3, 0,1)", NULL},
    {0, "cpuset-mems", OPT_STR, "string", "MEMs in which to allow execution (0-3, 0,1)", NULL},
    {0, "kernel-memory", OPT_STR, "bytes", "Kernel memory limit", NULL},
    {'m', "memory", OPT_STR, "bytes", "Memory limit", NULL},
    {0, "memory-reservation", OPT_STR, "bytes", "Memory soft limit", NULL},
    {0, "memory-swap", OPT_STR, "bytes",
     "Swap limit equal to memory plus swap: -1 to enable unlimited swap", NULL},
    {0, "pids-limit", OPT_STR, "int", "Tune container pids limit (set -1 for unlimited)", NULL},
    {0, "restart", OPT_STR, "string", "Restart policy to apply when a container exits", NULL},
    OPT_END,
};
static const struct cmd_info update_info = {"update", "[OPTIONS] CONTAINER [CONTAINER...]",
                                            "Update configuration of one or more containers",
                                            update_opts, false};

static int int_flag(const struct opt_result *r, const char *flag, int64_t *out, struct td_err **err)
{
  const char *v = opt_str(&update_info, r, flag);
  if (v == NULL)
    return 0;
  char *e = NULL;
  long long n = strtoll(v, &e, 10);
  if (*v == '\0' || *e != '\0')
    return err_set_exit(err, 1, 0,
                        "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseInt: parsing "
                        "\"%s\": invalid syntax",
                        v, flag, v);
  *out = n;
  return 0;
}

static int size_flag(const struct opt_result *r, const char *flag, int64_t *out,
                     struct td_err **err)
{
  const char *v = opt_str(&update_info, r, flag);
  if (v == NULL)
    return 0;
  if (strcmp(flag, "memory-swap") == 0 && strcmp(v, "-1") == 0) {
    *out = -1;
    return 0;
  }
  if (eng_parse_size(v, out, err) < 0) {
    (*err)->exit_code = 1;
    return err_prefix(err, "invalid argument \"%s\" for \"--%s\" flag", v, flag);
  }
  return 0;
}

static int build(const struct opt_result *r, struct eng_update_req *q, struct eng_restart *pol,
                 struct td_err **err)
{
  if (size_flag(r, "memory", &q->memory, err) < 0 ||
      size_flag(r, "memory-swap", &q->memory_swap, err) < 0 ||
      size_flag(r, "memory-reservation", &q->memory_reservation, err) < 0 ||
      int_flag(r, "cpu-shares", &q->cpu_shares, err) < 0 ||
      int_flag(r, "cpu-period", &q->cpu_period, err) < 0 ||
      int_flag(r, "cpu-quota", &q->cpu_quota, err) < 0 ||
      int_flag(r, "blkio-weight", &q->blkio_weight, err) < 0 ||
      size_flag(r, "kernel-memory", &q->kernel_memory, err) < 0 ||
      int_flag(r, "cpu-rt-period", &q->cpu_rt_period, err) < 0 ||
      int_flag(r, "cpu-rt-runtime", &q->cpu_rt_runtime, err) < 0)
    return -1;
  const char *v = opt_str(&update_info, r, "blkio-weight");
  if (v && (q->blkio_weight < 0 || q->blkio_weight > 65535))
    return err_set_exit(err, 1, 0,
                        "invalid argument \"%s\" for \"--blkio-weight\" flag: strconv.ParseUint: "
                        "parsing \"%s\": value out of range",
                        v, v);
  if ((v = opt_str(&update_info, r, "cpus")) &&
      eng_parse_cpus(v, (int)sysconf(_SC_NPROCESSORS_ONLN), &q->nano_cpus, err) < 0) {
    (*err)->exit_code = 1;
    return err_prefix(err, "invalid argument \"%s\" for \"--cpus\" flag", v);
  }
  int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
  if ((q->cpuset_cpus = opt_str(&update_info, r, "cpuset-cpus")) &&
      eng_parse_cpuset(q->cpuset_cpus, ncpu, err) < 0) {
    (*err)->exit_code = 1;
    return err_prefix(err, "invalid argument \"%s\" for \"--cpuset-cpus\" flag", q->cpuset_cpus);
  }
  if ((q->cpuset_mems = opt_str(&update_info, r, "cpuset-mems")) &&
      eng_parse_cpuset(q->cpuset_mems, 0, err) < 0) {
    (*err)->exit_code = 1;
    return err_prefix(err, "invalid argument \"%s\" for \"--cpuset-mems\" flag", q->cpuset_mems);
  }
  if (opt_isset(&update_info, r, "pids-limit")) {
    if (int_flag(r, "pids-limit", &q->pids_limit, err) < 0)
      return -1;
    q->has_pids_limit = true;
  }
  if ((v = opt_str(&update_info, r, "restart"))) {
    if (eng_parse_restart(v, pol, err) < 0) {
      (*err)->exit_code = 1;
      return -1;
    }
    q->restart = pol;
  }
  /* docker's CLI: nothing to change is an error of its own */
  bool any = false;
  for (const struct opt_def *d = update_opts; d->long_name; d++)
    any = any || opt_isset(&update_info, r, d->long_name);
  if (!any)
    return err_set_exit(err, 1, 0, "you must provide one or more flags when using this command");
  return 0;
}

int cmd_update(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  if (opts_parse(&update_info, argc, argv, &r, err) < 0) {
    (*err)->exit_code = 1;
    return -1;
  }
  int rc = 0;
  if (r.help)
    goto out;
  if (r.nargs < 1) {
    rc = err_set_exit(err, 1, 0,
                      "\"update\" requires at least 1 argument.\nSee 'tinydocker update --help'.");
    goto out;
  }
  struct eng_update_req q = {0};
  struct eng_restart pol;
  if (build(&r, &q, &pol, err) < 0) {
    rc = -1;
    goto out;
  }
  int failed = 0;
  for (int i = 0; i < r.nargs; i++) {
    autofree char *id = NULL;
    autoerr struct td_err *e = NULL;
    if (eng_lookup(ctx, r.args[i], &id, &e) < 0 || eng_update(ctx, id, &q, &e) < 0) {
      fprintf(stderr, "Error response from daemon: %s\n", err_text(e));
      failed++;
      continue;
    }
    printf("%s\n", r.args[i]);
    if (q.kernel_memory > 0) /* docker's warning, on stdout after the name */
      printf("Specifying a kernel memory limit is deprecated and will be removed in a future "
             "release.\n");
  }
  rc = failed ? 1 : 0;
out:
  opts_free(&update_info, &r);
  return rc;
}
