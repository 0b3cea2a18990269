/* docker's --filter lists ("key=value" strings) matched against one object: the values of one
 * key or-ed, the keys and-ed (events, system/container/image prune). */
#pragma once
#include <stdbool.h>

#include <jansson.h>

/* one filter value against the object: key "label", v "k" or "k=v", say */
typedef bool (*filters_one_fn)(void *arg, const char *key, const char *v);
/* true when every key of filters has at least one value for which one() is true */
bool filters_match(char *const *filters, filters_one_fn one, void *arg);
/* a label filter's value ("k" or "k=v") against labels (an object of strings): k is there,
 * with the value v when one is given */
bool filters_label(json_t *labels, const char *v);
