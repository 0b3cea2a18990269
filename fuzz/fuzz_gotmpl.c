/* libFuzzer target for util/gotmpl (Go's text/template for --format): the input is a template,
 * optionally followed by a NUL and JSON data. It is parsed as inspect and as docker's formatter
 * do and run over the data (or a fixed document) as a map, as a typed row with the Label
 * method, and as a table header; the rows go through the tabwriter. Properties: no crash,
 * leak or sanitizer report; a failure always has a message, a success always an output. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *header(const char *field)
{
  return strcmp(field, "ID") == 0 ? "CONTAINER ID" : NULL;
}

static void run(const struct gotmpl *t, json_t *doc, const struct gotmpl_opts *o, FILE *sink)
{
  char *out = NULL;
  struct td_err *err = NULL;
  int rc = o ? gotmpl_exec_opts(t, doc, o, &out, &err) : gotmpl_exec(t, doc, &out, &err);
  if (rc == 0 && out == NULL)
    abort(); /* a success has an output */
  if (rc < 0 && (err == NULL || err_text(err)[0] == '\0'))
    abort(); /* a failure has a message */
  char *head = gotmpl_exec_header(t, header);
  char *lines[] = {head, out ? out : "", NULL};
  gotmpl_tabwrite(sink, lines, 10);
  free(head);
  free(out);
  err_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *nul = memchr(data, '\0', size);
  char *tmpl = xstrndup((const char *)data, nul ? (size_t)(nul - (const char *)data) : size);
  json_t *doc = NULL;
  if (nul)
    doc = json_loadb(nul + 1, size - (size_t)(nul + 1 - (const char *)data), JSON_DECODE_ANY, NULL);
  if (doc == NULL)
    doc = json_pack("{s:s,s:b,s:i,s:f,s:n,s:[s,s],s:{s:s},s:{s:{s:s}}}", "Name", "web", "Running",
                    0, "Pid", 42, "Ratio", 0.5, "Null", "Args", "a", "b", "Labels", "k", "v",
                    "Containers", "c1", "Name", "one");
  json_t *labels = json_pack("{s:s}", "k", "v");
  struct gotmpl_opts typed = {
      .type = "*formatter.ContainerContext", .method = gotmpl_label_method, .ud = labels};
  FILE *sink = fopen("/dev/null", "w");
  struct gotmpl *t = NULL;
  struct td_err *err = NULL;
  if (gotmpl_parse(tmpl, &t, &err) == 0) {
    run(t, doc, NULL, sink);
    gotmpl_free(t);
  } else if (err == NULL) {
    abort();
  }
  err_free(&err);
  t = NULL;
  if (gotmpl_parse_format(tmpl, &t, &err) == 0) {
    run(t, doc, &typed, sink);
    gotmpl_free(t);
  }
  err_free(&err);
  char *v = gotmpl_value(doc);
  free(v);
  if (sink)
    fclose(sink);
  json_decref(labels);
  json_decref(doc);
  free(tmpl);
  return 0;
}
