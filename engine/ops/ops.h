/* engine/ops: the commands on containers (lifecycle.c: start, run, stop, kill, rm, wait,
 * rename, pause, attach; exec.c, logs.c, cp.c, netconnect.c), declared for the CLI in
 * engine/engine.h. This header holds what the room's files share: the client side of a
 * monitor session (attach.c). Calls down only: engine/monitor, engine/container,
 * engine/parse, image/, net/, runtime/, util/. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "util/err.h"

struct ctr_record;

/* Wait until pid (with starttime) is gone, up to timeout_ms (-1 forever); true if gone. */
bool eng_wait_pid_gone(pid_t pid, uint64_t starttime, int timeout_ms);
/* Attach our stdio over a monitor socket, relay signals/resizes, return the exit code.
 * send_start asks the monitor to start the container once attached. detach_keys (docker's
 * format, NULL = ctrl-p,ctrl-q) end the session with exit code 0 for a tty with stdin. */
int attach_session(int sock, bool tty, bool with_stdin, bool sig_proxy, bool send_start,
                   const char *detach_keys, int *exit_code, struct td_err **err);
/* Connect to a running container's monitor socket. */
int attach_connect(const struct eng_ctx *ctx, const char *id, struct td_err **err);

/* cp_fs.c: what cp (cp.c) shares with its tar streams (cp_tar.c, cp_untar.c). Make room for a new
 * entry dfd/name: 1 when a directory is there and want_dir, 0 when nothing is (anything else
 * removed), -1 on error. */
int cp_make_room(int dfd, const char *name, bool want_dir, struct td_err **err);
/* Whether fd lies on a kernel filesystem (proc, sysfs, cgroup...), which cp never touches. */
bool cp_kernel_fs(int fd);
/* A regular file's data, opened from its pinned O_PATH fd (no second lookup by name). */
int cp_reopen_file(int pathfd);
/* cp's tar streams (cp_tar.c writes, cp_untar.c reads): a ustar header, one block. */
#define CP_TAR_BLK 512
struct cp_tar_hdr {
  char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8], type, linkname[100],
      magic[6], version[2], uname[32], gname[32], devmajor[8], devminor[8], prefix[155], pad[12];
};
_Static_assert(sizeof(struct cp_tar_hdr) == CP_TAR_BLK, "a tar header is one block");
/* `cp CTR:path -` (cp_tar.c): a tar of the object at path beneath rootfd on fd out (docker's names:
 * the base name, "./" for a directory's contents); follow: -L. */
int cp_tar_write(int rootfd, const char *path, bool follow, const char *ctr,
                 const struct ctr_record *rec, int out, struct td_err **err);
/* `cp - CTR:dir` (cp_untar.c): extract the tar on fd in beneath rootfd at the directory path: every
 * entry resolved beneath the container's root, none may climb out of dir by "..", and a link's
 * target neither; archive: keep the tar's uid/gid (else root's). */
int cp_tar_extract(int rootfd, const char *dir, bool archive, const char *ctr,
                   const struct ctr_record *rec, int in, struct td_err **err);
