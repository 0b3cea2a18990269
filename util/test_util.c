#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/hostfeat.h"
#include "util/spawn.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void test_err(void)
{
  autoerr struct td_err *e = NULL;
  TAP_OK(err_set(&e, ENOENT, "open %s", "config.json") == -1, "err_set returns -1");
  err_prefix(&e, "create %s", "abc");
  TAP_STREQ(err_text(e), "create abc: open config.json: No such file or directory",
            "prefix and strerror compose");
  TAP_OK(e->exit_code == EXIT_ENGINE, "default exit code is 125");
}

static void test_strv(void)
{
  autostrv char **v = strv_split("a,b,,c", ',');
  TAP_OK(strv_len(v) == 4, "split keeps empty fields");
  autofree char *j = strv_join(v, "+");
  TAP_STREQ(j, "a+b++c", "join");
  TAP_OK(strv_find(v, "c") == 3 && strv_find(v, "z") == -1, "find");
}

static void test_atomic(void)
{
  char dir[] = "/tmp/td-unit-XXXXXX";
  TAP_OK(mkdtemp(dir) != NULL, "mkdtemp");
  autofree char *path = xasprintf("%s/f", dir);
  autoerr struct td_err *e = NULL;
  TAP_OK(file_write_atomic(-100, path, "hello", 5, 0600, &e) == 0, "atomic write");
  autofree char *buf = NULL;
  size_t len = 0;
  TAP_OK(file_read_all(-100, path, &buf, &len, &e) == 0 && len == 5, "read back");
  TAP_STREQ(buf, "hello", "content");
  TAP_OK(rm_rf(dir, &e) == 0, "rm_rf");
}

static void test_spawn(void)
{
  autoerr struct td_err *e = NULL;
  autofree char *out = NULL, *errtxt = NULL;
  char *cat[] = {"cat", NULL};
  int st = spawn_capture("/bin/cat", cat, "a\nb", 3, &out, &errtxt, &e);
  TAP_OK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "spawn: cat exits 0");
  TAP_STREQ(out, "a\nb", "spawn: stdin in, stdout back");
  TAP_STREQ(errtxt, "", "spawn: empty stderr");
  free(errtxt);
  errtxt = NULL;
  char *ls[] = {"ls", "/nonexistent-td", NULL};
  st = spawn_capture("/bin/ls", ls, NULL, 0, NULL, &errtxt, &e);
  TAP_OK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0, "spawn: a failure's status");
  TAP_OK(strstr(errtxt, "nonexistent-td") != NULL, "spawn: stderr back");
  TAP_OK(spawn_capture("/nonexistent-td", ls, NULL, 0, NULL, NULL, &e) == -1 && e &&
             e->errnum == ENOENT,
         "spawn: a missing program is an error");
}

static int probes;
static bool probe_yes(const char *dir)
{
  (void)dir;
  probes++;
  return true;
}
static bool probe_no(const char *dir)
{
  (void)dir;
  probes++;
  return false;
}

/* The per-boot cache: one probe per key, answers kept per key, another boot's file ignored. */
static void test_hostfeat(void)
{
  char dir[] = "/tmp/td-unit-feat-XXXXXX";
  if (!mkdtemp(dir))
    return;
  autofree char *run = xasprintf("%s/run", dir); /* made by the first write */
  TAP_OK(hostfeat_get(run, "a", probe_yes) && probes == 1, "hostfeat: first call probes");
  TAP_OK(hostfeat_get(run, "a", probe_no) && probes == 1, "hostfeat: second call reads the cache");
  TAP_OK(!hostfeat_get(run, "b", probe_no) && probes == 2, "hostfeat: another key probes");
  TAP_OK(hostfeat_get(run, "a", probe_no) && !hostfeat_get(run, "b", probe_yes) && probes == 2,
         "hostfeat: both answers kept");
  autofree char *f = xasprintf("%s/features", run);
  autoerr struct td_err *e = NULL;
  const char *stale = "boot_id not-this-boot\na 0\n";
  file_write_atomic(AT_FDCWD, f, stale, strlen(stale), 0644, &e);
  TAP_OK(hostfeat_get(run, "a", probe_yes) && probes == 3,
         "hostfeat: another boot's answer probed again");
  autofree char *doc = NULL;
  file_read_all(AT_FDCWD, f, &doc, NULL, &e);
  TAP_OK(doc && strstr(doc, "boot_id not-this-boot") == NULL && strstr(doc, "\na 1\n"),
         "hostfeat: the file now holds this boot's answer");
  autofree char *rd = hostfeat_run_dir("/var/lib/tinydocker");
  autofree char *rp = hostfeat_run_dir("/tmp/x");
  TAP_STREQ(rd, "/run/tinydocker", "hostfeat: the default root's run dir");
  TAP_STREQ(rp, "/tmp/x/run", "hostfeat: a private root's run dir");
  rm_rf(dir, &e);
}

int main(void)
{
  test_err();
  test_strv();
  test_spawn();
  test_atomic();
  test_hostfeat();
  return TAP_DONE();
}
