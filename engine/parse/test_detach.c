/* Unit tests of --detach-keys parsing and the input scanner. */
#include <string.h>

#include "engine/parse/parse.h"
#include "tests/tap.h"
#include "util/cleanup.h"

static bool parses(const char *spec, const char *want, size_t wlen)
{
  struct detach_keys k;
  autoerr struct td_err *e = NULL;
  return detach_keys_parse(spec, &k, &e) == 0 && k.len == wlen && memcmp(k.seq, want, wlen) == 0;
}

static bool refused(const char *spec)
{
  struct detach_keys k;
  autoerr struct td_err *e = NULL;
  return detach_keys_parse(spec, &k, &e) < 0 && e && strchr(e->msg, '\n') == NULL;
}

/* Feed chunks separated by '|' through one scanner; out gets what passed, returns detached. */
static bool feed(const char *spec, const char *chunks, char *out)
{
  struct detach_keys k;
  autoerr struct td_err *e = NULL;
  detach_keys_parse(spec, &k, &e);
  size_t at = 0;
  const char *s = chunks;
  for (;;) {
    const char *bar = strchr(s, '|');
    size_t n = bar ? (size_t)(bar - s) : strlen(s);
    size_t got = 0;
    bool d = detach_keys_scan(&k, s, n, out + at, &got);
    at += got;
    out[at] = '\0';
    if (d)
      return true;
    if (bar == NULL)
      return false;
    s = bar + 1;
  }
}

int main(void)
{
  TAP_OK(parses(NULL, "\x10\x11", 2), "default is ctrl-p,ctrl-q");
  TAP_OK(parses("", "\x10\x11", 2), "empty is the default");
  TAP_OK(parses("ctrl-a", "\x01", 1), "ctrl-a");
  TAP_OK(parses("ctrl-@,ctrl-_,ctrl-[", "\x00\x1f\x1b", 3), "ctrl-@ ctrl-_ ctrl-[");
  TAP_OK(parses("ctrl-x,a,Z,,", "", 0) == false, "empty key refused");
  TAP_OK(parses("x,ctrl-y", "x\x19", 2), "a letter then a control key");
  TAP_OK(refused("ctrl-zz"), "ctrl-zz refused");
  TAP_OK(refused("ctrl-A"), "ctrl-A refused (docker's names are lower case)");
  TAP_OK(refused("ab"), "a two-letter key refused");
  TAP_OK(refused("ctrl-p,"), "a trailing comma refused");
  TAP_OK(refused("a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a"), "more than 16 keys refused");
  char out[256];
  TAP_OK(feed(NULL, "ab\x10\x11zz", out) && strcmp(out, "ab") == 0,
         "sequence in one chunk: bytes before pass, detached");
  TAP_OK(feed(NULL, "ab\x10|\x11", out) && strcmp(out, "ab") == 0, "sequence split over chunks");
  TAP_OK(!feed(NULL, "\x10|x", out) && strcmp(out, "\x10x") == 0,
         "a partial sequence then another byte passes both");
  TAP_OK(feed(NULL, "\x10\x10\x11", out) && strcmp(out, "\x10") == 0,
         "ctrl-p ctrl-p ctrl-q detaches, the first ctrl-p passes");
  TAP_OK(!feed(NULL, "\x11\x10", out) && strcmp(out, "\x11") == 0,
         "a held ctrl-p at the end is not passed yet");
  TAP_OK(feed("ctrl-a", "x\x01y", out) && strcmp(out, "x") == 0, "one-key sequence");
  TAP_OK(feed("q,u,i,t", "aqu|qui|t", out) && strcmp(out, "aqu") == 0, "letters as keys");
  struct detach_keys k, back;
  autoerr struct td_err *e = NULL;
  char wire[32];
  detach_keys_parse("ctrl-@,x", &k, &e);
  detach_keys_to_wire(&k, wire);
  detach_keys_from_wire(&back, wire);
  TAP_OK(back.len == 2 && back.seq[0] == 0 && back.seq[1] == 'x' && back.pos == 0,
         "wire round trip keeps a NUL key");
  wire[0] = 17;
  detach_keys_from_wire(&back, wire);
  TAP_OK(back.len == 0, "a bad wire length gives no keys");
  detach_keys_from_wire(&back, NULL);
  TAP_OK(back.len == 0, "no text: no keys");
  return TAP_DONE();
}
