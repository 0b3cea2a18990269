/* `tinydocker network create|ls|inspect|rm|prune|connect|disconnect|cleanup` and `port`.
 * Parsing only: everything else is net/. */
#include "cli/tinydocker_network.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/docker_types.h"
#include "cli/format_rows.h"
#include "net/net.h"
#include "util/gotmpl.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

void net_cli_ctr_clear(struct net_cli_ctr *c)
{
  free(c->id);
  free(c->name);
  free(c->hostname);
  free(c->hosts_path);
  free(c->network_mode);
  memset(c, 0, sizeof(*c));
}

/* getopt_long with docker's messages; returns the option, -1 at the end, '?' on error. */
static int next_opt(int argc, char **argv, const char *shorts, const struct option *longs,
                    const char *cmd, struct td_err **err)
{
  opterr = 0;
  int c = getopt_long(argc, argv, shorts, longs, NULL);
  if (c == '?' || c == ':') {
    const char *bad = argv[optind - 1];
    err_set(err, EINVAL, "%s: unknown flag or missing argument: %s", cmd, bad ? bad : "");
    return '?';
  }
  return c;
}

/* docker's CLI errors of the IPAM flags: bare */
static int ipam_config(char **subnets, char **ranges, char **gateways, char **aux, json_t **cfg,
                       struct td_err **err)
{
  if (subnets == NULL && ranges == NULL && gateways == NULL && aux == NULL)
    return 0;
  if (net_ipam_consolidate(subnets, ranges, gateways, aux, cfg, err) < 0)
    return err_mark(err, ERR_BARE); /* EXIT_ENGINE: 1 in docker's style */
  return 0;
}

enum { O_AUX = 1000, O_IPAM_DRIVER };

static int cmd_create(const char *root, int argc, char **argv, struct td_err **err)
{
  static const struct option lo[] = {{"driver", required_argument, NULL, 'd'},
                                     {"subnet", required_argument, NULL, 's'},
                                     {"gateway", required_argument, NULL, 'g'},
                                     {"ip-range", required_argument, NULL, 'r'},
                                     {"aux-address", required_argument, NULL, O_AUX},
                                     {"ipam-driver", required_argument, NULL, O_IPAM_DRIVER},
                                     {"internal", no_argument, NULL, 'i'},
                                     {"label", required_argument, NULL, 'l'},
                                     {"opt", required_argument, NULL, 'o'},
                                     {"attachable", no_argument, NULL, 'a'},
                                     {"ipv6", no_argument, NULL, '6'},
                                     {NULL, 0, NULL, 0}};
  struct net_create_req req = {0};
  autostrv char **labels = NULL, **options = NULL;
  autostrv char **subnets = NULL, **gateways = NULL, **ranges = NULL, **aux = NULL;
  int c;
  while ((c = next_opt(argc, argv, "+d:o:", lo, "network create", err)) != -1) {
    switch (c) {
    case 'd':
      req.driver = optarg;
      break;
    case 's':
      strv_push(&subnets, optarg);
      break;
    case 'g':
      strv_push(&gateways, optarg);
      break;
    case 'r':
      strv_push(&ranges, optarg);
      break;
    case O_AUX:
      strv_push(&aux, optarg);
      break;
    case O_IPAM_DRIVER:
      req.ipam_driver = optarg;
      break;
    case 'i':
      req.internal = true;
      break;
    case 'l':
      strv_push(&labels, optarg);
      break;
    case 'o':
      strv_push(&options, optarg);
      break;
    case 'a':
      break;
    case '6':
      return err_set(err, ENOTSUP, "IPv6 networks are not supported");
    default:
      return -1;
    }
  }
  if (argc - optind != 1)
    return err_set(err, EINVAL, "\"network create\" requires exactly 1 argument");
  autojson json_t *cfg = NULL;
  if (ipam_config(subnets, ranges, gateways, aux, &cfg, err) < 0)
    return -1;
  json_t *first = json_array_get(cfg, 0);
  req.ipam_config = cfg;
  req.subnet = json_string_value(json_object_get(first, "Subnet"));
  req.gateway = json_string_value(json_object_get(first, "Gateway"));
  req.ip_range = json_string_value(json_object_get(first, "IPRange"));
  req.name = argv[optind];
  req.labels = labels;
  req.options = options;
  autofree char *id = NULL;
  if (net_create(root, &req, &id, err) < 0)
    return -1;
  printf("%s\n", id);
  return 0;
}

