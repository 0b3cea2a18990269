/* Shared by the rootfs end-to-end test's files: a temporary tree, bundles with hostile links,
 * and children in their own namespaces that report "1 text" / "0 text" lines to the parent. */
#ifndef TD_RUNTIME_ROOTFS_TEST_ROOTFS_H
#define TD_RUNTIME_ROOTFS_TEST_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/rootfs/rootfs.h"

extern char tmp[64];
extern pid_t main_pid;
extern int report_fd;

__attribute__((format(printf, 2, 3))) void check(bool ok, const char *fmt, ...);
void mkdirs(const char *p);
void put(const char *path, const char *content);
char *make_bundle(const char *name);
struct spec_mount mnt(const char *dest, const char *type, const char *src, unsigned long flags,
                      const char *data);
bool is_ro(const char *p);
bool fs_is(const char *p, long magic);
char *slurp(const char *p);
char *slurp_all(const char *p);
/* a TAP line, counted by the one TAP producer of the test (tests/tap.h counts per file) */
__attribute__((format(printf, 2, 3))) void tap_ok(bool ok, const char *fmt, ...);
void run_child(void (*fn)(const char *), const char *bundle, const char *force);

/* test_rootfs_cases.c */
void child_cgroup2(const char *bundle);
void child_cgroup2_ns(const char *bundle);
void remove_test_cgroup(pid_t child_parent);
void child_bad(const char *bundle);

#endif
