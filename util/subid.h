/* /etc/subuid and /etc/subgid ("name:start:count" lines, shadow's subid(5)): the ranges of one
 * name, read as untrusted text (fuzz/fuzz_subid.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* At most this many ranges per name (the kernel takes 340 map lines; docker sees no limit). */
#define SUBID_MAX 16

struct subid_range {
  uint32_t start, count; /* host ids start .. start+count-1 */
};

/* The ranges of name in text (len bytes, no NUL needed), in file order, in out[SUBID_MAX];
 * *n their number (0: none). Comments (#) and blank lines are skipped; a malformed line of
 * another name too (shadow's way); a malformed line of name, a range past 2^32-1 or ranges of
 * name that overlap are an error naming the line. */
int subid_parse(const char *text, size_t len, const char *name, struct subid_range *out, size_t *n,
                struct td_err **err);
