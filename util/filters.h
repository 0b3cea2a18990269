/* docker's --filter lists ("key=value" strings) matched against one object: the values of one
 * key or-ed, the keys and-ed (events, system/container/image prune). */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "util/err.h"

/* one filter value against the object: key "label", v "k" or "k=v", say */
typedef bool (*filters_one_fn)(void *arg, const char *key, const char *v);
/* true when every key of filters has at least one value for which one() is true */
bool filters_match(char *const *filters, filters_one_fn one, void *arg);
/* a prune's filter list checked as docker checks it: each "key=value" (else "bad format of
 * filter"); label and label! are known; value(arg, key, v) checks any other key: 1 for a key it
 * knows (its value good), 0 for one it does not ("Invalid filter 'key'"), -1 with *err set */
typedef int (*filters_value_fn)(void *arg, const char *key, const char *v, struct td_err **err);
int filters_check(char *const *filters, filters_value_fn value, void *arg, struct td_err **err);
/* a label filter's value ("k" or "k=v") against labels (an object of strings): k is there,
 * with the value v when one is given */
bool filters_label(json_t *labels, const char *v);
/* the same with the labels behind get(arg, key): the value, or NULL where the key is not set */
typedef const char *(*filters_label_fn)(void *arg, const char *key);
bool filters_label_get(filters_label_fn get, void *arg, const char *v);
