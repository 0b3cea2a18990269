/* A small subset of Go templates, as docker's --format takes them, rendered against JSON:
 * {{.Field}}, nested {{.State.Pid}}, {{.}}, {{json .X}}, {{upper .X}}, {{lower .X}},
 * {{index .X "key"}}, {{join .X ","}}, {{range .X}}..{{end}}, {{if .X}}..{{else}}..{{end}};
 * "\t" and "\n" escapes; a leading "table " asks for a header row. */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "util/err.h"

/* Render tmpl against data into a new string (no trailing newline added). */
int gotmpl_render(const char *tmpl, json_t *data, char **out, struct td_err **err);
/* A parsed template, to render many rows (ps) without parsing it for each. */
struct gotmpl;
/* Parse tmpl (the "table" prefix is skipped). */
int gotmpl_parse(const char *tmpl, struct gotmpl **out, struct td_err **err);
/* Render a parsed template against data into a new string. */
int gotmpl_exec(const struct gotmpl *t, json_t *data, char **out, struct td_err **err);
/* Free a parsed template (NULL is fine). */
void gotmpl_free(struct gotmpl *t);
/* Whether tmpl starts with "table". */
bool gotmpl_is_table(const char *tmpl);
/* The template without the "table" prefix (pointer into tmpl). */
const char *gotmpl_body(const char *tmpl);
/* The header row of a table template: each {{.Field}} replaced by header(Field) (or the
 * upper-cased field name when header returns NULL). */
char *gotmpl_header(const char *tmpl, const char *(*header)(const char *field));
/* Go's default printing of a JSON value ("map[a:1]", "[x y]", "<nil>"). */
char *gotmpl_value(json_t *v);
