/* The string functions of a template: fmt.Sprint and Sprintln (print, println), Go's escapers
 * (html, js, urlquery) and docker's case functions (title, lower, upper). */
#include <ctype.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "util/gotmpl_int.h"

/* fmt.Sprint (spaces between operands when neither is a string) or Sprintln. */
void gt_sprint(struct gbuf *b, json_t **a, size_t n, bool ln)
{
  gbuf_add(b, "", 0);
  for (size_t i = 0; i < n; i++) {
    if (i && (ln || (!json_is_string(a[i]) && !json_is_string(a[i - 1]))))
      gbuf_str(b, " ");
    gt_print(b, a[i], false);
  }
  if (ln)
    gbuf_str(b, "\n");
}

json_t *gt_escape(const char *fn, json_t **a, size_t n)
{
  struct gbuf s = {0}, b = {0};
  gt_sprint(&s, a, n, false);
  gbuf_add(&b, "", 0);
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.s[i];
    if (fn[0] == 'h') {
      const char *e = c == '"'    ? "&#34;"
                      : c == '\'' ? "&#39;"
                      : c == '&'  ? "&amp;"
                      : c == '<'  ? "&lt;"
                      : c == '>'  ? "&gt;"
                      : c == 0    ? "\xef\xbf\xbd"
                                  : NULL;
      e ? gbuf_str(&b, e) : gbuf_add(&b, s.s + i, 1);
    } else if (fn[0] == 'u') {
      if (isalnum(c) || strchr("-_.~", c))
        gbuf_add(&b, s.s + i, 1);
      else if (c == ' ')
        gbuf_str(&b, "+");
      else
        gbuf_fmt(&b, "%%%02X", c);
    } else {
      if (c == '\\' || c == '\'' || c == '"')
        gbuf_fmt(&b, "\\%c", c);
      else if (c < 0x20 || strchr("<>&=", c))
        gbuf_fmt(&b, "\\u%04X", c);
      else
        gbuf_add(&b, s.s + i, 1);
    }
  }
  json_t *r = json_stringn_nocheck(b.s, b.n);
  free(s.s);
  free(b.s);
  return r;
}

/* strings.ToUpper, ToLower or Title (mode 'u', 'l', 't') over UTF-8, with Unicode's cases. */
json_t *gt_recase(const char *s, size_t n, char mode)
{
  static locale_t loc;
  if (loc == (locale_t)0)
    loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  struct gbuf b = {0};
  gbuf_add(&b, "", 0);
  bool sep = true;
  for (size_t i = 0; i < n;) {
    size_t used = 1;
    long r = gt_first_rune((const unsigned char *)s + i, n - i, &used);
    if (r < 0 || r > 0x10FFFF || loc == (locale_t)0) { /* not UTF-8: the byte as it is */
      unsigned char c = (unsigned char)s[i];
      char o = (char)(mode == 'l' ? tolower(c) : mode == 'u' || sep ? toupper(c) : c);
      gbuf_add(&b, &o, 1);
      sep = !(isalnum(c) || c == '_');
      i++;
      continue;
    }
    wint_t w = (wint_t)r, o = w;
    if (mode == 'l')
      o = towlower_l(w, loc);
    else if (mode == 'u' || sep)
      o = towupper_l(w, loc);
    sep = r < 0x80 ? !(isalnum((int)r) || r == '_')
                   : !(iswalpha_l(w, loc) || iswdigit_l(w, loc)) && iswspace_l(w, loc);
    char u[4];
    unsigned long v = o;
    size_t k = v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4;
    for (size_t j = k; k > 1 && j-- > 1; v >>= 6)
      u[j] = (char)(0x80 | (v & 0x3F));
    u[0] = (char)(k == 1 ? v : (k == 2 ? 0xC0 : k == 3 ? 0xE0 : 0xF0) | v);
    gbuf_add(&b, u, k);
    i += used;
  }
  json_t *out = json_stringn_nocheck(b.s, b.n);
  free(b.s);
  return out;
}
