/* Unit tests of the store's name links (base64url ids). */
#include <stdio.h>
#include <string.h>

#include "engine/container/container.h"
#include "tests/tap.h"

static bool round_trip(const char *id)
{
  char link[STORE_LINK_ID_LEN + 1], back[65];
  return store_id_to_link(id, link) && strlen(link) == STORE_LINK_ID_LEN &&
         store_link_to_id(link, back) && strcmp(back, id) == 0;
}

int main(void)
{
  const char *zeros = "0000000000000000000000000000000000000000000000000000000000000000";
  const char *ones = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  const char *mixed = "0cc61cf503070906a1ac85b66fb83eba5e0c4013f5d05c9f7801b39330b870d2";
  TAP_OK(round_trip(zeros), "all zeros round trip");
  TAP_OK(round_trip(ones), "all ones round trip");
  TAP_OK(round_trip(mixed), "a real id round trips");
  char link[STORE_LINK_ID_LEN + 1], back[65];
  TAP_OK(store_id_to_link(mixed, link) &&
             strcmp(link, "DMYc9QMHCQahrIW2b7g-ul4MQBP10FyfeAGzkzC4cNI") == 0,
         "the encoding is base64url of the 32 bytes");
  /* every one of the 256 bits maps to its own place */
  bool all = true;
  for (int bit = 0; bit < 256 && all; bit++) {
    char id[65];
    for (int i = 0; i < 64; i++)
      id[i] = '0';
    id[64] = '\0';
    int nib = bit / 4;
    id[nib] = "1248"[3 - bit % 4];
    all = round_trip(id);
  }
  TAP_OK(all, "each single bit round trips");
  TAP_OK(!store_id_to_link("0cc61cf5", link), "a short id is refused");
  TAP_OK(
      !store_id_to_link("0CC61CF503070906A1AC85B66FB83EBA5E0C4013F5D05C9F7801B39330B870D2", link),
      "upper-case hex is refused (ids are lower case)");
  TAP_OK(!store_link_to_id("DMYc9QMHCQahrIW2b7g+ul4MQBP10FyfeAGzkzC4cNI", back),
         "a character outside base64url is refused");
  TAP_OK(!store_link_to_id("DMYc9QMHCQ", back), "a short link is refused");
  return TAP_DONE();
}
