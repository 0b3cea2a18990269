/* String vectors to and from JSON arrays of strings (records, specs, features). */
#pragma once
#include <jansson.h>
#include <stddef.h>

/* A new JSON array of the strings of the NULL-terminated v (NULL gives []). */
json_t *jsonv_from_strv(char *const *v);
/* A new JSON array of the first n strings of v. */
json_t *jsonv_from_array(const char *const *v, size_t n);
/* A new NULL-terminated vector of the string members of a (others and non-arrays skipped). */
char **jsonv_to_strv(const json_t *a);
/* A new object of the "k=v" strings of the NULL-terminated v (a string without '=' is k with
 * ""; a later k wins), as docker keeps labels, log options and sysctls. */
json_t *jsonv_kv_object(char *const *v);
/* A JSON object of strings as docker's ls columns print labels: "k=v,k=v" in its order ("" when
 * empty or not an object). The text is the caller's to free. */
char *jsonv_labels_join(const json_t *o);
/* A new object with src's members in the order of order[] (NULL-terminated; NULL: the keys of
 * defaults, in theirs): a key src lacks takes defaults' value (null where defaults has none),
 * or is left out when its name starts with '?' (docker's omitempty keys). src's other members
 * follow in src's order. Neither argument is changed. */
json_t *jsonv_shape(const json_t *src, const char *const *order, const json_t *defaults);
/* jsonv_from_strv, but null for NULL or an empty vector (docker's nil slices). */
json_t *jsonv_from_strv_or_null(char *const *v);
/* A new object with o's members sorted by key (Go's encoder prints a map so), NULL for NULL;
 * not an object: o itself, a new reference. */
json_t *jsonv_sorted(const json_t *o);
/* docker's container Config keys in the order its Config struct has them ('?': omitempty), for
 * jsonv_shape: a container's inspect and an image's ContainerConfig/Config. */
extern const char *const jsonv_docker_config_order[];
