/* tinydocker-nft: runs nft commands through libnftables.
 *
 * Why it exists: tinydocker is linked statically and a static program cannot dlopen safely, so
 * libnftables is loaded only by this small dynamic helper, and only when rules change (network
 * create/rm, a bridge brought back, cleanup); published ports go through netlink without it
 * (net/nftport.c).
 *
 *   tinydocker-nft run        stdin: commands, one transaction; stdout: libnftables' output
 *   tinydocker-nft list-json  the same with JSON output (for list commands)
 *   tinydocker-nft each       stdin: commands separated by NUL bytes, each on its own, failures
 *                             ignored (idempotent removal); prints nothing
 *   tinydocker-nft session [PARENT]
 *                             what net/nft.c runs: one process, one libnftables context for
 *                             many requests framed as in net/nft_proto.h on stdin, replies on
 *                             stdout, until EOF; with PARENT (a pid), it dies with that process
 *
 * Exit 0 on success; 1 with libnftables' error text on stderr when it fails (no capability
 * check of our own: libnftables reports a missing CAP_NET_ADMIN itself); 125 with a one-line
 * `tinydocker-nft: ...` error for bad usage. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "net/nft_proto.h"

#define PROG "tinydocker-nft"
#define EXIT_USAGE 125
#define MODE_SESSION (-1)

/* len bytes of f, NUL-terminated twice (so that `each` finds its end); NULL on a short read. */
static char *read_exact(FILE *f, size_t len)
{
  char *buf = malloc(len + 2);
  if (buf && fread(buf, 1, len, f) != len) {
    free(buf);
    return NULL;
  }
  if (buf)
    buf[len] = buf[len + 1] = '\0';
  return buf;
}

/* All of stdin, as read_exact; *len excludes the NULs. NULL on a read error. */
static char *read_all(size_t *len)
{
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 2);
  while (buf) {
    n += fread(buf + n, 1, cap - n, stdin);
    if (n < cap)
      break;
    char *more = realloc(buf, (cap *= 2) + 2);
    if (!more)
      free(buf);
    buf = more;
  }
  if (!buf || ferror(stdin)) {
    free(buf);
    return NULL;
  }
  buf[n] = buf[n + 1] = '\0';
  *len = n;
  return buf;
}

/* Run one request: 0 or 1. Its output and error text stay in the context's buffers, except
 * for `each`, which drops them. */
static int run_mode(struct nft_ctx *ctx, int mode, const char *cmds, size_t len)
{
  nft_ctx_output_set_flags(ctx, mode == NFT_MODE_LIST_JSON ? NFT_CTX_OUTPUT_JSON : 0);
  if (mode != NFT_MODE_EACH)
    return nft_run_cmd_from_buffer(ctx, cmds) == 0 ? 0 : 1;
  for (const char *c = cmds; c < cmds + len; c += strlen(c) + 1) {
    if (*c)
      nft_run_cmd_from_buffer(ctx, c);
    nft_ctx_get_output_buffer(ctx); /* each get empties its buffer */
    nft_ctx_get_error_buffer(ctx);
  }
  return 0;
}

/* Requests until EOF; 0, or 1 when a request or a reply is cut short. */
static int serve(struct nft_ctx *ctx)
{
  struct nft_req rq;
  while (fread(&rq, sizeof(rq), 1, stdin) == 1) {
    char *cmds = read_exact(stdin, rq.len);
    if (!cmds)
      return 1;
    int rc = run_mode(ctx, (int)rq.mode, cmds, rq.len);
    free(cmds);
    const char *out = nft_ctx_get_output_buffer(ctx), *err = nft_ctx_get_error_buffer(ctx);
    struct nft_rep rp = {
        .rc = rc, .out_len = (uint32_t)strlen(out), .err_len = (uint32_t)strlen(err)};
    if (fwrite(&rp, sizeof(rp), 1, stdout) != 1 || fputs(out, stdout) < 0 ||
        fputs(err, stdout) < 0 || fflush(stdout) != 0)
      return 1;
  }
  return ferror(stdin) ? 1 : 0;
}

/* One request from all of stdin; libnftables' output to stdout, its error text to stderr. */
static int run_once(struct nft_ctx *ctx, int mode)
{
  size_t len = 0;
  char *cmds = read_all(&len);
  if (!cmds) {
    fprintf(stderr, PROG ": cannot read the commands from stdin\n");
    return 1;
  }
  int rc = run_mode(ctx, mode, cmds, len);
  free(cmds);
  fputs(nft_ctx_get_output_buffer(ctx), stdout);
  if (rc != 0)
    fputs(nft_ctx_get_error_buffer(ctx), stderr);
  return rc;
}

static int usage_error(const char *why, const char *arg)
{
  fprintf(stderr, PROG ": %s%s (usage: " PROG " run|list-json|each, nft commands on stdin)\n", why,
          arg);
  return EXIT_USAGE;
}

static int parse_mode(const char *a)
{
  static const struct {
    const char *name;
    int mode;
  } modes[] = {{"run", NFT_MODE_RUN},
               {"list-json", NFT_MODE_LIST_JSON},
               {"each", NFT_MODE_EACH},
               {"session", MODE_SESSION}};
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
    if (strcmp(a, modes[i].name) == 0)
      return modes[i].mode;
  return -2;
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 3)
    return usage_error(argc < 2 ? "no mode given" : "too many arguments", "");
  int mode = parse_mode(argv[1]);
  if (mode == -2)
    return usage_error("unknown mode ", argv[1]);
  if (mode == MODE_SESSION && argc == 3) {
    /* session PARENT: dies with the process it serves. A command that process sent before a
     * kill -9 must not run after it: the next opener of the network store (its lock freed by
     * that death) may be undoing that very command's work (crash sweep, net/store.c) */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t)atoi(argv[2]))
      return 1;
  } else if (argc == 3) {
    return usage_error("too many arguments", "");
  }
  struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) {
    fprintf(stderr, PROG ": cannot make an nftables context\n");
    return 1;
  }
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  int rc = mode == MODE_SESSION ? serve(ctx) : run_once(ctx, mode);
  nft_ctx_free(ctx);
  return rc;
}
