/* The engine's side of issue 16's run flags (runflags.c). */
#pragma once
#include <stdint.h>

#include <jansson.h>

#include "engine/container/container.h"

/* Config.ExposedPorts: the image's and --expose's (ranges expanded, tcp by default); NULL when
 * there are none. New reference. */
json_t *runflags_exposed(const struct eng_run_req *req, json_t *imgcfg);
/* Before create: --runtime a configured name, --volumes-from targets and modes. */
int runflags_check(const struct eng_ctx *ctx, const struct eng_run_req *req, struct td_err **err);
/* HostConfig.Links as docker writes them ("/other:/me/alias"); the targets must exist. */
int runflags_links(const struct eng_ctx *ctx, const struct eng_run_req *req, const char *name,
                   char ***out, struct td_err **err);
/* The record's keys of these flags (HostConfig.Links, VolumesFrom, Runtime, DnsOptions,
 * Config.MacAddress). */
void runflags_record(const struct eng_run_req *req, char **links, json_t *rec);
/* At start: the --add-host style lines ("names:ip") the links give on network (NULL = the
 * default bridge), docker's refusals there (target not running, not on the bridge). */
int runflags_link_hosts(const struct eng_ctx *ctx, const struct ctr_record *rec,
                        const char *network, char ***hosts, struct td_err **err);
/* "aa:bb:cc:dd:ee:ff" (or dashes) into 6 bytes; -1 if it is not one. */
int runflags_mac(const char *s, uint8_t mac[6]);
/* A --runtime name: *path NULL for the core (tinyrun, in-process), else the configured
 * program; docker's error for any other name (a path included). */
int eng_runtime_lookup(const char *name, const char **path, struct td_err **err);
/* Whether rec runs under another runtime than the core (--runtime runc, crun). */
bool runflags_external(const struct ctr_record *rec);
/* rm: the other runtimes' state of id (left when its monitor did not delete it) removed. */
void runflags_forget_state(const struct eng_ctx *ctx, const char *id);
/* The bundle's spec for another runtime: the OCI version it knows (crun 1.8 refuses 1.2.0). */
void runflags_spec(const struct eng_run_req *req, json_t *spec);
/* info's Runtimes: {"tinyrun": {"path": "(in-process)"}, "runc": {"path": ...}} for those
 * installed. New reference. */
json_t *eng_runtimes_json(void);