static const char *network_header(const char *field)
{
  static const char *const heads[][2] = {{"ID", "NETWORK ID"}, {"Name", "NAME"},
                                         {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
                                         {"IPv6", "IPV6"},     {"Internal", "INTERNAL"},
                                         {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"}};
  for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
    if (strcmp(heads[i][0], field) == 0)
      return heads[i][1];
  return NULL;
}

/* docker's network ls row (a *network.networkContext): every field a string. */
static json_t *network_row(json_t *n, bool notrunc)
{
  autofree char *lab = jsonv_labels_join(json_object_get(n, "Labels"));
  const char *id = json_string_value(json_object_get(n, "Id"));
  const char *created = json_string_value(json_object_get(n, "Created"));
  /* docker's CLI prints the decoded time.Time: Go's String() in UTC */
  autofree char *created_at = created ? time_go_string(time_parse_rfc3339(created), true) : NULL;
  autofree char *sid = xstrndup(id ? id : "", notrunc ? 64 : 12);
  return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID", sid, "Name",
                   json_string_value(json_object_get(n, "Name")), "Driver", "bridge", "Scope",
                   "local", "IPv6",
                   json_is_true(json_object_get(n, "EnableIPv6")) ? "true" : "false", "Internal",
                   json_is_true(json_object_get(n, "Internal")) ? "true" : "false", "Labels", lab,
                   "CreatedAt", created_at ? created_at : "");
}

static int cmd_ls(const char *root, int argc, char **argv, struct td_err **err)
{
  static const struct option lo[] = {{"quiet", no_argument, NULL, 'q'},
                                     {"no-trunc", no_argument, NULL, 'n'},
                                     {"format", required_argument, NULL, 'f'},
                                     {"filter", required_argument, NULL, 'F'},
                                     {NULL, 0, NULL, 0}};
  bool quiet = false, notrunc = false;
  const char *fmt = NULL, *fname = NULL;
  int c;
  while ((c = next_opt(argc, argv, "+qf:", lo, "network ls", err)) != -1) {
    switch (c) {
    case 'q':
      quiet = true;
      break;
    case 'n':
      notrunc = true;
      break;
    case 'f':
      fmt = optarg;
      break;
    case 'F':
      if (strncmp(optarg, "name=", 5) != 0)
        return err_set(err, EINVAL, "network ls: only the name= filter is supported");
      fname = optarg + 5;
      break;
    default:
      return -1;
    }
  }
  autojson json_t *all = NULL;
  if (net_list(root, &all, err) < 0)
    return -1;
  /* docker's default table, through the same tabwriter as every table */
  if (!quiet && (!fmt || !*fmt || strcmp(fmt, "table") == 0))
    fmt = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
  size_t i;
  json_t *n;
  if (!quiet) {
    autojson json_t *rows = json_array(), *labels = json_array();
    json_array_foreach (all, i, n) {
      const char *name = json_string_value(json_object_get(n, "Name"));
      if (fname && !strstr(name, fname))
        continue;
      json_array_append_new(rows, network_row(n, notrunc));
      json_t *l = json_object_get(n, "Labels");
      json_array_append_new(labels, l ? json_incref(l) : json_null());
    }
    return cli_format_rows(fmt, rows, labels, network_header, "*network.networkContext");
  }
  json_array_foreach (all, i, n) {
    const char *id = json_string_value(json_object_get(n, "Id"));
    const char *name = json_string_value(json_object_get(n, "Name"));
    if (fname && !strstr(name, fname))
      continue;
    printf("%.*s\n", notrunc ? 64 : 12, id);
  }
  return 0;
}

static int cmd_inspect(const char *root, int argc, char **argv, struct td_err **err)
{
  static const struct option lo[] = {{"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
  int c;
  const char *fmt = NULL;
  while ((c = next_opt(argc, argv, "+f:", lo, "network inspect", err)) != -1)
    if (c == 'f')
      fmt = optarg;
    else
      return -1;
  if (optind >= argc)
    return err_set(err, EINVAL, "\"network inspect\" requires at least 1 argument");
  autojson json_t *out = json_array();
  autostrv char **missing = NULL;
  for (int i = optind; i < argc; i++) {
    json_t *one = NULL;
    autoerr struct td_err *e = NULL;
    if (net_inspect(root, argv[i], &one, &e) < 0) {
      if (e->errnum != ENOENT)
        return *err = steal_ptr(e), -1;
      strv_push(&missing, argv[i]); /* docker's CLI: named after what it found */
      continue;
    }
    json_array_append_new(out, one);
  }
  int rc = 0;
  if (fmt) { /* inspect's template: Go's text/template over each network */
    struct gotmpl_inspect tin;
    rc = gotmpl_inspect_begin(&tin, fmt);
    if (rc != 0)
      return rc;
    size_t i;
    json_t *n;
    json_array_foreach (out, i, n) {
      autojson json_t *raw = json_deep_copy(n);
      cli_docker_typed_view(n, CLI_DOCKER_NETWORK);
      gotmpl_inspect_typed(&tin, n, raw);
    }
    rc = gotmpl_inspect_end(&tin);
  } else {
    autofree char *s = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
  }
  if (missing == NULL)
    return rc;
  fflush(stdout);
  for (char **m = missing; *m; m++)
    fprintf(stderr, "Error: No such network: %s\n", *m);
  return err_set_exit(err, 1, 0, "networks not found"), err_mark(err, ERR_SILENT);
}

static int cmd_rm(const char *root, int argc, char **argv, struct td_err **err)
{
  if (argc < 2)
    return err_set(err, EINVAL, "\"network rm\" requires at least 1 argument");
  int status = 0;
  for (int i = 1; i < argc; i++) {
    autoerr struct td_err *e = NULL;
    if (net_remove(root, argv[i], &e) < 0) {
      err_print("tinydocker", e);
      status = 1;
      continue;
    }
    printf("%s\n", argv[i]);
  }
  return status;
}

static int cmd_prune(const char *root, int argc, char **argv, struct td_err **err)
{
  (void)argc, (void)argv; /* -f / --force: we never prompt */
  autostrv char **removed = NULL;
  if (net_prune(root, &removed, err) < 0)
    return -1;
  if (removed && *removed) {
    printf("Deleted Networks:\n");
    for (char **r = removed; *r; r++)
      printf("%s\n", *r);
  }
  return 0;
}

/* `network cleanup [--orphans]`: this root's everything, or what deleted roots left. */
static int cmd_cleanup(const char *root, int argc, char **argv, struct td_err **err)
{
  if (argc == 2 && !strcmp(argv[1], "--orphans")) {
    autostrv char **removed = NULL;
    if (net_cleanup_orphans(&removed, err) < 0)
      return -1;
    for (char **r = removed; r && *r; r++)
      printf("%s\n", *r);
    return 0;
  }
  if (argc != 1)
    return err_set(err, EINVAL, "usage: network cleanup [--orphans]");
  return net_cleanup(root, err);
}

struct attach_args {
  struct net_attach_req req;
  struct net_port *ports;
  size_t n_ports;
  char **aliases, **add_hosts;
};

static void attach_args_clear(struct attach_args *a)
{
  free(a->ports);
  strv_free(a->aliases);
  strv_free(a->add_hosts);
}

/* Flags shared by connect and the test hook _attach. */
static int attach_flags(int argc, char **argv, const char *cmd, struct attach_args *a,
                        struct td_err **err)
{
  static const struct option lo[] = {
      {"ip", required_argument, NULL, 'i'},      {"alias", required_argument, NULL, 'a'},
      {"network", required_argument, NULL, 'n'}, {"publish", required_argument, NULL, 'p'},
      {"name", required_argument, NULL, 'N'},    {"hostname", required_argument, NULL, 'h'},
      {"hosts", required_argument, NULL, 'H'},   {"add-host", required_argument, NULL, 'A'},
      {"expose", required_argument, NULL, 'E'},  {NULL, 0, NULL, 0}};
  int c;
  while ((c = next_opt(argc, argv, "+p:", lo, cmd, err)) != -1) {
    switch (c) {
    case 'i':
      a->req.ip = optarg;
      break;
    case 'a':
      strv_push(&a->aliases, optarg);
      break;
    case 'n':
      a->req.network = optarg;
      break;
    case 'p':
      if (net_port_parse(optarg, &a->ports, &a->n_ports, err) < 0)
        return -1;
      break;
    case 'E':
      if (net_port_parse_exposed(optarg, &a->ports, &a->n_ports, err) < 0)
        return -1;
      break;
    case 'N':
      a->req.container_name = optarg;
      break;
    case 'h':
      a->req.hostname = optarg;
      break;
    case 'H':
      a->req.hosts_path = optarg;
      break;
    case 'A':
      strv_push(&a->add_hosts, optarg);
      break;
    default:
      return -1;
    }
  }
  a->req.aliases = a->aliases;
  a->req.add_hosts = a->add_hosts;
  a->req.ports = a->ports;
  a->req.n_ports = a->n_ports;
  return 0;
}

static void print_result(const struct net_attach_result *res)
{
  printf("%s %s/%d %s %s", res->ip, res->gateway, res->prefix, res->mac, res->host_ifname);
  for (size_t i = 0; i < res->n_ports; i++) {
    autofree char *p = net_port_fmt(&res->ports[i]);
    printf(" [%s]", p);
  }
  printf("\n");
}

/* Test hook: attach a netns the caller made (`ip netns add`) as if it were a container. */
static int cmd_attach_raw(const char *root, int argc, char **argv, struct td_err **err)
{
  struct attach_args a = {0};
  int r = attach_flags(argc, argv, "network _attach", &a, err);
  if (r == 0 && argc - optind != 2)
    r = err_set(err, EINVAL, "usage: network _attach [FLAGS] CONTAINER_ID NETNS_PATH");
  struct net_attach_result res = {0};
  if (r == 0)
    r = net_attach(root, argv[optind], argv[optind + 1], &a.req, &res, err);
  if (r == 0)
    print_result(&res);
  net_attach_result_free(&res);
  attach_args_clear(&a);
  return r;
}

static int ctr_lookup(const struct net_cli_hooks *hooks, const char *name, struct net_cli_ctr *c,
                      struct td_err **err)
{
  if (!hooks || !hooks->lookup)
    return err_set(err, ENOTSUP, "container lookup is not available");
  return hooks->lookup(hooks->ud, name, c, err);
}

static int cmd_connect(const char *root, const struct net_cli_hooks *hooks, int argc, char **argv,
                       struct td_err **err)
{
  (void)root;
  struct attach_args a = {0};
  int r = attach_flags(argc, argv, "network connect", &a, err);
  if (r == 0 && argc - optind != 2)
    r = err_set(err, EINVAL, "\"network connect\" requires exactly 2 arguments");
  if (r == 0 && (!hooks || !hooks->connect))
    r = err_set(err, ENOTSUP, "network connect needs the engine");
  if (r == 0) {
    a.req.network = argv[optind];
    r = hooks->connect(hooks->ud, argv[optind + 1], &a.req, err);
  }
  attach_args_clear(&a);
  return r;
}

static int cmd_disconnect(const char *root, const struct net_cli_hooks *hooks, int argc,
                          char **argv, struct td_err **err)
{
  (void)root;
  int i = 1;
  if (i < argc && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")))
    i++;
  if (argc - i != 2)
    return err_set(err, EINVAL, "\"network disconnect\" requires exactly 2 arguments");
  if (!hooks || !hooks->disconnect)
    return err_set(err, ENOTSUP, "network disconnect needs the engine");
  return hooks->disconnect(hooks->ud, argv[i], argv[i + 1], err);
}

/* `network _release ID`: net_release, printing what net_unplug (`network _unplug ...`) takes. */
static int cmd_release_raw(const char *root, int argc, char **argv, struct td_err **err)
{
  if (argc != 2)
    return err_set(err, EINVAL, "usage: network _release CONTAINER_ID");
  autostrv char **unplug = NULL;
  if (net_release(root, argv[1], &unplug, err) < 0)
    return -1;
  for (char **u = unplug; u && *u; u++)
    printf("%s\n", *u);
  return 0;
}

int net_cli_network(const char *root, const struct net_cli_hooks *hooks, int argc, char **argv,
                    struct td_err **err)
{
  if (argc < 2 || !strcmp(argv[1], "--help")) {
    printf("Usage:  tinydocker network COMMAND\n\nCommands:\n"
           "  connect     Connect a container to a network\n"
           "  create      Create a network\n"
           "  disconnect  Disconnect a container from a network\n"
           "  inspect     Display detailed information on one or more networks\n"
           "  ls          List networks\n"
           "  prune       Remove all unused networks\n"
           "  rm          Remove one or more networks\n"
           "  cleanup     Remove every network, endpoint and nft rule of this root\n"
           "              (--orphans: those of roots that no longer exist)\n");
    return argc < 2 ? 1 : 0;
  }
  const char *sub = argv[1];
  argc--, argv++;
  optind = 0;
  int r;
  if (!strcmp(sub, "create"))
    r = cmd_create(root, argc, argv, err);
  else if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
    r = cmd_ls(root, argc, argv, err);
  else if (!strcmp(sub, "inspect"))
    r = cmd_inspect(root, argc, argv, err);
  else if (!strcmp(sub, "rm") || !strcmp(sub, "remove"))
    r = cmd_rm(root, argc, argv, err);
  else if (!strcmp(sub, "prune"))
    r = cmd_prune(root, argc, argv, err);
  else if (!strcmp(sub, "connect"))
    r = cmd_connect(root, hooks, argc, argv, err);
  else if (!strcmp(sub, "disconnect"))
    r = cmd_disconnect(root, hooks, argc, argv, err);
  else if (!strcmp(sub, "cleanup"))
    r = cmd_cleanup(root, argc, argv, err);
  else if (!strcmp(sub, "_attach"))
    r = cmd_attach_raw(root, argc, argv, err);
  else if (!strcmp(sub, "_detach"))
    r = argc == 2 ? net_detach(root, argv[1], err)
                  : err_set(err, EINVAL, "usage: network _detach CONTAINER_ID");
  else if (!strcmp(sub, "_release"))
    r = cmd_release_raw(root, argc, argv, err);
  else if (!strcmp(sub, "_unplug"))
    r = (net_unplug(argv + 1), 0);
  else if (!strcmp(sub, "_gc"))
    r = net_gc(root, err);
  else
    r = err_set(err, EINVAL, "unknown network command \"%s\"", sub);
  return r;
}

/* `port CONTAINER [PRIVATE_PORT[/PROTO]]`: docker's "80/tcp -> 0.0.0.0:8080" lines. */
int net_cli_port(const char *root, const struct net_cli_hooks *hooks, int argc, char **argv,
                 struct td_err **err)
{
  if (argc < 2 || argc > 3)
    return err_set(err, EINVAL, "\"port\" requires 1 or 2 arguments");
  struct net_cli_ctr c = {0};
  if (ctr_lookup(hooks, argv[1], &c, err) < 0)
    return -1;
  autofree struct net_port *ports = NULL;
  size_t n = 0;
  int r = net_container_ports(root, c.id, &ports, &n, err);
  unsigned want = 0;
  char proto[8] = "tcp";
  if (argc == 3 && sscanf(argv[2], "%u/%7s", &want, proto) < 1)
    r = err_set(err, EINVAL, "invalid port \"%s\"", argv[2]);
  bool found = false;
  for (size_t i = 0; r == 0 && i < n; i++) {
    if (want && (ports[i].ctr_port != want || strcmp(ports[i].proto, proto) != 0))
      continue;
    autofree char *s = net_port_fmt(&ports[i]);
    printf("%s\n", want ? strstr(s, "-> ") + 3 : s);
    found = true;
  }
  if (r == 0 && want && !found)
    r = err_set(err, ENOENT, "No public port '%u/%s' published for %s", want, proto, argv[1]);
  net_cli_ctr_clear(&c);
  return r;
}
