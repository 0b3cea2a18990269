/* Output helpers for tinydocker-image. */
#pragma once
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* docker's size: 3 significant digits, decimal units ("4.26MB"). */
char *fmt_size(double size);
/* docker's "N minutes ago". */
char *fmt_ago(time_t then);
/* An RFC 3339 timestamp as seconds since the epoch (0 if it does not parse). */
time_t fmt_parse_time(const char *rfc3339);

struct fmt_table;
/* A table of ncol columns printed like docker's tabwriter. */
struct fmt_table *fmt_table_new(size_t ncol);
/* Add a row (cells copied; NULL prints as empty). */
void fmt_table_row(struct fmt_table *t, char *const *cols);
/* Print and free the table. */
void fmt_table_print(struct fmt_table *t, FILE *out);
