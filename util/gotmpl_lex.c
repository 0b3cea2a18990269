/* Go's text/template lexer (text/template/parse/lex.go): the whole input into tokens, with
 * the "{{- " and " -}}" trim markers applied to the text around them and comments dropped. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/gotmpl_int.h"
#include "util/xalloc.h"

void gbuf_add(struct gbuf *b, const char *s, size_t n)
{
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->s = xrealloc(b->s, b->cap);
  }
  if (n)
    memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

void gbuf_str(struct gbuf *b, const char *s)
{
  gbuf_add(b, s, strlen(s));
}

void gbuf_fmt(struct gbuf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  gbuf_add(b, s, strlen(s));
  free(s);
}

char *gbuf_take(struct gbuf *b)
{
  gbuf_add(b, "", 0);
  char *s = b->s;
  *b = (struct gbuf){0};
  return s;
}

struct lexer {
  const char *in;
  size_t len, pos, start;
  int paren;
  struct gt_token *toks;
  size_t n, cap;
  size_t line_pos; /* lines counted up to here */
  int line;
};

static bool is_space(int c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(int c)
{
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c >= 0x80;
}

static int peek(struct lexer *l)
{
  return l->pos < l->len ? (unsigned char)l->in[l->pos] : -1;
}

static int line_at(struct lexer *l, size_t pos)
{
  for (; l->line_pos < pos; l->line_pos++)
    if (l->in[l->line_pos] == '\n')
      l->line++;
  return l->line;
}

static void emit_at(struct lexer *l, enum gt_tok kind, size_t start, size_t end)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    l->toks = xrealloc(l->toks, l->cap * sizeof(*l->toks));
  }
  l->toks[l->n++] =
      (struct gt_token){kind, l->in + start, end - start, start, line_at(l, start), NULL};
}

static void emit(struct lexer *l, enum gt_tok kind)
{
  emit_at(l, kind, l->start, l->pos);
  l->start = l->pos;
}

