/* The ls commands' --format (cli/image_format.c): images, volumes, networks. */
#pragma once
#include <jansson.h>

/* An ls command's --format as docker's formatter runs it over the objects of rows: a "table"
 * has a header row (header(field): the column's name) and aligned columns. labels: each row's
 * labels for {{.Label "k"}} (an array parallel to rows, or NULL); type: the Go type docker
 * gives a row, for its errors. Returns the exit code. */
int cli_format_rows(const char *fmt, json_t *rows, json_t *labels,
                    const char *(*header)(const char *field), const char *type);
