/* Go's text/template as docker's --format takes it, rendered against JSON data: fields and
 * methods, variables, pipelines, parentheses, if/else if/with/range (with else, break,
 * continue), define/template/block, comments and trim markers; Go's builtins (and or not len
 * index slice print printf println eq ne lt le gt ge html js urlquery) and docker's (json
 * split join title lower upper pad truncate); values printed as Go prints them, and Go's
 * errors, prefixed with docker's "template parsing error: ". docker's formatter (ps, images,
 * ls...) takes "table" and the \t \n escapes (gotmpl_parse_format); inspect does not
 * (gotmpl_parse). Internals: util/gotmpl_int.h. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "util/err.h"
#include "util/gotmpl_opts.h"

/* A parsed template, to render many rows without parsing it for each. */
struct gotmpl;

/* docker's {{.Label "k"}} method of ps, network ls and volume ls rows, for gotmpl_opts.method:
 * ud is the object's labels (a JSON object or NULL); a missing label is "". */
int gotmpl_label_method(void *ud, json_t *recv, const char *name, json_t **args, size_t nargs,
                        json_t **out, char **err);

/* docker's inspect -f over objects one at a time (its cli/command/inspect): each object's line
 * on stdout, a failing object's error on stderr as docker prints it (no program name), and an
 * empty line at the end when nothing was printed (docker's Flush). */
struct gotmpl_inspect {
  struct gotmpl *t;
  int printed, failed;
  char *errors; /* printed after stdout, as docker's CLI does */
};
/* Parse fmt; on an error print it and return docker's exit code for it (64), else 0. */
int gotmpl_inspect_begin(struct gotmpl_inspect *in, const char *fmt);
void gotmpl_inspect_one(struct gotmpl_inspect *in, json_t *obj);
/* As docker's TemplateInspector: the template over typed (the document as docker's Go type,
 * cli_docker_typed_view), and when that fails over raw (the JSON as it is, missingkey=error),
 * whose output or error is the object's. raw NULL: gotmpl_inspect_one. */
void gotmpl_inspect_typed(struct gotmpl_inspect *in, json_t *typed, json_t *raw);
/* The exit code for the objects (1 when one failed) after the empty line if due; frees. */
int gotmpl_inspect_end(struct gotmpl_inspect *in);

/* The Go error of a gotmpl error (its text without "template parsing error: "). */
const char *gotmpl_go_error(struct td_err *err);

/* Parse text as Go does (inspect, version, info). */
int gotmpl_parse(const char *text, struct gotmpl **out, struct td_err **err);
/* Parse a formatter's --format as docker does: a "table" prefix dropped, spaces trimmed at
 * both ends, the two-character escapes \t and \n made a tab and a newline. */
int gotmpl_parse_format(const char *fmt, struct gotmpl **out, struct td_err **err);
/* Render a parsed template against data into a new string (no newline added). */
int gotmpl_exec(const struct gotmpl *t, json_t *data, char **out, struct td_err **err);
int gotmpl_exec_opts(const struct gotmpl *t, json_t *data, const struct gotmpl_opts *o, char **out,
                     struct td_err **err);
/* docker's table header: t run over a map of header(field) with docker's header functions
 * (json, split, join, title, lower, upper, truncate leave a column's name as it is); what
 * was written before an error is kept, as docker does. header NULL: the upper-cased field. */
char *gotmpl_exec_header(const struct gotmpl *t, const char *(*header)(const char *field));
/* Free a parsed template (NULL is fine). */
void gotmpl_free(struct gotmpl *t);
/* Parse (gotmpl_parse) and render. */
int gotmpl_render(const char *tmpl, json_t *data, char **out, struct td_err **err);
/* Parse as a formatter (gotmpl_parse_format) and render. */
int gotmpl_render_format(const char *fmt, json_t *data, char **out, struct td_err **err);
/* Whether a --format is a table (docker: it starts with "table"). */
bool gotmpl_is_table(const char *tmpl);
/* The template without the "table" prefix (pointer into tmpl). */
const char *gotmpl_body(const char *tmpl);
/* The header row of a formatter's --format (gotmpl_parse_format, gotmpl_exec_header). */
char *gotmpl_header(const char *tmpl, const char *(*header)(const char *field));
/* Go's printing of a value as {{.}} prints it ("map[a:1]", "[x y]", "<no value>"). */
char *gotmpl_value(json_t *v);
/* Print lines of '\t'-separated cells aligned as Go's text/tabwriter does with docker's
 * settings (minwidth, tabwidth 1, padding 3, ' '): docker's tables use minwidth 10. */
void gotmpl_tabwrite(FILE *f, char *const *lines, size_t minwidth);
