/* Internals of util/gotmpl: Go's text/template in four parts (lexer, parser, executor,
 * functions and printing), shared between util/gotmpl_*.c only. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/xalloc.h"

/* ---- a growing string ---- */
struct gbuf {
  char *s;
  size_t n, cap;
};
void gbuf_add(struct gbuf *b, const char *s, size_t n);
void gbuf_str(struct gbuf *b, const char *s);
void gbuf_fmt(struct gbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (never NULL), ownership to the caller. */
char *gbuf_take(struct gbuf *b);

/* ---- lexer ---- */
enum gt_tok {
  GT_EOF,
  GT_ERROR, /* text: the message */
  GT_TEXT,
  GT_LEFT,
  GT_RIGHT,
  GT_SPACE,
  GT_IDENT,
  GT_FIELD, /* ".Name" */
  GT_VAR,   /* "$x" or "$" */
  GT_DOT,
  GT_STRING, /* "..." (source form) */
  GT_RAW,    /* `...` */
  GT_CHARC,  /* 'a' */
  GT_NUMBER,
  GT_BOOL,
  GT_NIL,
  GT_PIPE,
  GT_LPAREN,
  GT_RPAREN,
  GT_DECLARE, /* := */
  GT_ASSIGN,  /* = */
  GT_CHAR,    /* any other printable ASCII (',' among them) */
  GT_KEYWORD, /* if else end range with template define block break continue */
};
struct gt_token {
  enum gt_tok kind;
  const char *s; /* into the source (GT_ERROR: a static or owned message) */
  size_t len;
  size_t pos;
  int line;
  char *owned; /* GT_ERROR: the message when formatted */
};
/* Lex the whole of src; the last token is GT_EOF or GT_ERROR. */
struct gt_token *gt_lex(const char *src, size_t *n);
void gt_tokens_free(struct gt_token *t, size_t n);
/* Go's strconv.Unquote of a "...", `...` or '...' literal into out; false when malformed. */
bool gt_unquote(const char *s, size_t n, struct gbuf *out);
/* The first rune of UTF-8 s and its length in *used; -1 when malformed. */
long gt_first_rune(const unsigned char *s, size_t n, size_t *used);

/* ---- parse tree ---- */
enum gt_kind {
  GN_LIST,
  GN_TEXT,
  GN_ACTION,
  GN_IF,
  GN_RANGE,
  GN_WITH,
  GN_TEMPLATE,
  GN_BREAK,
  GN_CONTINUE,
  GN_PIPE,
  GN_CMD,
  GN_FIELD, /* .A.B: idents */
  GN_VAR,   /* $x.A: idents[0] "$x" */
  GN_CHAIN, /* (pipe).A: kids[0] the term, idents the fields */
  GN_DOT,
  GN_NIL,
  GN_BOOL,
  GN_NUMBER, /* text: the source; is_float/ival/fval */
  GN_STRING, /* text: the value; src: the quoted form */
  GN_IDENT,  /* a function */
};
struct gt_node {
  enum gt_kind kind;
  size_t pos;
  int line;
  char *text;
  size_t text_len;
  char *src;
  char **idents;
  size_t nidents;
  struct gt_node **kids; /* LIST: nodes; PIPE: commands; CMD: args; CHAIN: the term */
  size_t nkids;
  struct gt_node **decl; /* PIPE: declared variables (GN_VAR) */
  size_t ndecl;
  bool is_assign, bval, is_float;
  long long ival;
  double fval;
  struct gt_node *pipe, *list, *else_list; /* IF/RANGE/WITH/ACTION/TEMPLATE */
};
void gt_node_free(struct gt_node *n);
/* A number or character constant token's value into n: 0, or 1 for a malformed character
 * constant, 2 for an illegal number, 3 for an integer overflow. */
int gt_number(struct gt_node *n, const struct gt_token *t);
/* Free one node but not its children. */
void gt_node_free_one(struct gt_node *n);
/* Go's String() of a node, for "executing ... at <...>". */
void gt_node_string(struct gbuf *b, const struct gt_node *n);

struct gotmpl {
  char *src;
  struct gt_node *root;
  char **names; /* {{define}}d templates */
  struct gt_node **defs;
  size_t ndefs;
};
/* Parse src into t (root and definitions); errors as Go's "template: :LINE: ...". */
int gt_parse(struct gotmpl *t, struct td_err **err);

/* ---- functions and printing ---- */
/* Print v as Go's fmt.Print does; top: a nil at the top is "<no value>" (text/template). */
void gt_print(struct gbuf *b, json_t *v, bool top);
/* Go's type name of v ("string", "int", "float64", "map[string]interface {}"...). */
const char *gt_type(json_t *v);
/* Go's truth of a value (false, 0, "", empty, nil are false). */
bool gt_truth(json_t *v);
/* Go's %v of a float64. */
void gt_float(struct gbuf *b, double f);
/* fmt.Sprintf with Go's verbs over args. */
void gt_sprintf(struct gbuf *b, const char *fmt, size_t fmtlen, json_t **args, size_t n);
/* encoding/json of v as docker's {{json}} writes it (SetEscapeHTML(false)). */
void gt_json(struct gbuf *b, json_t *v);
/* gt_json as Go's json.Marshal writes it: <, > and & as \u003c, \u003e, \u0026 */
void gt_json_html(struct gbuf *b, json_t *v);
/* The Go type of a function's parameter i: 's' string, 'i' int, 'a' []string, 0 any. */
char gt_param(const char *name, size_t i, bool header);
/* 0 when v fits parameter i of name, else the parameter's type (as gt_param). */
char gt_bad_arg(const char *name, size_t i, bool header, json_t *v);
/* An object's keys sorted, as Go prints and ranges over a map (free the array). */
const char **gt_sorted_keys(json_t *o, size_t *n);
/* Whether obj is a map of strings (labels, options): docker's typed map[string]string. */
bool gt_string_map(json_t *obj);
/* docker's header for {{.Label "com.example.some-name"}}: "some name". */
json_t *gt_header_label(const char *v);
/* The line (from 1) and column (from 0) of byte pos of src, as Go's ErrorContext. */
void gt_location(const char *src, size_t pos, size_t *line, size_t *col);
/* Whether name is a function (builtin or docker's). */
bool gt_has_func(const char *name);
/* Call function name (not and/or: those are lazy, done by the executor); header: docker's
 * header functions (json, split... return their argument). *out gets a new reference (or
 * NULL: no value); on error a message without position. */
int gt_call(const char *name, json_t **args, size_t n, bool header, json_t **out, char **errmsg);

/* The functions behind gt_call: each 0, or -1 with *msg Go's message (gt_fail's). */
/* *msg = fmt with a and b (its only two %s); returns -1. */
static inline int gt_fail(char **msg, const char *fmt, const char *a, const char *b)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  *msg = xasprintf(fmt, a, b);
#pragma GCC diagnostic pop
  return -1;
}
/* lt..ge: *cmp -1/0/1 (the message names "lt:"; the caller puts its own name there). */
int gt_compare(json_t *a, json_t *b, int *cmp, char **msg);
/* eq: *out whether a equals any of bs[0..n). */
int gt_equal(json_t *a, json_t **bs, size_t n, bool *out, char **msg);
/* index a[0] by a[1..n); slice a[0] by up to three indexes a[1..n). */
int gt_index(json_t **a, size_t n, json_t **out, char **msg);
int gt_slice(json_t **a, size_t n, json_t **out, char **msg);
/* fmt.Sprint of a[0..n) into b (ln: Sprintln). */
void gt_sprint(struct gbuf *b, json_t **a, size_t n, bool ln);
/* html, js or urlquery (by fn's first letter) of the Sprint of a[0..n). */
json_t *gt_escape(const char *fn, json_t **a, size_t n);
/* strings.ToUpper, ToLower or Title (mode 'u', 'l', 't') of s[0..n). */
json_t *gt_recase(const char *s, size_t n, char mode);

