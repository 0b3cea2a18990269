#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/human.h"
#include "util/jsonv.h"
#include "util/hostfeat.h"
#include "util/spawn.h"
#include "util/strv.h"
#include "util/timefmt.h"
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

/* docker's go-units answers, one per rule (the cases `images` and `ps` disagreed on included) */
static void test_human(void)
{
  static const struct {
    int64_t secs;
    const char *want;
  } d[] = {{0, "Less than a second"}, {1, "1 second"},         {59, "59 seconds"},
           {60, "About a minute"},    {119, "About a minute"}, {120, "2 minutes"},
           {3599, "59 minutes"},      {3600, "About an hour"}, {5399, "About an hour"},
           {5400, "2 hours"},         {7199, "2 hours"},       {47 * 3600, "47 hours"},
           {48 * 3600, "2 days"},     {14 * 86400, "2 weeks"}, {60 * 86400, "2 months"},
           {730 * 86400, "2 years"}};
  for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
    autofree char *h = human_duration(d[i].secs);
    TAP_STREQ(h, d[i].want, "human_duration(%lld)", (long long)d[i].secs);
  }
  static const struct {
    double bytes;
    int prec;
    const char *want;
  } z[] = {{0, 3, "0B"},          {999, 3, "999B"},       {1000, 3, "1kB"},
           {1500000, 3, "1.5MB"}, {1234567, 3, "1.23MB"}, {1234567, 4, "1.235MB"},
           {4.26e9, 3, "4.26GB"}, {1e15, 3, "1PB"}};
  for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
    autofree char *h = human_size(z[i].bytes, z[i].prec);
    TAP_STREQ(h, z[i].want, "human_size(%.0f, %d)", z[i].bytes, z[i].prec);
  }
  autofree char *b = human_size_binary(1.5 * 1024 * 1024);
  TAP_STREQ(b, "1.5MiB", "human_size_binary");
}

static void test_time(void)
{
  TAP_OK(time_parse_rfc3339("1970-01-01T00:00:01.5Z") == 1500000000LL, "rfc3339 fraction");
  TAP_OK(time_parse_rfc3339("1970-01-01T01:00:01+01:00") == 1000000000LL, "rfc3339 offset");
  TAP_OK(time_parse_rfc3339("1970-01-01T00:00:00.000000001-00:30") == 1800000000001LL,
         "rfc3339 fraction and negative offset");
  TAP_OK(time_parse_rfc3339("yesterday") == 0 && time_parse_rfc3339(NULL) == 0,
         "rfc3339: garbage is 0");
  autofree char *n = time_now_rfc3339(true);
  TAP_OK(strlen(n) == 30 && n[19] == '.' && n[29] == 'Z', "now with nanoseconds: %s", n);
  autofree char *s = time_now_rfc3339(false);
  TAP_OK(strlen(s) == 20 && s[19] == 'Z', "now in seconds: %s", s);
  int64_t back = time_parse_rfc3339(n);
  TAP_OK(back > 1700000000LL * 1000000000LL, "now parses back");
}

static void test_jsonv(void)
{
  char *v[] = {"a", "b", NULL};
  json_t *j = jsonv_from_strv(v);
  TAP_OK(json_array_size(j) == 2 && !strcmp(json_string_value(json_array_get(j, 1)), "b"),
         "jsonv_from_strv");
  json_array_append_new(j, json_integer(3));
  char **back = jsonv_to_strv(j);
  TAP_OK(strv_len(back) == 2 && !strcmp(back[0], "a"), "jsonv_to_strv skips non-strings");
  strv_free(back);
  json_decref(j);
  j = jsonv_from_strv(NULL);
  TAP_OK(json_is_array(j) && json_array_size(j) == 0, "NULL gives []");
  json_decref(j);
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
  test_human();
  test_time();
  test_jsonv();
  test_err();
  test_strv();
  test_spawn();
  test_atomic();
  test_hostfeat();
  return TAP_DONE();
}
