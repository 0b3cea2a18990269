/* Inside engine/build only: the builder's state and its steps. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "engine/build/build.h"
#include "engine/engine.h"

/* An image as the build holds it: the whole config document, the manifest's layer
 * descriptors, and its id once stored (NULL for FROM scratch before any step). */
struct bstate {
  json_t *cfg;
  json_t *layers;
  char *id;
  char *man; /* its manifest's digest (with id) */
  size_t man_size;
};

struct stage {
  char *name;   /* AS name (lower case), or NULL */
  size_t first; /* index of its FROM */
  size_t end;   /* one past its last instruction */
  int step0;    /* the steps before this stage's FROM (its step numbers follow) */
  bool needed;
  bool done;
  bool cmd_set; /* a CMD in this stage (ENTRYPOINT keeps it; else an inherited Cmd goes) */
  struct bstate st;
  json_t *args; /* declared ARGs: name -> value or null */
};

struct builder {
  const struct build_req *req;
  struct eng_ctx ctx;
  char *work;   /* <root>/builds/<random>: mount points, upper dirs, a tar context */
  char *ctxdir; /* the context directory */
  int ctxfd;    /* O_PATH of it */
  struct df_ignore *ignore;
  struct dockerfile df;
  struct stage *stages;
  size_t n_stages;
  json_t *meta;       /* ARGs before the first FROM: name -> value or null */
  json_t *build_args; /* --build-arg: name -> value */
  json_t *consumed;   /* build args some ARG declared */
  int step, n_steps;
  int n_mounts;     /* work/m<N> counter */
  FILE *out;        /* the step lines (progress.c: stdout, a -q buffer or the tty display) */
  int out_fd;       /* a RUN's stdout and stderr, or -1: ours */
  int quiet_fd;     /* -q: the memory file behind out, or -1 */
  pid_t render_pid; /* --progress tty: the display process, or 0 */
  int watch_fd;     /* the watchdog's socket, or -1 (started at the first RUN) */
  int host_mntns;   /* the mount namespace the build started in (O_RDONLY fd), or -1 */
  bool private_ns;  /* in its own mount namespace (entered at the first mount) */
  pid_t watch_pid;
  /* --userns-remap: the RUN steps' maps (engine/container), or NULL */
  struct eng_remap *remap;
};

/* state.c: the image states of a build */
void bstate_clear(struct bstate *s);
int bstate_copy(const struct bstate *from, struct bstate *to);
/* FROM scratch: docker's default PATH, no layers */
void bstate_scratch(struct bstate *s);
/* an image of the store (name or id) */
int bstate_from_image(struct builder *b, const char *ref, struct bstate *s, struct td_err **err);
/* a state from its config and manifest blobs (the cache: no index lookup) */
int bstate_from_blobs(struct builder *b, const char *id, const char *man, struct bstate *s,
                      struct td_err **err);
/* the layer dirs, bottom first (NULL-terminated) and the chain id of the top layer */
int bstate_layer_dirs(struct builder *b, const struct bstate *s, char ***dirs, char **top_chain,
                      struct td_err **err);
/* A new state: history entry (created_by, empty layer unless a layer), the layer's diff id;
 * config blob, manifest and an untagged build-cache index entry written; s->id updated. */
struct image_layer;
int bstate_commit(struct builder *b, struct bstate *s, const char *created_by,
                  const struct image_layer *layer, const char *blob_tmp, struct td_err **err);
/* cache.c: key -> state id */
char *cache_key(const struct bstate *parent, const char *text);
int cache_lookup(struct builder *b, const char *key, struct bstate *out);
void cache_store(struct builder *b, const char *key, const struct bstate *st);

/* fsstep.c: a step that changes files: the state's layers + a fresh upper dir mounted at
 * *rootfs; then the upper dir becomes a layer of the state */
struct fsstep {
  char *dir;    /* work/sN */
  char *rootfs; /* dir/rootfs */
  char *upper;
  bool mounted;
  /* a remapped RUN: idmapped layers, the upper dir its root's, owners shifted back at commit */
  const struct eng_remap *remap;
};
/* run: a RUN step (remapped where b->remap is set) */
int fsstep_begin(struct builder *b, const struct bstate *s, struct fsstep *f, bool run,
                 struct td_err **err);
int fsstep_commit(struct builder *b, struct bstate *s, struct fsstep *f, const char *created_by,
                  struct td_err **err);
void fsstep_end(struct fsstep *f);
/* A read-only mount of a state's files (COPY --from), at *path */
int bstate_mount_ro(struct builder *b, const struct bstate *s, char **path, struct td_err **err);
/* The same through its layers idmapped with b->remap's mapping (a remapped RUN's from= bind:
 * the files as the container's ids, host root its root) */
int bstate_mount_ro_idmapped(struct builder *b, const struct bstate *s, char **path,
                             struct td_err **err);

/* run.c: RUN argv in the mounted rootfs; *code gets its exit status */
int run_step(struct builder *b, const struct bstate *s, struct fsstep *f, char **argv, char **env,
             json_t *mounts, int *code, struct td_err **err);

