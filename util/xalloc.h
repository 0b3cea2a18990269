/* Allocation that never returns NULL (aborts on OOM), and allocating formatters. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

/* malloc that aborts on failure; memory is zeroed. */
void *xmalloc(size_t n);
/* calloc that aborts on failure. */
void *xcalloc(size_t n, size_t size);
/* realloc that aborts on failure. */
void *xrealloc(void *p, size_t n);
/* strdup that aborts on failure; NULL in, NULL out. */
char *xstrdup(const char *s);
/* strndup that aborts on failure. */
char *xstrndup(const char *s, size_t n);
/* Allocating sprintf: returns the new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Allocating vsprintf. */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
