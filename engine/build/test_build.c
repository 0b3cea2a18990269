/* Unit tests of the build room's pure parts: the Dockerfile parser, word expansion and
 * .dockerignore. */
#include <stdlib.h>
#include <string.h>

#include "engine/build/build.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/strv.h"

static int parse(const char *s, struct dockerfile *df, char **msg, int *code)
{
  struct td_err *e = NULL;
  int rc = df_parse(s, strlen(s), "Dockerfile", df, &e);
  if (msg)
    *msg = rc < 0 ? strdup(err_text(e)) : NULL;
  if (code)
    *code = rc < 0 ? e->exit_code : 0;
  err_free(&e);
  return rc;
}

static const char *vars(void *arg, const char *name)
{
  (void)arg;
  if (strcmp(name, "A") == 0)
    return "aa";
  if (strcmp(name, "EMPTY") == 0)
    return "";
  return NULL;
}

static char *ex(const char *w, char esc)
{
  char *out = NULL;
  struct td_err *e = NULL;
  if (df_expand(w, esc, vars, NULL, &out, &e) < 0) {
    err_free(&e);
    return strdup("<error>");
  }
  return out;
}

static void test_parse(void)
{
  struct dockerfile df;
  const char *src = "# syntax=docker/dockerfile:1\n"
                    "# escape=\\\n"
                    "ARG BASE=busybox\n"
                    "FROM $BASE AS build\n"
                    "# a comment\n"
                    "RUN echo a \\\n"
                    "  # inside\n"
                    "  && echo b\n"
                    "RUN [\"sh\", \"-c\", \"echo hi\"]\n"
                    "ENV A=1 B=\"two words\"\n"
                    "ENV LEGACY some value here\n"
                    "LABEL x=y\n"
                    "COPY --from=build --chown=1:2 a b /dst/\n"
                    "copy [\"x y\", \"/z\"]\n"
                    "HEALTHCHECK --interval=5s CMD true\n"
                    "ONBUILD RUN echo trig\n"
                    "EXPOSE 80 443/udp\n"
                    "SHELL [\"/bin/bash\", \"-c\"]\n"
                    "STOPSIGNAL SIGKILL\n"
                    "USER app\n"
                    "WORKDIR /app\n"
                    "VOLUME /data /logs\n"
                    "CMD echo done\n"
                    "ENTRYPOINT [\"/bin/sh\"]\n"
                    "MAINTAINER me\n"
                    "ADD a.tar /x/\n";
  TAP_OK(parse(src, &df, NULL, NULL) == 0, "a Dockerfile with every instruction parses");
  TAP_STREQ(df.syntax, "docker/dockerfile:1", "# syntax= kept (and ignored)");
  TAP_OK(df.n == 21, "21 instructions (got %zu)", df.n);
  TAP_OK(df.v[0].kind == DF_ARG && strcmp(df.v[0].kvs[0].key, "BASE") == 0, "ARG before FROM");
  TAP_OK(df.v[1].kind == DF_FROM && strv_len(df.v[1].args) == 3, "FROM x AS y");
  TAP_OK(df.v[1].line == 4, "FROM on line 4");
  TAP_STREQ(df.v[2].args[0], "echo a   && echo b", "continuation joined, comment dropped");
  TAP_OK(df.v[2].line == 6, "a continued instruction has its first line");
  TAP_OK(df.v[3].json && strv_len(df.v[3].args) == 3, "RUN exec form");
  TAP_OK(df.v[4].n_kvs == 2 && strcmp(df.v[4].kvs[1].value, "\"two words\"") == 0,
         "ENV pairs, quotes kept for the expansion");
  TAP_STREQ(df.v[5].kvs[0].value, "some value here", "ENV legacy form");
  TAP_STREQ(df_flag(&df.v[7], "from"), "build", "COPY --from");
  TAP_STREQ(df_flag(&df.v[7], "chown"), "1:2", "COPY --chown");
  TAP_OK(strv_len(df.v[7].args) == 3, "COPY words");
  TAP_OK(df.v[8].kind == DF_COPY && df.v[8].json, "lower-case instruction, JSON form");
  TAP_OK(df.v[9].kind == DF_HEALTHCHECK && !df.v[9].json && strcmp(df.v[9].args[0], "true") == 0,
         "HEALTHCHECK CMD");
  TAP_STREQ(df.v[10].rest, "RUN echo trig", "ONBUILD keeps its trigger");
  TAP_OK(df.v[12].kind == DF_SHELL && df.v[12].json, "SHELL");
  df_free(&df);

  TAP_OK(parse("# escape=`\nFROM busybox\nRUN echo a `\n b\n", &df, NULL, NULL) == 0, "# escape=`");
  TAP_STREQ(df.v[1].args[0], "echo a  b", "backtick continuation");
  df_free(&df);

  char *msg;
  int code;
  TAP_OK(parse("FROM busybox\nRUN true\nFOO bar\n", &df, &msg, &code) < 0, "unknown instruction");
  TAP_STREQ(msg, "Dockerfile: dockerfile parse error line 3: unknown instruction: FOO",
            "docker's words, the file and the line");
  TAP_OK(code == 1, "exit 1 as docker");
  free(msg);
  TAP_OK(parse("RUN true\n", &df, &msg, NULL) < 0, "no FROM first");
  TAP_OK(msg && strstr(msg, "no build stage in current context"), "no build stage");
  free(msg);
  TAP_OK(parse("", &df, &msg, NULL) < 0, "empty");
  free(msg);
  TAP_OK(parse("FROM a b\n", &df, &msg, NULL) < 0, "FROM with 2 words");
  TAP_OK(msg && strstr(msg, "FROM requires either one or three arguments"), "FROM arity");
  free(msg);
  TAP_OK(parse("FROM a\nSHELL sh -c\n", &df, &msg, NULL) < 0, "SHELL not JSON");
  free(msg);
  TAP_OK(parse("FROM a\nCOPY x\n", &df, &msg, NULL) < 0, "COPY with one word");
  free(msg);
  TAP_OK(parse("FROM a\nENV\n", &df, &msg, NULL) < 0, "ENV without args");
  free(msg);
  TAP_OK(parse("FROM a\nONBUILD ONBUILD RUN x\n", &df, &msg, NULL) < 0, "ONBUILD ONBUILD");
  free(msg);
  TAP_OK(parse("# escape=x\nFROM a\n", &df, &msg, NULL) < 0, "bad escape");
  free(msg);
  TAP_OK(parse("FROM a\nRUN [\"unterminated\"\n", &df, NULL, NULL) == 0 && !df.v[1].json,
         "bad JSON falls back to the shell form");
  df_free(&df);
}

