/* Inside engine/build only: the parts the build's steps share (step.c), the instructions
 * (instr.c, instr_copy.c), for the stage driver (builder.c, plan.c, stages.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/build/internal.h"

/* step.c: a variable of an Env array ("K=V"), and one set in it */
const char *step_env_get(json_t *env, const char *name);
void step_env_put(json_t *cc, const char *key, const char *val);
/* the stage's image config (its "config" object) */
json_t *step_cfg(struct stage *sg);
/* a word with the stage's ENV and ARGs expanded */
int step_expand(struct builder *b, struct stage *sg, const char *w, char **out,
                struct td_err **err);
/* a heredoc body expanded with its quote characters kept */
int step_expand_doc(struct builder *b, struct stage *sg, const char *body, char **out,
                    struct td_err **err);
/* Go's %q of a string slice, and time.Duration's String() (docker's created_by wording) */
char *step_go_strslice(char *const *v);
char *step_go_duration(int64_t ns);
/* the stage's SHELL (or /bin/sh -c) with cmd */
char **step_shell_argv(struct stage *sg, const char *cmd);
/* "/bin/sh -c #(nop) <sep><comment>" */
char *step_nop(struct stage *sg, const char *sep, const char *comment);
void step_print_id(struct builder *b, const char *id);
/* a cache hit for key: the stage's state replaced, " ---> Using cache" printed */
bool step_cached(struct builder *b, struct stage *sg, const char *key);
/* a metadata-only step (config changed, no layer), cached */
int step_meta(struct builder *b, struct stage *sg, const char *comment, struct td_err **err);
/* A step that changes files, through the cache (key): on a miss, fn(arg) on a fresh layer over
 * the stage's state mounted at f->rootfs, then that layer committed with created_by; run: a
 * RUN (remapped with --userns-remap, fsstep_begin) */
typedef int (*step_fs_fn)(struct builder *b, struct stage *sg, struct fsstep *f, void *arg,
                          struct td_err **err);
int step_fs(struct builder *b, struct stage *sg, const char *key, const char *created_by,
            step_fs_fn fn, void *arg, bool run, struct td_err **err);
/* rel against base (the WorkingDir), cleaned */
char *step_path_join(const char *base, const char *rel);
/* a stage named (AS name or index) before index before, or -1 */
int step_find_stage(struct builder *b, const char *name, size_t before);

/* instr.c: one instruction of a stage (not FROM) */
int instr_dispatch(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err);
/* instr_copy.c: COPY and ADD */
int instr_copy(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err);
