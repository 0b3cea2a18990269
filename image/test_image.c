#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/sha256.h"
#include "image/store.h"
#include "image/tarpath.h"
#include "image/changes.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void check_ref(const char *in, const char *full, const char *familiar)
{
  struct image_ref *r = NULL;
  autoerr struct td_err *e = NULL;
  int rc = image_ref_parse(in, &r, &e);
  TAP_OK(rc == 0, "parse %s%s%s", in, e ? ": " : "", e ? err_text(e) : "");
  if (rc != 0)
    return;
  autofree char *f = image_ref_full(r);
  autofree char *fam = image_ref_familiar(r);
  TAP_STREQ(f, full, "full form of %s", in);
  TAP_STREQ(fam, familiar, "familiar form of %s", in);
  image_ref_free(r);
}

static void check_bad_ref(const char *in)
{
  struct image_ref *r = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(image_ref_parse(in, &r, &e) < 0 && e && strstr(e->msg, "invalid reference format"),
         "reject '%s'%s%s", in, e ? ": " : "", e ? e->msg : "");
  image_ref_free(r);
}

static void test_refs(void)
{
  const char *dg = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  check_ref("busybox", "docker.io/library/busybox:latest", "busybox:latest");
  check_ref("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
  check_ref("me/app", "docker.io/me/app:latest", "me/app:latest");
  check_ref("docker.io/library/alpine:3", "docker.io/library/alpine:3", "alpine:3");
  check_ref("index.docker.io/x/y:z", "docker.io/x/y:z", "x/y:z");
  check_ref("localhost:5000/a/b:c", "localhost:5000/a/b:c", "localhost:5000/a/b:c");
  check_ref("localhost/a", "localhost/a:latest", "localhost/a:latest");
  check_ref("quay.io/podman/hello", "quay.io/podman/hello:latest", "quay.io/podman/hello:latest");
  check_ref("a__b-c.d---e:V1.0_x-y", "docker.io/library/a__b-c.d---e:V1.0_x-y",
            "a__b-c.d---e:V1.0_x-y");
  autofree char *with_dg = xasprintf("busybox@%s", dg);
  autofree char *with_dg_full = xasprintf("docker.io/library/busybox@%s", dg);
  check_ref(with_dg, with_dg_full, with_dg);
  check_bad_ref("UPPER/Case::x");
  check_bad_ref("Busybox");
  check_bad_ref("");
  check_bad_ref("a:");
  check_bad_ref(":tag");
  check_bad_ref("a/");
  check_bad_ref("a//b");
  check_bad_ref("-a");
  check_bad_ref("a@sha256:12");
  check_bad_ref("a:-x");
  check_bad_ref("a___b");
  check_bad_ref("a:b:c");
  check_bad_ref("exa mple");
  {
    char longname[250];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    check_bad_ref(longname); /* 249 chars, but "docker.io/library/" makes it 267 */
  }
  autofree char *fam = image_name_familiar("docker.io/library/busybox:latest");
  TAP_STREQ(fam, "busybox:latest", "image_name_familiar");
}

static void test_sha256(void)
{
  char hex[65];
  image_sha256_str("", hex);
  TAP_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256('')");
  image_sha256_str("abc", hex);
  TAP_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "sha256('abc')");
  image_sha256_str("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
  TAP_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            "sha256 two blocks");
}

static void test_chain(void)
{
  const char *a = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  const char *b = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  autojson json_t *ids = json_pack("[s,s]", a, b);
  autostrv char **chain = NULL;
  autoerr struct td_err *e = NULL;
  TAP_OK(image_chain_ids(ids, &chain, &e) == 0 && strv_len(chain) == 2, "chain ids");
  TAP_STREQ(chain[0], a, "first chain id is the diff id");
  char hex[65];
  autofree char *in = xasprintf("%s %s", a, b);
  image_sha256_str(in, hex);
  autofree char *want = xasprintf("sha256:%s", hex);
  TAP_STREQ(chain[1], want, "second chain id is sha256(parent + ' ' + diff)");
}

static void check_clean(const char *in, const char *want)
{
  autofree char *got = image_tar_path_clean(in);
  if (want == NULL)
    TAP_OK(got == NULL, "refuse tar path '%s'", in);
  else
    TAP_STREQ(got, want, "clean tar path '%s'", in);
}

