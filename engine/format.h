/* A small subset of Go templates, as docker's --format takes them, rendered against JSON:
 * {{.Field}}, nested {{.State.Pid}}, {{.}}, {{json .X}}, {{upper .X}}, {{lower .X}},
 * {{index .X "key"}}, {{join .X ","}}, {{range .X}}..{{end}}, {{if .X}}..{{else}}..{{end}};
 * "\t" and "\n" escapes; a leading "table " asks for a header row. */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "util/err.h"

/* Render tmpl against data into a new string (no trailing newline added). */
int eng_format(const char *tmpl, json_t *data, char **out, struct td_err **err);
/* A parsed template, to render many rows (ps) without parsing it for each. */
struct eng_tmpl;
/* Parse tmpl (the "table" prefix is skipped). */
int eng_tmpl_parse(const char *tmpl, struct eng_tmpl **out, struct td_err **err);
/* Render a parsed template against data into a new string. */
int eng_tmpl_render(const struct eng_tmpl *t, json_t *data, char **out, struct td_err **err);
/* Free a parsed template (NULL is fine). */
void eng_tmpl_free(struct eng_tmpl *t);
/* Whether tmpl starts with "table". */
bool eng_format_is_table(const char *tmpl);
/* The template without the "table" prefix (pointer into tmpl). */
const char *eng_format_body(const char *tmpl);
/* The header row of a table template: each {{.Field}} replaced by header(Field) (or the
 * upper-cased field name when header returns NULL). */
char *eng_format_header(const char *tmpl, const char *(*header)(const char *field));
/* Go's default printing of a JSON value ("map[a:1]", "[x y]", "<nil>"). */
char *eng_format_value(json_t *v);
