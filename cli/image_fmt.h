/* Output helpers for tinydocker-image. */
#pragma once
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* docker's "N minutes ago" for an RFC 3339 time. */
char *fmt_ago(const char *rfc3339);

struct fmt_table;
/* A table of ncol columns printed like docker's tabwriter. */
struct fmt_table *fmt_table_new(size_t ncol);
/* Add a row (cells copied; NULL prints as empty). */
void fmt_table_row(struct fmt_table *t, char *const *cols);
/* Print and free the table. */
void fmt_table_print(struct fmt_table *t, FILE *out);