static bool lerror(struct lexer *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool lerror(struct lexer *l, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  emit_at(l, GT_ERROR, l->start, l->start);
  l->toks[l->n - 1].owned = s;
  l->toks[l->n - 1].s = s;
  l->toks[l->n - 1].len = strlen(s);
  return false;
}

static bool has_left_trim(const char *s, size_t n)
{
  return n >= 2 && s[0] == '-' && is_space((unsigned char)s[1]);
}

static bool has_right_trim(const char *s, size_t n)
{
  return n >= 2 && is_space((unsigned char)s[0]) && s[1] == '-';
}

/* At "}}" (delim) or " -}}" (delim and trim). */
static bool at_right(struct lexer *l, bool *trim)
{
  const char *s = l->in + l->pos;
  size_t n = l->len - l->pos;
  *trim = has_right_trim(s, n) && n >= 4 && strncmp(s + 2, "}}", 2) == 0;
  return *trim || (n >= 2 && strncmp(s, "}}", 2) == 0);
}

static void skip_space_after(struct lexer *l)
{
  while (l->pos < l->len && is_space((unsigned char)l->in[l->pos]))
    l->pos++;
  l->start = l->pos;
}

static bool at_terminator(struct lexer *l)
{
  int r = peek(l);
  return is_space(r) || r == -1 || r == '.' || r == ',' || r == '|' || r == ':' || r == ')' ||
         r == '(' || (r == '}' && l->pos + 1 < l->len && l->in[l->pos + 1] == '}');
}

static void char_desc(char *buf, size_t n, int r)
{
  if (r >= 0x20 && r < 0x7f)
    snprintf(buf, n, "U+%04X '%c'", (unsigned)r, r);
  else
    snprintf(buf, n, "U+%04X", (unsigned)(r < 0 ? 0xFFFD : r));
}

static bool bad_char(struct lexer *l, int r)
{
  char d[32];
  char_desc(d, sizeof(d), r);
  return lerror(l, "bad character %s", d);
}

static bool lex_word(struct lexer *l, enum gt_tok kind)
{
  static const char *const keywords[] = {"block", "break", "continue", "define",   "else",
                                         "end",   "if",    "range",    "template", "with"};
  while (is_alnum(peek(l)))
    l->pos++;
  if (!at_terminator(l))
    return bad_char(l, peek(l));
  const char *w = l->in + l->start;
  size_t n = l->pos - l->start;
  if (kind == GT_IDENT) {
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
      if (strlen(keywords[i]) == n && strncmp(w, keywords[i], n) == 0)
        kind = GT_KEYWORD;
    if ((n == 4 && strncmp(w, "true", 4) == 0) || (n == 5 && strncmp(w, "false", 5) == 0))
      kind = GT_BOOL;
    if (n == 3 && strncmp(w, "nil", 3) == 0)
      kind = GT_NIL;
  } else if (n == 1) {
    kind = kind == GT_FIELD ? GT_DOT : GT_VAR;
  }
  emit(l, kind);
  return true;
}

static bool lex_quote(struct lexer *l, char q, enum gt_tok kind)
{
  for (;;) {
    int c = peek(l);
    l->pos += c >= 0;
    if (c == '\\' && q != '`') {
      c = peek(l);
      l->pos += c >= 0;
      if (c != -1 && c != '\n')
        continue;
    }
    if (c == -1 || (c == '\n' && q != '`'))
      return lerror(l, q == '"'   ? "unterminated quoted string"
                       : q == '`' ? "unterminated raw quoted string"
                                  : "unterminated character constant");
    if (c == q)
      break;
  }
  emit(l, kind);
  return true;
}

static bool accept(struct lexer *l, const char *set)
{
  int c = peek(l);
  if (c > 0 && strchr(set, c)) {
    l->pos++;
    return true;
  }
  return false;
}

static bool lex_number(struct lexer *l)
{
  accept(l, "+-");
  const char *digits = "0123456789_";
  if (accept(l, "0")) {
    if (accept(l, "xX"))
      digits = "0123456789abcdefABCDEF_";
    else if (accept(l, "oO"))
      digits = "01234567_";
    else if (accept(l, "bB"))
      digits = "01_";
  }
  while (accept(l, digits))
    ;
  if (accept(l, "."))
    while (accept(l, digits))
      ;
  if (strlen(digits) == 11 && accept(l, "eE")) {
    accept(l, "+-");
    while (accept(l, "0123456789_"))
      ;
  }
  if (strlen(digits) == 23 && accept(l, "pP")) {
    accept(l, "+-");
    while (accept(l, "0123456789_"))
      ;
  }
  accept(l, "i");
  if (is_alnum(peek(l))) {
    l->pos++;
    return lerror(l, "bad number syntax: \"%.*s\"", (int)(l->pos - l->start), l->in + l->start);
  }
  emit(l, GT_NUMBER);
  return true;
}

/* Inside {{ }}: tokens up to the right delimiter. */
static bool lex_action(struct lexer *l)
{
  for (;;) {
    bool trim;
    if (at_right(l, &trim)) {
      if (l->paren > 0)
        return lerror(l, "unclosed left paren");
      if (trim)
        l->pos += 2;
      l->start = l->pos;
      l->pos += 2;
      emit(l, GT_RIGHT);
      if (trim)
        skip_space_after(l);
      return true;
    }
    int r = peek(l);
    if (r == -1)
      return lerror(l, "unclosed action");
    l->pos++;
    if (is_space(r)) {
      size_t nsp = 1;
      while (is_space(peek(l))) {
        l->pos++;
        nsp++;
      }
      size_t rest = l->len - (l->pos - 1);
      if (has_right_trim(l->in + l->pos - 1, rest) && rest >= 4 &&
          strncmp(l->in + l->pos + 1, "}}", 2) == 0) {
        l->pos--;
        if (nsp == 1) {
          continue;
        }
      }
      emit(l, GT_SPACE);
    } else if (r == '=') {
      emit(l, GT_ASSIGN);
    } else if (r == ':') {
      if (peek(l) != '=')
        return lerror(l, "expected :=");
      l->pos++;
      emit(l, GT_DECLARE);
    } else if (r == '|') {
      emit(l, GT_PIPE);
    } else if (r == '"' || r == '`' || r == '\'') {
      if (!lex_quote(l, (char)r, r == '"' ? GT_STRING : r == '`' ? GT_RAW : GT_CHARC))
        return false;
    } else if (r == '$') {
      if (!lex_word(l, GT_VAR))
        return false;
    } else if (r == '.' && !(peek(l) >= '0' && peek(l) <= '9')) {
      if (!lex_word(l, GT_FIELD))
        return false;
    } else if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      l->pos--;
      if (!lex_number(l))
        return false;
    } else if (is_alnum(r)) {
      if (!lex_word(l, GT_IDENT))
        return false;
    } else if (r == '(') {
      emit(l, GT_LPAREN);
      l->paren++;
    } else if (r == ')') {
      emit(l, GT_RPAREN); /* Go 1.19: the parser meets the ")" before the lexer's error */
      if (--l->paren < 0)
        return lerror(l, "unexpected right paren U+0029 ')'");
    } else if (r >= 0x20 && r < 0x7f) {
      emit(l, GT_CHAR);
    } else {
      char d[32];
      char_desc(d, sizeof(d), r);
      return lerror(l, "unrecognized character in action: %s", d);
    }
  }
}

