/* `image inspect` and `volume inspect`: look each name up, print a JSON array of the objects
 * or one --format line per object; a name that fails is reported and the rest still print
 * (docker's behaviour), the exit code being the last failure's. */
#include <getopt.h>
#include <stdio.h>

#include "cli/image_cli.h"
#include "util/cleanup.h"
#include "util/gotmpl.h"

int cli_inspect_each(const char *root, const char *cmd, enum cli_docker_type type, int argc,
                     char **argv,
                     int (*get)(const char *root, const char *name, json_t **out,
                                struct td_err **err))
{
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {NULL, 0, NULL, 0}};
  const char *format = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
    if (c != 'f')
      return EXIT_ENGINE;
    format = optarg;
  }
  if (optind >= argc) {
    fprintf(stderr, "%s: \"%s\" requires at least 1 argument.\nSee 'tinydocker %s --help'.\n",
            err_progname, cmd, cmd);
    return EXIT_ENGINE;
  }
  autojson json_t *all = json_array();
  int rc = 0;
  struct gotmpl_inspect tin = {0};
  if (format && (rc = gotmpl_inspect_begin(&tin, format)) != 0)
    return rc;
  for (int i = optind; i < argc; i++) {
    json_t *obj = NULL;
    autoerr struct td_err *err = NULL;
    if (get(root, argv[i], &obj, &err) < 0) {
      rc = cli_fail(steal_ptr(err));
      continue;
    }
    if (format) {
      autojson json_t *raw = json_deep_copy(obj);
      cli_docker_typed_view(obj, type);
      gotmpl_inspect_typed(&tin, obj, raw);
    }
    json_array_append_new(all, obj);
  }
  if (!format) {
    autofree char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
  } else if (gotmpl_inspect_end(&tin) != 0 && rc == 0) {
    rc = 1;
  }
  return rc;
}
