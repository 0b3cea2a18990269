/* engine/view: what the read-only commands print (ps.c, ps_row.c, ps_filter.c, ps_ancestor.c,
 * top.c, observe.c: stats, info.c), declared for the CLI in engine/engine.h. This header holds
 * what the room's files share. Calls down only: engine/ops (prune.c's removal), engine/container,
 * image/, util/. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "util/err.h"

struct ps_ancestry;
struct eng_ctx;
/* ps --filter ancestor=: the images the filters name, resolved (NULL when none resolves). */
struct ps_ancestry *ps_ancestry_new(const char *root, char **filters);
/* Whether the container's image is one of them or built on one (their layers at its bottom). */
struct ctr_record;
bool ps_ancestry_match(struct ps_ancestry *a, const struct ctr_record *rec);
/* Free it (NULL is fine). */
void ps_ancestry_free(struct ps_ancestry *a);
/* top's table for pids (sorted) with docker's ps options (-ef, aux, -o FIELD,...). */
int top_print(const pid_t *pids, size_t n, char **ps_args, struct td_err **err);
/* The prune filters of containers (prune.c): until=TIMESTAMP (created before it), label=K[=V],
 * label!=K[=V]; values of one key or-ed, keys and-ed. Checked first with
 * eng_prune_filters_check (engine.h). */
bool prune_filters_match(const struct ctr_record *rec, char **filters, int64_t now_ns);
/* ps's row of a record as docker's formatter fields (ps_row.c); sizes when o->size. */
struct eng_ps_opts;
json_t *ps_row(const struct eng_ctx *ctx, const struct ctr_record *rec,
               const struct eng_ps_opts *o);
/* Whether ps shows the container: -a (or a status filter, -n, -l) and the filters, docker's
 * rules; anc: the ancestor= filters resolved, or NULL (ps_filter.c). */
bool ps_wanted(struct ctr_record *rec, const struct eng_ps_opts *o, struct ps_ancestry *anc);
/* ps's STATUS ("Up 5 seconds", "Exited (0) 2 minutes ago") and quoted COMMAND of a record
 * (system df -v shows them too). */
char *ps_status_text(const struct ctr_record *rec);
char *ps_command_text(const struct ctr_record *rec, bool no_trunc);
/* Print rows of '\t'-separated cells aligned like Go's tabwriter (padding 3). */
void eng_print_table(char **lines);
/* The bytes of the files under the directory dfd (closed), not following links (inspect.c). */
int64_t eng_dir_size(int dfd);
/* A container's sizes as docker's -s: its own files (SizeRw) and those with its image's
 * layers (SizeRootFs); engine/view/inspect.c. */
void eng_ctr_sizes(const struct eng_ctx *ctx, const struct ctr_record *rec, int64_t *rw,
                   int64_t *rootfs);
