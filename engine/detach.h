/* Detach keys (`--detach-keys`, docker's format "ctrl-p,ctrl-q"): parsing (detach.c, in the
 * CLI), and the scanner an attached terminal's input goes through (detach_scan.c: no libc
 * calls, no allocation, so the monitor's idle loop can use it wherever it
 * lives). The CLI sends the parsed bytes to the monitor (detach_keys_to_wire). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define DETACH_KEYS_MAX 16
#define DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

struct detach_keys {
  unsigned char seq[DETACH_KEYS_MAX];
  unsigned char len; /* 0: no detach keys */
  unsigned char pos; /* bytes of seq matched so far (held back, not passed on yet) */
};

/* Parse docker's key list: comma-separated single characters or ctrl-<a-z @ [ \ ] ^ _>.
 * NULL or "" gives the default (ctrl-p,ctrl-q). One-line error for anything else. */
int detach_keys_parse(const char *spec, struct detach_keys *k, struct td_err **err);
/* Into / from the text of a MON_ATTACH message: text[0] = length, text[1..] the bytes.
 * from_wire with text NULL (or a bad length) gives no detach keys. */
void detach_keys_to_wire(const struct detach_keys *k, char *text);
void detach_keys_from_wire(struct detach_keys *k, const char *text);
/* Pass n input bytes through the scanner: what goes on to the container is written to out
 * (room for n + DETACH_KEYS_MAX bytes), its length to *nout. A partial sequence is held back
 * until the next byte tells; a byte that breaks it releases the held bytes. Returns true when
 * the whole sequence was typed: the bytes before it are in out, those after it are dropped. */
bool detach_keys_scan(struct detach_keys *k, const char *in, size_t n, char *out, size_t *nout);