struct gt_token *gt_lex(const char *src, size_t *n)
{
  struct lexer l = {.in = src, .len = strlen(src), .line = 1};
  for (;;) {
    const char *open = strstr(l.in + l.pos, "{{");
    if (open == NULL) {
      l.pos = l.len;
      if (l.pos > l.start)
        emit(&l, GT_TEXT);
      emit(&l, GT_EOF);
      break;
    }
    size_t at = (size_t)(open - l.in), after = at + 2;
    bool trim = has_left_trim(l.in + after, l.len - after);
    size_t end = at;
    if (trim)
      while (end > l.start && is_space((unsigned char)l.in[end - 1]))
        end--;
    if (end > l.start)
      emit_at(&l, GT_TEXT, l.start, end);
    l.start = at;
    l.pos = after;
    if (trim)
      l.pos += 2;
    if (strncmp(l.in + l.pos, "/*", 2) == 0) {
      const char *close = strstr(l.in + l.pos + 2, "*/");
      if (close == NULL) {
        lerror(&l, "unclosed comment");
        break;
      }
      l.pos = (size_t)(close - l.in) + 2;
      bool rtrim;
      if (!at_right(&l, &rtrim)) {
        lerror(&l, "comment ends before closing delimiter");
        break;
      }
      l.pos += rtrim ? 4 : 2;
      l.start = l.pos;
      if (rtrim)
        skip_space_after(&l);
      continue;
    }
    emit_at(&l, GT_LEFT, at, after);
    l.start = l.pos;
    l.paren = 0;
    if (!lex_action(&l))
      break;
  }
  *n = l.n;
  return l.toks;
}

void gt_tokens_free(struct gt_token *t, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(t[i].owned);
  free(t);
}