/* copy.c: COPY/ADD */
struct copy_req {
  int srcfd;         /* the source root (context or a --from rootfs), O_PATH */
  bool from_context; /* sources are refused outside it, and .dockerignore applies */
  char **srcs;       /* expanded source paths */
  char *dest;        /* expanded destination (absolute) */
  bool chown_set;    /* --chown given */
  char *chown;       /* its value */
  int chmod;         /* --chmod, -1 = none */
  bool add;          /* ADD (for the messages) */
  bool extract;      /* local tar archives are extracted (ADD of local files) */
};
/* The sources' checksum (names, types, modes, owners, sizes, link targets, contents): docker's
 * "file:<sha>", "dir:<sha>" or "multi:<sha>". */
int copy_checksum(struct builder *b, const struct copy_req *c, char **out, struct td_err **err);
int copy_apply(struct builder *b, const struct copy_req *c, const char *rootfs,
               struct td_err **err);

/* watchdog.c: a child that removes the RUN containers and the work dir of a killed build;
 * started at the first RUN (in the mount namespace the build started in) */
int watchdog_start(struct builder *b, struct td_err **err);
/* the build's own mount namespace, entered at its first mount */
int build_private_ns(struct builder *b, struct td_err **err);
void watchdog_send(struct builder *b, char op, const char *id);
void watchdog_stop(struct builder *b);

/* url.c: ADD's http(s) sources, fetched into dir; *name_out the file's name there */
bool url_is(const char *s);
/* a git repository as docker recognises one (refused: the builder does not run git) */
bool url_is_git(const char *s);
int url_fetch(const char *url, const char *checksum, const char *dir, char **name_out,
              struct td_err **err);

/* runmount.c: RUN --mount=type=bind|cache|tmpfs (secret and ssh refused) */
struct run_mount {
  enum { RM_BIND, RM_CACHE, RM_TMPFS } type;
  char *target; /* absolute, in the container */
  char *source; /* bind: in the context or the from= root; NULL: its root */
  char *from;   /* bind: a stage or an image */
  char *id;     /* cache: its id (default: the target) */
  char *size;   /* tmpfs size= */
  bool rw;
  int mode, uid, gid; /* cache: the directory's, -1 = default */
  bool created;       /* the target was not in the rootfs: removed after the step */
  char *from_root;    /* bind from=: the read-only mount of that stage or image */
};
/* runmount_idmap.c: --userns-remap: the bind staged at point replaced by an idmapped
 * read-only clone of it (b->remap's mapping); a filesystem that cannot be idmapped keeps the
 * plain bind, with a warning naming what */
int run_mount_idmap(const struct builder *b, const char *point, const char *what,
                    struct td_err **err);
/* the from= of a "--mount=..." flag (a stage the step reads), new, or NULL */
char *run_mount_from(const char *flag);
/* the instruction's --mount flags; a relative target is under workdir */
int run_mounts_parse(const struct df_instr *in, const char *workdir, struct run_mount **out,
                     size_t *n, struct td_err **err);
void run_mounts_free(struct run_mount *m, size_t n);
/* the mounts' part of the step's cache key (a context bind's sources by their checksum) */
struct stage;
int run_mounts_key(struct builder *b, struct stage *sg, const struct run_mount *m, size_t n,
                   char **out, struct td_err **err);
/* staged beneath the step's dir (sources opened safely, bound by their fd); *spec_mounts: the
 * OCI mounts to add to the RUN's spec */
int run_mounts_stage(struct builder *b, struct stage *sg, struct fsstep *f, struct run_mount *m,
                     size_t n, json_t **spec_mounts, struct td_err **err);
/* after the RUN: the staging mounts go, and the targets the step created */
void run_mounts_unstage(struct fsstep *f, const struct run_mount *m, size_t n);

/* progress.c: where the output goes (--progress plain|tty|auto, -q) */
int progress_begin(struct builder *b, struct td_err **err);
/* the display finished; a failed -q build shows its buffered output on stderr */
void progress_end(struct builder *b, bool ok);

/* context.c */
int context_open(struct builder *b, struct td_err **err);
int context_dockerfile(struct builder *b, char **text, size_t *len, struct td_err **err);

/* plan.c: the build's plan (meta ARGs, stages, the target and the stages it needs, the step
 * numbers); the target stage's index */
int build_plan(struct builder *b, struct td_err **err);
/* a FROM's image or stage, its meta ARGs expanded */
int build_from_ref(struct builder *b, struct df_instr *in, char **out, struct td_err **err);
/* the stages stage si reads: FROM <stage>, COPY --from=<stage>, RUN --mount=...,from=<stage>;
 * deps has room for n_stages entries; returns how many (each once) */
size_t build_stage_deps(struct builder *b, size_t si, size_t *deps);
/* stages.c: the stages up to target that it needs, independent ones at once in child
 * processes */
int build_stages(struct builder *b, size_t target, struct td_err **err);
/* builder.c: the RUN containers a killed build or stage left (their markers ctr-<id> in work) */
void build_sweep_containers(struct builder *b, const char *work);
