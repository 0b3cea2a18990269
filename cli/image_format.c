/* --format for the image, volume and network commands: inspect's template (gotmpl_parse: text
 * as Go parses it) and docker's formatter for the ls commands (gotmpl_parse_format: "table",
 * the \t and \n escapes, a header row and tabwriter's columns). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/format_rows.h"
#include "util/cleanup.h"
#include "util/gotmpl.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* docker prints a template's error as it is (no program name) and exits 1 */
static int template_fail(struct td_err *err)
{
  fprintf(stderr, "%s\n", err_text(err));
  return 1;
}

int cli_format_rows(const char *fmt, json_t *rows, json_t *labels,
                    const char *(*header)(const char *field), const char *type)
{
  struct gotmpl *t = NULL;
  autoerr struct td_err *err = NULL;
  if (gotmpl_parse_format(fmt, &t, &err) < 0)
    return template_fail(err);
  struct gotmpl_opts o = {.type = type, .method = labels ? gotmpl_label_method : NULL};
  bool table = gotmpl_is_table(fmt);
  autostrv char **lines = xcalloc(json_array_size(rows) + 2, sizeof(char *));
  size_t k = 0;
  if (table)
    lines[k++] = gotmpl_exec_header(t, header);
  size_t i;
  json_t *row;
  json_array_foreach (rows, i, row) {
    o.ud = json_array_get(labels, i);
    if (gotmpl_exec_opts(t, row, &o, &lines[k++], &err) < 0) {
      gotmpl_free(t);
      return template_fail(err);
    }
  }
  gotmpl_free(t);
  if (table)
    gotmpl_tabwrite(stdout, lines, 10);
  else
    for (char **l = lines; *l; l++)
      printf("%s\n", *l);
  return 0;
}
