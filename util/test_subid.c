/* util/subid.c: /etc/subuid lines of one name, good and bad. */
#include <string.h>

#include "tests/tap.h"
#include "util/subid.h"

static int parse(const char *text, const char *name, struct subid_range *r, size_t *n)
{
  struct td_err *e = NULL;
  int rc = subid_parse(text, strlen(text), name, r, n, &e);
  err_free(&e);
  return rc;
}

int main(void)
{
  struct subid_range r[SUBID_MAX];
  size_t n = 9;
  TAP_OK(parse("", "dockremap", r, &n) == 0 && n == 0, "empty file: no ranges");
  TAP_OK(parse("# c\n\nalice:1:2\ndockremap:100000:65536\n", "dockremap", r, &n) == 0 && n == 1 &&
             r[0].start == 100000 && r[0].count == 65536,
         "one range, comments and other names skipped");
  TAP_OK(parse("dockremap:100000:65536\r\ndockremap:300000:10\n", "dockremap", r, &n) == 0 &&
             n == 2 && r[1].start == 300000 && r[1].count == 10,
         "two ranges in file order, CRLF taken");
  TAP_OK(parse("dockremapx:1:2\ndock:3:4", "dockremap", r, &n) == 0 && n == 0,
         "a name is matched whole");
  TAP_OK(parse("bob:x:1\nbob\ndockremap:1:1\n", "dockremap", r, &n) == 0 && n == 1,
         "another name's malformed line is skipped");
  TAP_OK(parse("1000:200000:65536\n", "1000", r, &n) == 0 && n == 1, "a numeric name");
  const char *bad[] = {"dockremap:100000\n",      "dockremap:-1:65536\n",
                       "dockremap:1:0\n",         "dockremap:1:2:3\n",
                       "dockremap: 1:2\n",        "dockremap:0x10:5\n",
                       "dockremap:4294967295:1",  "dockremap:4294967290:10",
                       "dockremap:99999999999:1", "dockremap:10:10\ndockremap:15:1\n",
                       "dockremap::1\n"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    TAP_OK(parse(bad[i], "dockremap", r, &n) < 0, "refused: %s", bad[i]);
  TAP_OK(parse("dockremap:4294901759:65536", "dockremap", r, &n) == 0 && n == 1,
         "a range ending at 4294967294");
  char many[2048] = "";
  for (int i = 0; i < SUBID_MAX + 1; i++) {
    char l[64];
    snprintf(l, sizeof(l), "u:%d:10\n", 100 * i + 100);
    strcat(many, l);
  }
  TAP_OK(parse(many, "u", r, &n) < 0, "more than %d ranges refused", SUBID_MAX);
  return TAP_DONE();
}
