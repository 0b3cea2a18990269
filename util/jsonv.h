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
/* A JSON object of strings as docker's ls columns print labels: "k=v,k=v" in its order ("" when
 * empty or not an object). The text is the caller's to free. */
char *jsonv_labels_join(const json_t *o);
