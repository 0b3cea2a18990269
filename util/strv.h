/* NULL-terminated string vectors. */
#pragma once
#include <stddef.h>

/* Number of strings in v (NULL counts as 0). */
size_t strv_len(char *const *v);
/* Append a copy of s to *v, growing it. */
void strv_push(char ***v, const char *s);
/* Append s itself (takes ownership). */
void strv_push_owned(char ***v, char *s);
/* Deep copy; NULL in, NULL out. */
char **strv_dup(char *const *v);
/* Free a vector and its strings. */
void strv_free(char **v);
/* Index of the first entry equal to s, or -1. */
long strv_find(char *const *v, const char *s);
/* Split s on sep into a new vector (empty fields kept). */
char **strv_split(const char *s, char sep);
/* Join with sep into a new string. */
char *strv_join(char *const *v, const char *sep);
