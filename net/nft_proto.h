/* The framing between net/nft.c and `tinydocker-nft session` (net/nft_tool.c) over a unix
 * socket: a request is its header and len bytes of commands; the reply its header, out_len
 * bytes of libnftables' output, then err_len bytes of its error text. Both ends are built
 * together, so the headers are native structs. */
#pragma once
#include <stdint.h>

enum nft_mode {
  NFT_MODE_RUN,       /* one transaction, text output */
  NFT_MODE_LIST_JSON, /* the same with JSON output */
  NFT_MODE_EACH,      /* NUL-separated commands, each on its own, failures dropped */
};

struct nft_req {
  uint32_t mode; /* enum nft_mode */
  uint32_t len;
};

struct nft_rep {
  int32_t rc; /* 0 or 1 */
  uint32_t out_len;
  uint32_t err_len;
};
