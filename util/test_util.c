#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fileio.h"
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

int main(void)
{
  test_err();
  test_strv();
  test_atomic();
  return TAP_DONE();
}
