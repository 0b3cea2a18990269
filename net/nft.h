/* Our nftables table through libnftables, which only the helper tinydocker-nft loads
 * (net/nft_tool.c): one helper process per handle, started when rules change. */
#pragma once
#include <stdbool.h>

#include "util/err.h"

struct nft;

/* Start the helper and make sure the table exists; table name from net_nft_table(). */
struct nft *nft_open(const char *table, const char *root, struct td_err **err);
/* End the helper (waited for) and free the handle. */
void nft_close(struct nft *nft);
/* Run nft commands (one or more lines) in one transaction. */
int nft_run(struct nft *nft, const char *cmds, struct td_err **err);
/* Run commands one by one, ignoring failures (idempotent removal of elements). */
void nft_run_each_quiet(struct nft *nft, char *const *cmds);
/* Delete the whole table; a missing table is fine. */
int nft_table_delete(const char *table, struct td_err **err);
/* Our tables whose root (their comment) no longer exists, and the bridges they list. */
int nft_orphans(char ***tables, char ***bridges, struct td_err **err);
