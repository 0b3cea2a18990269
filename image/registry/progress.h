/* Internal: per-layer progress for pull and push: bars redrawn in place on a TTY, plain
 * status lines otherwise. Thread-safe. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct reg_progress;

/* A display for n rows (layers) on out; tty decides bars vs lines; quiet prints nothing. */
struct reg_progress *reg_progress_new(FILE *out, size_t n, bool quiet);
/* Name a row (short digest) and give its total size (0 = unknown). */
void reg_progress_row(struct reg_progress *p, size_t i, const char *label, uint64_t total);
/* Set a row's status text ("Waiting", "Downloading", "Pull complete"...). */
void reg_progress_status(struct reg_progress *p, size_t i, const char *status);
/* Add transferred bytes to a row. */
void reg_progress_add(struct reg_progress *p, size_t i, uint64_t n);
/* Final redraw and free. */
void reg_progress_free(struct reg_progress *p);
