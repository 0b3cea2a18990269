/* --detach-keys: docker's key list to bytes, and the byte scanner for attached input. */
#include <string.h>

#include "engine/parse/parse.h"

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