/* Go's strconv.Unquote of a "...", `...` or '...' literal; false when malformed. */
bool gt_unquote(const char *s, size_t n, struct gbuf *out)
{
  char q = s[0];
  if (n < 2 || s[n - 1] != q)
    return false;
  gbuf_add(out, "", 0);
  if (q == '`') {
    for (size_t i = 1; i + 1 < n; i++)
      if (s[i] != '\r')
        gbuf_add(out, s + i, 1);
    return true;
  }
  for (size_t i = 1; i + 1 < n;) {
    if (s[i] != '\\') {
      if (s[i] == q)
        return false;
      gbuf_add(out, s + i++, 1);
      continue;
    }
    if (i + 2 >= n)
      return false;
    char c = s[i + 1], ch;
    i += 2;
    unsigned long v = 0;
    int digits = 0;
    switch (c) {
    case 'a':
      ch = '\a';
      break;
    case 'b':
      ch = '\b';
      break;
    case 'f':
      ch = '\f';
      break;
    case 'n':
      ch = '\n';
      break;
    case 'r':
      ch = '\r';
      break;
    case 't':
      ch = '\t';
      break;
    case 'v':
      ch = '\v';
      break;
    case '\\':
      ch = '\\';
      break;
    case '\'':
    case '"':
      if (c != q)
        return false;
      ch = c;
      break;
    case 'x':
      digits = 2;
      break;
    case 'u':
      digits = 4;
      break;
    case 'U':
      digits = 8;
      break;
    default:
      if (c < '0' || c > '7')
        return false;
      digits = -3;
      i--;
      break;
    }
    if (digits == 0) {
      gbuf_add(out, &ch, 1);
      continue;
    }
    int nd = digits < 0 ? 3 : digits, base = digits < 0 ? 8 : 16;
    for (int k = 0; k < nd; k++, i++) {
      if (i + 1 >= n || !isxdigit((unsigned char)s[i]) || (base == 8 && s[i] > '7'))
        return false;
      v = v * (unsigned long)base +
          (unsigned long)(isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower(s[i]) - 'a' + 10));
    }
    if (digits == 2 || digits < 0) {
      if (v > 255)
        return false;
      ch = (char)v;
      gbuf_add(out, &ch, 1);
    } else {
      if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
        return false;
      char u[4];
      size_t un = v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4;
      if (un == 1)
        u[0] = (char)v;
      else if (un == 2)
        u[0] = (char)(0xC0 | (v >> 6)), u[1] = (char)(0x80 | (v & 0x3F));
      else if (un == 3)
        u[0] = (char)(0xE0 | (v >> 12)), u[1] = (char)(0x80 | ((v >> 6) & 0x3F)),
        u[2] = (char)(0x80 | (v & 0x3F));
      else
        u[0] = (char)(0xF0 | (v >> 18)), u[1] = (char)(0x80 | ((v >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((v >> 6) & 0x3F)), u[3] = (char)(0x80 | (v & 0x3F));
      gbuf_add(out, u, un);
    }
  }
  return true;
}

/* The first rune of a UTF-8 string (for char constants). */
long gt_first_rune(const unsigned char *s, size_t n, size_t *used)
{
  if (n == 0)
    return -1;
  size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : 4;
  if (len > n)
    return -1;
  long r = len == 1 ? s[0] : s[0] & (0x3F >> (len - 1));
  for (size_t i = 1; i < len; i++)
    r = (r << 6) | (s[i] & 0x3F);
  *used = len;
  return r;
}

/* A number or character constant's value (Go's parse.newNumber and exec's idealConstant): 0,
 * or 1 for a malformed character constant, 2 for an illegal number. */
int gt_number(struct gt_node *n, const struct gt_token *t)
{
  n->src = xstrndup(t->s, t->len);
  if (t->kind == GT_CHARC) {
    struct gbuf b = {0};
    size_t used = 0;
    long r = -1;
    if (gt_unquote(t->s, t->len, &b))
      r = gt_first_rune((const unsigned char *)b.s, b.n, &used);
    bool ok = r >= 0 && used == b.n;
    free(b.s);
    n->ival = r;
    return ok ? 0 : 1;
  }
  char s[128];
  if (strlen(n->src) >= sizeof(s))
    return 2;
  strcpy(s, n->src);
  char *w = s;
  for (char *r = s; *r; r++)
    if (*r != '_')
      *w++ = *r;
  *w = '\0';
  bool hex = strncasecmp(s + (s[0] == '+' || s[0] == '-'), "0x", 2) == 0;
  bool floaty = !hex && strpbrk(s, ".eEpP") != NULL;
  const char *d = s + (s[0] == '+' || s[0] == '-');
  char *end = NULL;
  errno = 0;
  if (!floaty && d[0] == '0' && (d[1] == 'o' || d[1] == 'O' || d[1] == 'b' || d[1] == 'B')) {
    unsigned long long v = strtoull(d + 2, &end, d[1] == 'b' || d[1] == 'B' ? 2 : 8);
    n->ival = s[0] == '-' ? -(long long)v : (long long)v;
    if (*end == '\0' && end != d + 2 && errno == 0)
      return 0;
  } else if (!floaty) {
    n->ival = strtoll(s, &end, 0);
    if (*end == '\0' && errno == 0 && end != s)
      return 0;
    if (errno == ERANGE && *end == '\0')
      return 3; /* "integer overflow" */
  }
  if (s[strlen(s) - 1] != 'i') {
    errno = 0;
    n->fval = strtod(s, &end);
    if (*end == '\0' && end != s) {
      n->is_float = true;
      return 0;
    }
  }
  return 2;
}
