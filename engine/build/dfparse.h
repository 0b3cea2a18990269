/* Inside engine/build only: the Dockerfile parser's shared parts (dockerfile.c) and its
 * instruction arguments (dockerfile_args.c). Pure: no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "engine/build/build.h"

/* a parse error: docker's wording, exit 1 as docker's CLI */
__attribute__((format(printf, 3, 4))) int df_perr(struct td_err **err, unsigned line,
                                                  const char *fmt, ...);
bool df_is_ws(char c);
const char *df_skip_ws(const char *s);
/* s[0..n) without leading and trailing whitespace, a copy */
char *df_trim_dup(const char *s, size_t n);
/* in's words from rest (the text after the instruction's name and flags) */
int df_parse_args(struct df_instr *in, const char *rest, char escape, struct td_err **err);
