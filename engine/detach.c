/* --detach-keys: docker's key list to bytes, and the byte scanner for attached input. */
#include <string.h>

#include "engine/detach.h"

/* "ctrl-@" is 0, "ctrl-a" 1 ... "ctrl-z" 26, then "ctrl-[" "ctrl-\" "ctrl-]" "ctrl-^" "ctrl-_". */
static int ctrl_code(const char *key, size_t len)
{
  static const char tail[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
  if (len != 6 || strncmp(key, "ctrl-", 5) != 0)
    return -1;
  const char *p = strchr(tail, key[5]);
  return key[5] != '\0' && p ? (int)(p - tail) : -1;
}

int detach_keys_parse(const char *spec, struct detach_keys *k, struct td_err **err)
{
  memset(k, 0, sizeof(*k));
  if (spec == NULL || *spec == '\0')
    spec = DETACH_KEYS_DEFAULT;
  for (const char *s = spec;;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    int code = len == 1 ? (unsigned char)s[0] : ctrl_code(s, len);
    if (code < 0 || len == 0)
      return err_set(err, 0, "Invalid detach keys (%s) provided: unknown character '%.*s'", spec,
                     (int)len, s);
    if (k->len == DETACH_KEYS_MAX)
      return err_set(err, 0, "Invalid detach keys (%s) provided: more than %d keys", spec,
                     DETACH_KEYS_MAX);
    k->seq[k->len++] = (unsigned char)code;
    if (comma == NULL)
      break;
    s = comma + 1;
  }
  return 0;
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
      memcpy(out + o, k->seq, k->pos);
      o += k->pos;
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
