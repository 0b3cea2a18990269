/* Errors travel up as a value: each level prefixes what it was doing, one place prints. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>

/* docker's exit codes */
enum {
  EXIT_ENGINE = 125, /* the engine itself failed */
  EXIT_CANNOT_EXEC = 126,
  EXIT_NOT_FOUND = 127,
};

struct td_err {
  int errnum;    /* errno of the root cause, 0 if none */
  int exit_code; /* exit status the CLI should use (EXIT_ENGINE unless set) */
  char *msg;     /* "what failed: ...", without the strerror part */
  int kind;      /* ERR_DAEMON (default), ERR_CLI or ERR_BARE: how docker's CLI words it */
};

/* How docker's CLI words an error of a command other than run/create/start -a/exec:
 * ERR_DAEMON "Error response from daemon: <msg>" (what dockerd would have answered),
 * ERR_CLI "Error: <msg>" (the CLI's own: inspect's "No such object"), ERR_BARE "<msg>" (usage
 * errors, as cobra prints them: any text that starts with a quote), ERR_SILENT nothing (the
 * summary of a command that printed each failure already), ERR_FLAG "<msg>" and exit 125 (a
 * flag error: cobra's status 125 for every command). */
enum { ERR_DAEMON = 0, ERR_CLI = 1, ERR_BARE = 2, ERR_SILENT = 3, ERR_FLAG = 4 };
/* run, create and exec (err_use_run_style) word their errors as docker's run.go does:
 * ERR_CLI is what the CLI found parsing ("tinydocker: <msg>.", then "See 'tinydocker run
 * --help'."), ERR_DAEMON and ERR_SERVER the daemon's answer to the create ("tinydocker: Error
 * response from daemon: <msg>." and the same help line; `create`: "Error response from daemon:
 * <msg>", exit 1), ERR_START the daemon's answer to the start that follows (run: no help line).
 * exec: ERR_CLI "Error: <msg>", ERR_SERVER "Error response from daemon: <msg>" (both exit 1),
 * anything else the engine's "tinydocker: <msg>". ERR_SERVER elsewhere is ERR_DAEMON. */
enum { ERR_SERVER = 5, ERR_START = 6 };

/* Set once in main: errors are printed in docker CLI style and exit 1 instead of 125
 * (every command but run/create/start -a/exec). The engine hands it to its image tool through
 * the environment (ERR_STYLE_ENV). */
#define ERR_STYLE_ENV "TINYDOCKER_ERR_STYLE"
void err_use_docker_style(int default_kind);
/* Set once in main for run, create and exec (the command's name): see ERR_START. */
void err_use_run_style(const char *cmd);
/* Whether the docker style is on (also read from ERR_STYLE_ENV by helper programs). */
bool err_docker_style(void);
/* The value of ERR_STYLE_ENV that hands the style on to a helper program, NULL if none. */
const char *err_style_env(void);
/* The exit status for err: its code, EXIT_ENGINE unless set, through err_exit_code unless a
 * flag error. */
int err_exit_status(const struct td_err *err);
/* EXIT_ENGINE becomes 1 in the docker style; other codes are kept. */
int err_exit_code(int code);
/* Mark *err as worded by the CLI itself (ERR_CLI, ERR_BARE or ERR_SILENT); returns -1. */
int err_mark(struct td_err **err, int kind);

/* Create an error in *err (which must be NULL); always returns -1. */
int err_set(struct td_err **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like err_set but also records the exit code the CLI should use; returns -1. */
int err_set_exit(struct td_err **err, int exit_code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* err_set for a failed fork/clone/clone3: EAGAIN there is a process limit (the cgroup's
 * pids.max, RLIMIT_NPROC, kernel.pid_max/threads-max), and the message says so. */
int err_set_fork(struct td_err **err, int errnum, const char *what);
/* Prefix the message of *err with "<fmt>: "; always returns -1. */
int err_prefix(struct td_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The full one-line text: "msg: strerror(errnum)"; owned by the error. */
const char *err_text(struct td_err *err);
/* err_text as docker's Go words it: the errno's text in lower case ("no such file or
 * directory"). */
const char *err_text_go(struct td_err *err);
/* Release an error and set *err to NULL. */
void err_free(struct td_err **err);
/* Print "<prog>: <text>" to stderr and exit with the error's code. */
_Noreturn void err_die(const char *prog, struct td_err *err);
/* Print "<prog>: <text>" to stderr without exiting (for warnings). */
void err_print(const char *prog, struct td_err *err);
/* A best-effort step failed: print "<prog>: warning: <fmt>: <text>" to stderr and free
 * *err; nothing when *err is NULL. Teardown goes on, but nothing is dropped silently. */
void err_warn(struct td_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The program name used by err_die/err_print callers (set once in main). */
extern const char *err_progname;
