/* Whole-file reads, atomic writes and directory helpers on host paths the engine owns. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "util/err.h"

/* Read a whole file (relative to dirfd, or AT_FDCWD) into a NUL-terminated buffer. */
int file_read_all(int dirfd, const char *path, char **out, size_t *len, struct td_err **err);
/* Write a file atomically: temp file in the same dir, fsync, rename. */
int file_write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                      struct td_err **err);
/* Serialise JSON and write it atomically. */
int file_write_json(int dirfd, const char *path, json_t *j, mode_t mode, struct td_err **err);
/* The same without the fsync: atomic against a crash of the writer, not against a power loss;
 * for state that a reboot voids anyway (runtime state: its processes are gone then). */
int file_write_json_nosync(int dirfd, const char *path, json_t *j, mode_t mode,
                           struct td_err **err);
/* Load and parse a JSON file; the error names the file and the parse position. */
int file_read_json(int dirfd, const char *path, json_t **out, struct td_err **err);
/* Write a short string to an existing file (cgroup, proc, sysfs knobs), no temp file. */
int file_write_str(int dirfd, const char *path, const char *s, struct td_err **err);
/* mkdir -p with mode for each created component; host paths only. */
int mkdir_p(const char *path, mode_t mode, struct td_err **err);
/* rm -rf of a host directory tree we own; does not cross mount points. */
int rm_rf(const char *path, struct td_err **err);
/* Write all of buf to fd, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);
/* The environment variable that carries our binary's path across a re-execution from a
 * detached read-only mount of it (runtime/core/selfexe.c), where /proc/self/exe reads "/". */
#define SELF_EXE_ENV "TINYDOCKER_SELF_EXE"
/* The path of the running program (/proc/self/exe, or $SELF_EXE_ENV after such a
 * re-execution), or NULL. Caller frees. */
char *self_exe_path(void);
/* The one lookup of every helper program (tinydocker-image, -nft, -init, -monitor, -entry,
 * -attach): the running program's directory, its engine/ subdirectory, ../libexec/tinydocker,
 * the configured libexecdir (TD_LIBEXECDIR), then .. (the build tree's test tools sit one
 * level below the programs); never $PATH. NULL when none is. Caller frees. */
char *helper_find(const char *name);
