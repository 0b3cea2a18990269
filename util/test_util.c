#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fileio.h"
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

int main(void)
{
  test_err();
  test_strv();
  test_spawn();
  test_atomic();
  return TAP_DONE();
}