static void test_heredoc(void)
{
  struct dockerfile df;
  const char *src = "FROM a\n"
                    "RUN <<EOF\n"
                    "echo one\n"
                    "echo two\n"
                    "EOF\n"
                    "RUN cat <<-A <<'B' > /x\n"
                    "\tchomped\n"
                    "\tA\n"
                    "raw $x\n"
                    "B\n"
                    "COPY <<file1 /dst/\n"
                    "content\n"
                    "file1\n"
                    "RUN echo \"<<NOT\" done\n"
                    "ENV X=1\n";
  TAP_OK(parse(src, &df, NULL, NULL) == 0, "here-documents parse");
  TAP_OK(df.n == 6, "6 instructions around the documents (got %zu)", df.n);
  TAP_OK(df.v[1].n_heredocs == 1 && strcmp(df.v[1].heredocs[0].body, "echo one\necho two\n") == 0,
         "RUN <<EOF body");
  TAP_OK(df.v[2].n_heredocs == 2, "two documents on one line");
  TAP_STREQ(df.v[2].heredocs[0].body, "chomped\n", "<<- strips leading tabs");
  TAP_OK(df.v[2].heredocs[0].chomp && df.v[2].heredocs[0].expand, "<<-A: chomp, expand");
  TAP_OK(!df.v[2].heredocs[1].expand, "<<'B': no expansion");
  TAP_STREQ(df.v[2].heredocs[1].body, "raw $x\n", "quoted body kept");
  TAP_STREQ(df.v[3].heredocs[0].name, "file1", "COPY document name");
  TAP_OK(df.v[4].n_heredocs == 0, "<< inside quotes is no document");
  TAP_OK(df.v[5].kind == DF_ENV && df.v[5].line == 15, "lines counted through the documents");
  df_free(&df);
  char *msg;
  TAP_OK(parse("FROM a\nRUN <<EOF\necho\n", &df, &msg, NULL) < 0, "unterminated document");
  TAP_OK(msg && strstr(msg, "unterminated heredoc"), "unterminated heredoc message");
  free(msg);
}

