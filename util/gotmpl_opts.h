/* What a caller hands a run of util/gotmpl besides the template and the data: the run's
 * options, and the member by which the data marks the fields that `json` leaves out. Part of
 * util/gotmpl.h (include that); apart so that the executor takes it without the public face. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct gotmpl_opts {
  /* The Go type docker gives the data, for "can't evaluate field X in type T" on a missing
   * field of the top object (ps rows: "*formatter.ContainerContext"); NULL: a map, whose
   * missing keys are "map has no entry for key". */
  const char *type;
  /* Missing keys give no value instead of an error (Go's default missingkey). */
  bool missing_zero;
  /* docker's inspect fallback over the raw JSON (missingkey=error): a missing key of any map is
   * an error, a map of strings too (otherwise taken for a typed map[string]string). */
  bool raw;
  /* Methods of the data ({{.Label "k"}}): 1 and *out (a new reference or NULL) when name is
   * one of recv's, 0 when not, -1 and *err (allocated) on an error. */
  int (*method)(void *ud, json_t *recv, const char *name, json_t **args, size_t nargs, json_t **out,
                char **err);
  void *ud;
};

/* An object's member of this name lists (a JSON array of names) the members a template may read
 * but `json` leaves out: the zero values of a Go type's omitempty fields that the document
 * lacks (cli/docker_types.c). `json` leaves this member out too. */
#define GOTMPL_OMIT_KEY "\x1fomitempty"
