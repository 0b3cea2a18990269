/* The detach-key scanner and the wire form of the keys: plain loops, no libc, no allocation
 * (the monitor's idle loop runs it). See detach.h. */
#include "engine/parse/parse.h"

void detach_keys_to_wire(const struct detach_keys *k, char *text)
{
  text[0] = (char)k->len;
  for (unsigned i = 0; i < k->len; i++)
    text[1 + i] = (char)k->seq[i];
}

void detach_keys_from_wire(struct detach_keys *k, const char *text)
{
  unsigned len = text ? (unsigned char)text[0] : 0;
  k->len = len <= DETACH_KEYS_MAX ? (unsigned char)len : 0;
  k->pos = 0;
  for (unsigned i = 0; i < k->len; i++)
    k->seq[i] = (unsigned char)text[1 + i];
}

bool detach_keys_scan(struct detach_keys *k, const char *in, size_t n, char *out, size_t *nout)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char b = (unsigned char)in[i];
    if (k->len && b == k->seq[k->pos]) {
      if (++k->pos == k->len) {
        k->pos = 0;
        *nout = o;
        return true;
      }
      continue;
    }
    if (k->pos) {
      /* the held bytes were input after all; this byte may start the sequence anew */
      for (unsigned i2 = 0; i2 < k->pos; i2++)
        out[o++] = (char)k->seq[i2];
      k->pos = 0;
      if (b == k->seq[0]) { /* len > 1 here: a 1-key sequence never holds bytes back */
        k->pos = 1;
        continue;
      }
    }
    out[o++] = (char)b;
  }
  *nout = o;
  return false;
}