static void test_expand(void)
{
  struct {
    const char *in, *out;
  } cases[] = {
      {"$A", "aa"},           {"${A}", "aa"},       {"x${A}y", "xaay"},
      {"${B:-def}", "def"},   {"${A:-def}", "aa"},  {"${EMPTY:-def}", "def"},
      {"${EMPTY-def}", ""},   {"${A:+alt}", "alt"}, {"${B:+alt}", ""},
      {"'$A'", "$A"},         {"\"$A b\"", "aa b"}, {"\\$A", "$A"},
      {"a\\ b", "a b"},       {"$", "$"},           {"${B:-${A}}", "aa"},
      {"\"a\\\"b\"", "a\"b"}, {"$B", ""},           {"${A:-'x y'}", "aa"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    autofree char *got = ex(cases[i].in, '\\');
    TAP_STREQ(got, cases[i].out, "expand %s", cases[i].in);
  }
  autofree char *bt = ex("`$A", '`');
  TAP_STREQ(bt, "$A", "backtick escape");
  autofree char *bad = ex("${A", '\\');
  TAP_STREQ(bad, "<error>", "unterminated ${");
  autofree char *bad2 = ex("${A?x}", '\\');
  TAP_STREQ(bad2, "<error>", "unsupported modifier");
  autofree char *bad3 = ex("'open", '\\');
  TAP_STREQ(bad3, "<error>", "unterminated quote");
}

static void test_ignore(void)
{
  struct df_ignore *ig = df_ignore_parse("# comment\n*.log\n!keep.log\nbuild/\n**/tmp\n"
                                         "/secret\ndocs/**/*.md\n!docs/README.md\n");
  TAP_OK(df_ignore_match(ig, "a.log"), "*.log");
  TAP_OK(!df_ignore_match(ig, "keep.log"), "! exception");
  TAP_OK(!df_ignore_match(ig, "sub/a.log"), "* does not cross /");
  TAP_OK(df_ignore_match(ig, "build"), "dir");
  TAP_OK(df_ignore_match(ig, "build/x/y"), "under an ignored dir");
  TAP_OK(df_ignore_match(ig, "tmp") && df_ignore_match(ig, "a/b/tmp") &&
             df_ignore_match(ig, "a/tmp/f"),
         "**/tmp at any depth");
  TAP_OK(df_ignore_match(ig, "secret"), "leading / dropped");
  TAP_OK(df_ignore_match(ig, "docs/a/b/x.md") && df_ignore_match(ig, "docs/x.md"), "docs/**/*.md");
  TAP_OK(!df_ignore_match(ig, "docs/README.md"), "exception after **");
  TAP_OK(!df_ignore_match(ig, "src/main.c"), "others kept");
  TAP_OK(df_ignore_has_exceptions(ig), "has exceptions");
  df_ignore_free(ig);
  ig = df_ignore_parse("*\n!app\n");
  TAP_OK(df_ignore_match(ig, "x") && !df_ignore_match(ig, "app") && !df_ignore_match(ig, "app/f"),
         "* then !app");
  df_ignore_free(ig);
}

int main(void)
{
  test_parse();
  test_heredoc();
  test_expand();
  test_ignore();
  return TAP_DONE();
}
