/* libFuzzer target for the /etc/subuid parser (util/subid.c). Properties checked: the ranges
 * returned never overlap, never end past 2^32-1, and are never empty. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/subid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const names[] = {"dockremap", "0", "a"};
  for (size_t k = 0; k < 3; k++) {
    struct subid_range r[SUBID_MAX];
    size_t n = 0;
    struct td_err *e = NULL;
    if (subid_parse((const char *)data, size, names[k], r, &n, &e) < 0) {
      err_free(&e);
      continue;
    }
    if (n > SUBID_MAX)
      abort();
    for (size_t i = 0; i < n; i++) {
      if (r[i].count == 0 || (uint64_t)r[i].start + r[i].count > UINT32_MAX)
        abort();
      for (size_t j = 0; j < i; j++)
        if (r[i].start < (uint64_t)r[j].start + r[j].count &&
            r[j].start < (uint64_t)r[i].start + r[i].count)
          abort();
    }
  }
  return 0;
}
