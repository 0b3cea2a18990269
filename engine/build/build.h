/* engine/build: `tinydocker build`, images from a Dockerfile (docs/build.md). The room's one
 * public header: the Dockerfile parser (pure: text -> a typed list of instructions), docker's
 * word expansion (${v}, ${v:-w}, ${v:+w}, $v, quotes and the escape character), the
 * .dockerignore matcher, and the build itself (run by the tinydocker-build program: it needs
 * libarchive for layers, which the hot `tinydocker` never loads).
 * Calls down only: engine/container (the OCI spec of a RUN step from docker's defaults),
 * engine/parse, image/, net/ (a RUN on the default bridge), runtime/, util/. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

/* ---- the Dockerfile, parsed (dockerfile.c) ---- */

enum df_kind {
  DF_FROM,
  DF_RUN,
  DF_CMD,
  DF_LABEL,
  DF_MAINTAINER,
  DF_EXPOSE,
  DF_ENV,
  DF_ADD,
  DF_COPY,
  DF_ENTRYPOINT,
  DF_VOLUME,
  DF_USER,
  DF_WORKDIR,
  DF_ARG,
  DF_ONBUILD,
  DF_STOPSIGNAL,
  DF_HEALTHCHECK,
  DF_SHELL,
};

struct df_kv {
  char *key;
  char *value; /* unexpanded (quotes kept); NULL for `ARG name` without a default */
};

/* A here-document of RUN, COPY or ADD ("<<EOF" ... "EOF"). */
struct df_heredoc {
  char *name;  /* the delimiter word (COPY: the file's name) */
  char *body;  /* the lines between, each ending with "\n" (<<-: leading tabs removed) */
  bool expand; /* an unquoted delimiter: COPY expands the body */
  bool chomp;  /* <<- */
};

struct df_instr {
  enum df_kind kind;
  unsigned line;     /* the line the instruction starts on (1-based) */
  char *original;    /* the instruction as written, continuations joined (docker's Original) */
  char *rest;        /* the text after the instruction word and its flags (ONBUILD's trigger) */
  char **flags;      /* "--from=x" words before the arguments, in order */
  bool json;         /* exec (JSON) form: args is the array, unexpanded */
  char **args;       /* FROM/EXPOSE/COPY/ADD/VOLUME/USER/WORKDIR/STOPSIGNAL/MAINTAINER: the
                        words; RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK CMD: the exec form array, or
                        one string (the shell form) */
  struct df_kv *kvs; /* ENV, LABEL, ARG */
  size_t n_kvs;
  bool health_none;            /* HEALTHCHECK NONE */
  struct df_heredoc *heredocs; /* RUN/COPY/ADD here-documents, in order */
  size_t n_heredocs;
};

struct dockerfile {
  struct df_instr *v;
  size_t n;
  char escape;  /* '\\' or '`' (# escape=) */
  char *syntax; /* # syntax= (accepted, ignored), or NULL */
};

/* Parse a Dockerfile's text. Errors are docker's ("dockerfile parse error line 3: unknown
 * instruction: FOO") with the exit code 1, prefixed by name (the file as the user gave it). */
int df_parse(const char *text, size_t len, const char *name, struct dockerfile *out,
             struct td_err **err);
/* Parse one instruction line (ONBUILD's trigger when it fires). */
int df_parse_line(const char *line, char escape, unsigned lineno, struct df_instr *out,
                  struct td_err **err);
void df_free(struct dockerfile *df);
void df_instr_clear(struct df_instr *in);
/* "FROM", "RUN", ... */
const char *df_kind_name(enum df_kind k);
/* The value of flag --name in in->flags ("--from=x" -> "x"; "--link" -> ""), or NULL. */
const char *df_flag(const struct df_instr *in, const char *name);
/* Refuse flags the instruction does not take: docker's "Unknown flag: x". */
int df_check_flags(const struct df_instr *in, const char *const *allowed, struct td_err **err);

/* ---- words (expand.c) ---- */

/* Look a variable up: its value, or NULL when unset. */
typedef const char *(*df_lookup_fn)(void *arg, const char *name);
/* docker's ProcessWord: quotes removed, the escape character honoured, $v ${v} ${v:-w}
 * ${v:+w} ${v-w} ${v+w} expanded through lookup. *out is new. */
int df_expand(const char *word, char escape, df_lookup_fn lookup, void *arg, char **out,
              struct td_err **err);

/* ---- .dockerignore (ignore.c) ---- */

struct df_ignore;
/* Parse .dockerignore text (comments, blank lines, "!" exceptions, "**"); NULL text: none. */
struct df_ignore *df_ignore_parse(const char *text);
void df_ignore_free(struct df_ignore *ig);
/* Whether a context path ("a/b/c", no leading "/") is excluded. */
bool df_ignore_match(const struct df_ignore *ig, const char *path);
/* Whether some exception ("!pattern") could re-include a path below dir. */
bool df_ignore_has_exceptions(const struct df_ignore *ig);

/* ---- the build (builder.c and friends, in tinydocker-build) ---- */

struct build_req {
  const char *root;     /* engine root */
  const char *context;  /* directory, or "-" for a tar on stdin */
  const char *file;     /* -f: path, "-" (stdin), or NULL (<context>/Dockerfile) */
  char **tags;          /* -t */
  char **build_args;    /* --build-arg k=v or k (from the environment) */
  char **labels;        /* --label k=v */
  const char *target;   /* --target */
  const char *network;  /* --network: "default", "none", "host" */
  const char *iidfile;  /* --iidfile */
  const char *progress; /* --progress: "auto" (NULL), "plain", "tty" */
  bool no_cache;
  bool quiet;
  bool pull; /* --pull: FROM images pulled first, even when present */
};

/* Build; prints docker's classic builder steps on stdout (only the ID with -q) and returns
 * the image id in *id_out. A Dockerfile error exits 1 (err's exit code), a failing RUN too. */
int build_run(const struct build_req *req, char **id_out, struct td_err **err);

/* `builder prune`: remove the build cache (intermediate states, cache records) and the layers
 * only it held; prints docker's "Total reclaimed space: X" (prune.c). */
int build_prune(const char *root, FILE *out, struct td_err **err);
