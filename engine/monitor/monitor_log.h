/* docker's json-file log driver, as the monitor writes it: one JSON object per line,
 * {"log":"text\n","stream":"stdout","time":"RFC3339Nano"}, rotation by max-size/max-file.
 * Fixed buffers only: nothing is allocated after mon_log_open. A write that fails (ENOSPC)
 * is undone to the last whole line and the entry dropped: the monitor keeps draining the
 * container's pipes, so the container never blocks on its log. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define MON_LOG_LINE_MAX 16384

struct mon_log {
  int fd;
  char path[4096];
  int64_t size, max_size; /* max_size 0 = never rotate */
  int max_file;
  char pending[2][MON_LOG_LINE_MAX]; /* partial line per stream (stdout, stderr) */
  size_t n_pending[2];
  /* entries not written (a full disk, a failed rotation): counted, never blocking the
   * container; a warning in engine.log when dropping starts and when writing resumes */
  int64_t dropped;
  int drop_errno;
};

/* Open (append) the log file. */
int mon_log_open(struct mon_log *l, const char *path, int64_t max_size, int max_file,
                 struct td_err **err);
/* Add output of a stream (1 stdout, 2 stderr); complete lines are written at once. */
void mon_log_write(struct mon_log *l, int stream, const char *buf, size_t n);
/* Write partial lines that are still pending. */
void mon_log_flush(struct mon_log *l);
/* Escape s into out as a JSON string body; returns the length written (out must hold 6*n). */
size_t mon_json_escape(const char *s, size_t n, char *out);
