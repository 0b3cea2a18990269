/* Internal to runtime/spec: JSON path tracking for error messages and typed getters.
 * A path is a chain of stack nodes, formatted only when an error is reported, so the
 * happy path allocates nothing for it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "runtime/spec/spec.h"
#include "util/err.h"

struct sp {
  const struct sp *parent;
  const char *key; /* object member, or NULL for an array element */
  size_t index;
};

#define SP_KEY(par, k) ((struct sp){.parent = (par), .key = (k)})
#define SP_ROOT ((struct sp){.parent = NULL, .key = ""})
#define SP_IDX(par, i) ((struct sp){.parent = (par), .key = NULL, .index = (i)})

/* Format a path as "linux.namespaces[2].type" (an empty string for the root). */
char *sp_format(const struct sp *p);
/* Set an error "<path>: <message>"; always returns -1. */
int sp_err(struct td_err **err, const struct sp *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Typed getters of obj[key]: return 1 when set, 0 when absent or null, -1 on a bad value
 * (with the error naming "<p>.<key>"). Outputs are untouched when absent. */
int sj_str(json_t *obj, const struct sp *p, const char *key, char **out, struct td_err **err);
int sj_bool(json_t *obj, const struct sp *p, const char *key, bool *out, struct td_err **err);
int sj_i64(json_t *obj, const struct sp *p, const char *key, int64_t min, int64_t max, int64_t *out,
           struct td_err **err);
int sj_u64(json_t *obj, const struct sp *p, const char *key, uint64_t *out, struct td_err **err);
int sj_u32(json_t *obj, const struct sp *p, const char *key, uint32_t *out, struct td_err **err);
int sj_obj(json_t *obj, const struct sp *p, const char *key, json_t **out, struct td_err **err);
int sj_arr(json_t *obj, const struct sp *p, const char *key, json_t **out, struct td_err **err);
/* An array of strings into a NULL-terminated vector (an empty array gives an empty vector). */
int sj_strv(json_t *obj, const struct sp *p, const char *key, char ***out, struct td_err **err);
/* An object of string values into key/value pairs. */
int sj_kv(json_t *obj, const struct sp *p, const char *key, struct spec_kv **out, size_t *n,
          struct td_err **err);
/* Check that v (found at p) is an object. */
int sj_want_obj(json_t *v, const struct sp *p, struct td_err **err);
/* Name of a JSON value's type for messages ("a string", "an array"...). */
const char *sj_type_name(json_t *v);

/* Section parsers (each fills its part of the spec; p is the section's own path). */
int spec_parse_process(json_t *j, const struct sp *p, struct spec_process *out,
                       struct td_err **err);
int spec_parse_mounts(json_t *arr, const struct sp *p, struct spec *s, struct td_err **err);
int spec_parse_mount(json_t *j, const struct sp *p, struct spec_mount *m, struct td_err **err);
int spec_parse_idmaps(json_t *arr, const struct sp *p, struct spec_idmap **out, size_t *n,
                      struct td_err **err);
int spec_parse_hooks(json_t *j, const struct sp *p, struct spec *s, struct td_err **err);
int spec_parse_linux(json_t *j, const struct sp *p, struct spec_linux *l, struct td_err **err);
int spec_parse_resources(json_t *j, const struct sp *p, struct spec_resources *r,
                         struct td_err **err);
int spec_parse_seccomp(json_t *j, const struct sp *p, struct spec_seccomp *sc, struct td_err **err);

/* Release what the members of each part own (not the part itself). */
void spec_process_clear(struct spec_process *p);
void spec_mount_clear(struct spec_mount *m);
void spec_resources_clear(struct spec_resources *r);
void spec_seccomp_clear(struct spec_seccomp *sc);
void spec_kv_free(struct spec_kv *kv, size_t n);

/* Append every mount option name the parser knows to a JSON array (features.json). */
void spec_mount_options_append(json_t *arr);