static void test_tar_paths(void)
{
  check_clean("./a//b/", "a/b");
  check_clean("/etc/passwd", "etc/passwd");
  check_clean(".", "");
  check_clean("./", "");
  check_clean("a/./b", "a/b");
  check_clean("../x", NULL);
  check_clean("a/../../x", NULL);
  check_clean("a/..", NULL);
  check_clean("..", NULL);
  check_clean("a/...", "a/...");
  check_clean("..foo/bar", "..foo/bar");
}

static void test_whiteouts(void)
{
  const char *t = NULL;
  TAP_OK(image_whiteout_kind("file", &t) == IMAGE_WH_NONE, "plain name");
  TAP_OK(image_whiteout_kind(".wh..wh..opq", &t) == IMAGE_WH_OPAQUE, "opaque marker");
  TAP_OK(image_whiteout_kind(".wh..wh.plnk", &t) == IMAGE_WH_META, "aufs metadata ignored");
  TAP_OK(image_whiteout_kind(".wh.foo", &t) == IMAGE_WH_FILE && strcmp(t, "foo") == 0,
         "file whiteout names its target");
  TAP_OK(image_whiteout_kind(".wh.", &t) == IMAGE_WH_INVALID, "empty whiteout target");
  TAP_OK(image_whiteout_kind(".wh..", &t) == IMAGE_WH_INVALID, "'.' whiteout target");
  TAP_OK(image_whiteout_kind(".wh...", &t) == IMAGE_WH_INVALID, "'..' whiteout target");
  TAP_OK(image_whiteout_kind(".whfoo", &t) == IMAGE_WH_NONE, "not a whiteout prefix");
}

static void test_changes(void)
{
  autojson json_t *c = json_object();
  autoerr struct td_err *e = NULL;
  TAP_OK(image_change_apply(c, "CMD [\"sh\",\"-c\",\"x\"]", &e) == 0, "CMD exec form");
  autofree char *cmd = json_dumps(json_object_get(c, "Cmd"), JSON_COMPACT);
  TAP_STREQ(cmd, "[\"sh\",\"-c\",\"x\"]", "CMD stored as given");
  TAP_OK(image_change_apply(c, "ENTRYPOINT echo hi", &e) == 0, "ENTRYPOINT shell form");
  autofree char *ep = json_dumps(json_object_get(c, "Entrypoint"), JSON_COMPACT);
  TAP_STREQ(ep, "[\"/bin/sh\",\"-c\",\"echo hi\"]", "shell form wraps in /bin/sh -c");
  TAP_OK(image_change_apply(c, "ENV A=1 B=\"two words\"", &e) == 0, "ENV pairs");
  TAP_OK(image_change_apply(c, "env A=3", &e) == 0, "ENV replaces, keyword any case");
  autofree char *env = json_dumps(json_object_get(c, "Env"), JSON_COMPACT);
  TAP_STREQ(env, "[\"A=3\",\"B=two words\"]", "Env content");
  TAP_OK(image_change_apply(c, "EXPOSE 80 53/udp", &e) == 0, "EXPOSE");
  TAP_OK(json_object_get(json_object_get(c, "ExposedPorts"), "80/tcp") &&
             json_object_get(json_object_get(c, "ExposedPorts"), "53/udp"),
         "ports get /tcp by default");
  TAP_OK(image_change_apply(c, "VOLUME [\"/data\"]", &e) == 0 &&
             json_object_get(json_object_get(c, "Volumes"), "/data"),
         "VOLUME");
  TAP_OK(image_change_apply(c, "LABEL a=b", &e) == 0, "LABEL");
  TAP_OK(image_change_apply(c, "WORKDIR /w", &e) == 0 &&
             strcmp(json_string_value(json_object_get(c, "WorkingDir")), "/w") == 0,
         "WORKDIR");
  TAP_OK(image_change_apply(c, "USER 1000:1000", &e) == 0, "USER");
  TAP_OK(image_change_apply(c, "STOPSIGNAL SIGINT", &e) == 0, "STOPSIGNAL");
  TAP_OK(image_change_apply(c, "RUN rm -rf /", &e) < 0, "RUN is refused");
  err_free(&e);
  TAP_OK(image_change_apply(c, "ENV =x", &e) < 0, "ENV without a key is refused");
}

int main(void)
{
  test_tar_paths();
  test_whiteouts();
  test_changes();
  test_refs();
  test_sha256();
  test_chain();
  return TAP_DONE();
}
