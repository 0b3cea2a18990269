/* Unit tests of --storage-opt's seccomp narrowing (storage.c): the ioctl rules of a
 * quota-limited container match every 32-bit request but the ones that change a project id,
 * whatever the upper 32 bits of the argument hold. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "engine/container/internal.h"
#include "runtime/security/security.h"
#include "tests/tap.h"

static json_t *ioctl_rules, *calls;

static bool allowed(uint64_t req)
{
  size_t i;
  json_t *r;
  json_array_foreach (ioctl_rules, i, r) {
    json_t *a = json_array_get(json_object_get(r, "args"), 0);
    uint64_t mask = (uint64_t)json_integer_value(json_object_get(a, "value"));
    uint64_t val = (uint64_t)json_integer_value(json_object_get(a, "valueTwo"));
    if ((req & mask) == val)
      return true;
  }
  return false;
}

int main(void)
{
  json_t *spec = json_pack("{s:{s:o}}", "linux", "seccomp", security_docker_default_seccomp_json());
  eng_storage_seccomp(spec);
  calls = json_object_get(json_object_get(json_object_get(spec, "linux"), "seccomp"), "syscalls");
  ioctl_rules = json_array();
  bool plain = false, masked = true;
  size_t i;
  json_t *r;
  json_array_foreach (calls, i, r) {
    json_t *names = json_object_get(r, "names");
    size_t j;
    json_t *n;
    json_array_foreach (names, j, n) {
      if (strcmp(json_string_value(n), "ioctl") != 0)
        continue;
      json_t *args = json_object_get(r, "args");
      if (json_array_size(args) == 0)
        plain = true;
      else {
        json_t *a = json_array_get(args, 0);
        masked &= strcmp(json_string_value(json_object_get(a, "op")), "SCMP_CMP_MASKED_EQ") == 0 &&
                  json_integer_value(json_object_get(a, "index")) == 1 &&
                  (json_integer_value(json_object_get(a, "value")) >> 32) == 0;
        json_array_append(ioctl_rules, r);
      }
    }
  }
  TAP_OK(!plain, "no unconditional ioctl allow is left");
  TAP_OK(masked && json_array_size(ioctl_rules) > 0 && json_array_size(ioctl_rules) <= 96,
         "ioctl rules: arg 1 masked within 32 bits (%zu of them)", json_array_size(ioctl_rules));
  TAP_OK(!allowed(0x401c5820u) && !allowed(0x40086602u) && !allowed(0x40046602u),
         "FS_IOC_FSSETXATTR and FS_IOC_SETFLAGS are not allowed");
  TAP_OK(!allowed(0x401c5820u | (UINT64_C(1) << 40)), "nor with the upper 32 bits set");
  bool others = allowed(0x5401) && allowed(0x541b) && allowed(0x801c581f) && allowed(0x40086601) &&
                allowed(0x401c5821) && allowed(0) && allowed(0xffffffffu);
  uint32_t x = 2463534242u; /* xorshift: a spread of requests */
  for (int k = 0; k < 200000 && others; k++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    if (x != 0x401c5820u && x != 0x40086602u && x != 0x40046602u)
      others = allowed(x);
  }
  TAP_OK(others, "every other request is allowed (FSGETXATTR, GETFLAGS, TCGETS, a spread)");
  json_t *none = json_pack("{s:{}}", "linux");
  eng_storage_seccomp(none); /* unconfined: nothing to narrow */
  TAP_OK(json_object_get(json_object_get(none, "linux"), "seccomp") == NULL,
         "no seccomp profile: left alone");
  json_decref(none);
  json_decref(ioctl_rules);
  json_decref(spec);
  return TAP_DONE();
}
