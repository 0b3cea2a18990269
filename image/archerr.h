/* libarchive's errors as td_err: the errno it recorded (a failed write's ENOSPC, EIO, ...)
 * becomes the error's cause, so a full disk reads "No space left on device", not a
 * generic "Write error". */
#pragma once
#include <archive.h>

#include "util/err.h"

/* The errno libarchive recorded for a's last error when it is a system error, else fallback
 * (its format and programmer codes, EILSEQ and EINVAL, say nothing about the system). */
int image_archive_errno(struct archive *a, int fallback);
/* err_set with "<fmt>: <libarchive's message>" and image_archive_errno(a, fallback) as the
 * cause; returns -1. */
int image_archive_err(struct td_err **err, struct archive *a, int fallback, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
