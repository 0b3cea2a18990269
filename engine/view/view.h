/* engine/view: what the read-only commands print (ps.c, ps_ancestor.c, top.c, observe.c:
 * stats, info.c), declared for the CLI in engine/engine.h. This header holds what the room's
 * files share. Calls down only: engine/ops (ps's prune-like removal), engine/container,
 * image/, util/. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "util/err.h"

struct ps_ancestry;
/* ps --filter ancestor=: the images the filters name, resolved (NULL when none resolves). */
struct ps_ancestry *ps_ancestry_new(const char *root, char **filters);
/* Whether the container's image is one of them or built on one (their layers at its bottom). */
struct ctr_record;
bool ps_ancestry_match(struct ps_ancestry *a, const struct ctr_record *rec);
/* Free it (NULL is fine). */
void ps_ancestry_free(struct ps_ancestry *a);
/* top's table for pids (sorted) with docker's ps options (-ef, aux, -o FIELD,...). */
int top_print(const pid_t *pids, size_t n, char **ps_args, struct td_err **err);
/* Print rows of '\t'-separated cells aligned like Go's tabwriter (padding 3). */
void eng_print_table(char **lines);
