#include <stdlib.h>
#include <string.h>

#include "image/registry/client.h"
#include "image/registry/manifest.h"
#include "image/registry/registry.h"
#include "tests/tap.h"
#include "util/cleanup.h"

static void test_challenge(void)
{
  autofree char *scheme = NULL, *realm = NULL, *service = NULL, *scope = NULL;
  int rc = reg_parse_challenge(
      "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
      "scope=\"repository:library/busybox:pull\"",
      &scheme, &realm, &service, &scope);
  TAP_OK(rc == 0, "bearer challenge parses");
  TAP_STREQ(scheme, "Bearer", "scheme");
  TAP_STREQ(realm, "https://auth.example/token", "realm");
  TAP_STREQ(service, "registry.example", "service");
  TAP_STREQ(scope, "repository:library/busybox:pull", "scope");
  autofree char *s2 = NULL, *r2 = NULL, *sv2 = NULL, *sc2 = NULL;
  TAP_OK(reg_parse_challenge("Basic realm=\"Registry Realm\"", &s2, &r2, &sv2, &sc2) == 0 &&
             strcmp(s2, "Basic") == 0 && sv2 == NULL,
         "basic challenge parses");
}

static void test_hosts(void)
{
  TAP_OK(reg_host_insecure("127.0.0.1:5000", NULL), "127.0.0.1 is plain http");
  TAP_OK(reg_host_insecure("127.1.2.3", NULL), "127/8 is plain http");
  TAP_OK(reg_host_insecure("localhost:5000", NULL), "localhost is plain http");
  TAP_OK(reg_host_insecure("[::1]:5000", NULL), "::1 is plain http");
  TAP_OK(!reg_host_insecure("registry.example:5000", NULL), "others are https");
  char *ins[] = {"registry.example:5000", NULL};
  TAP_OK(reg_host_insecure("registry.example:5000", ins), "--insecure-registry allows http");
  TAP_STREQ(reg_endpoint_host("docker.io"), "registry-1.docker.io", "docker.io endpoint");
}

static void test_index_pick(void)
{
  autojson json_t *idx = json_loads(
      "{\"manifests\":["
      "{\"digest\":\"sha256:a\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
      "\"variant\":\"v6\"}},"
      "{\"digest\":\"sha256:b\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
      "\"variant\":\"v7\"}},"
      "{\"digest\":\"sha256:c\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
      "{\"digest\":\"sha256:d\",\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\"}}]}",
      0, NULL);
  TAP_STREQ(reg_index_pick(idx, "linux/amd64"), "sha256:c", "amd64 picked");
  TAP_STREQ(reg_index_pick(idx, "linux/arm/v7"), "sha256:b", "variant honoured");
  TAP_OK(reg_index_pick(idx, "linux/s390x") == NULL, "no match is NULL");
  TAP_OK(reg_media_is_index("application/vnd.oci.image.index.v1+json"), "OCI index");
  TAP_OK(!reg_media_is_index("application/vnd.oci.image.manifest.v1+json"), "manifest");
}

/* what a registry's tag list may hold (pull --all-tags) */
static void test_tag_valid(void)
{
  const char *good[] = {"1", "latest", "v1.2.3-rc_1", "_x", "A9"};
  for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
    TAP_OK(registry_tag_valid(good[i]), "tag %s", good[i]);
  char long_tag[130];
  memset(long_tag, 'a', 129);
  long_tag[129] = '\0';
  const char *bad[] = {"", "../../x", "a/b", "x@y", ".x", "-x", "a:b", "a b", long_tag};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
    TAP_OK(!registry_tag_valid(bad[i]), "not a tag: %.20s", bad[i]);
  long_tag[128] = '\0';
  TAP_OK(registry_tag_valid(long_tag), "128 characters");
}

int main(void)
{
  test_challenge();
  test_tag_valid();
  test_hosts();
  test_index_pick();
  return TAP_DONE();
}