/* ---- executor ---- */
struct gotmpl_opts;
/* nesting of actions and template calls: Go allows 100000 template calls; C's stack less */
#define GT_MAX_DEPTH 5000

struct gt_var {
  const char *name;
  json_t *v;
};

/* One run of a template: gotmpl_exec.c walks the tree, gotmpl_eval.c evaluates pipelines,
 * gotmpl_state.c keeps the variables and the error. */
struct gt_state {
  const struct gotmpl *t;
  const struct gotmpl_opts *o;
  const char *(*header)(const char *field);
  bool header_mode;
  const char *tname;
  struct gbuf *out;
  struct gt_var *vars;
  size_t nv, cap;
  const struct gt_node *at;
  char *err;
  int depth, brk; /* brk: 1 {{break}}, 2 {{continue}} */
  json_t *root;
};
/* Go's error at s->at (or the template's name), kept in s->err (the first one wins); -1. */
int gt_xerr(struct gt_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Declare a variable (a new reference to v); the innermost of a name. */
void gt_var_push(struct gt_state *s, const char *name, json_t *v);
struct gt_var *gt_var_find(struct gt_state *s, const char *name);
/* Evaluate a pipeline (its declarations pushed) into *out, a new reference or NULL. */
int gt_eval_pipeline(struct gt_state *s, json_t *dot, const struct gt_node *pipe, json_t **out);
/* Run t over data; header_mode: docker's header row (fields of the data give header(field)).
 * *out always gets what was written; on error -1 and *err the message. */
int gt_exec(const struct gotmpl *t, json_t *data, const struct gotmpl_opts *o,
            const char *(*header)(const char *), bool header_mode, char **out, char **err);
