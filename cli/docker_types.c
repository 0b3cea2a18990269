/* docker executes an inspect template on its Go types first: a field the JSON leaves out
 * (omitempty: an image's Config.StopSignal, Healthcheck, Shell) still exists there, with its zero
 * value (`{{json .Config.StopSignal}}` prints "", `{{json .Config.OnBuild}}` null), while a key no
 * type has is an error. This fills the documents' missing fields of docker's types with those
 * zero values, for template execution only (the JSON that inspect prints is not changed). */
#include <string.h>

#include "cli/docker_types.h"
#include "util/gotmpl.h"

/* A field of a docker type: its name and its zero value's kind ('s' "", 'b' false, 'i' 0,
 * 'n' null: pointers, slices and maps). */
struct dt_field {
  const char *name;
  char zero;
};

/* api/types/container.Config */
static const struct dt_field config_fields[] = {
    {"Hostname", 's'},
    {"Domainname", 's'},
    {"User", 's'},
    {"AttachStdin", 'b'},
    {"AttachStdout", 'b'},
    {"AttachStderr", 'b'},
    {"ExposedPorts", 'n'},
    {"Tty", 'b'},
    {"OpenStdin", 'b'},
    {"StdinOnce", 'b'},
    {"Env", 'n'},
    {"Cmd", 'n'},
    {"Healthcheck", 'n'},
    {"ArgsEscaped", 'b'},
    {"Image", 's'},
    {"Volumes", 'n'},
    {"WorkingDir", 's'},
    {"Entrypoint", 'n'},
    {"NetworkDisabled", 'b'},
    {"MacAddress", 's'},
    {"OnBuild", 'n'},
    {"Labels", 'n'},
    {"StopSignal", 's'},
    {"StopTimeout", 'n'},
    {"Shell", 'n'},
    {NULL, 0},
};

/* container.HostConfig's omitempty members (the rest are always in the document) */
static const struct dt_field host_config_fields[] = {
    {"StorageOpt", 'n'}, {"Tmpfs", 'n'}, {"Sysctls", 'n'},
    {"Mounts", 'n'},     {"Init", 'n'},  {NULL, 0},
};

/* api/types.ImageInspect */
static const struct dt_field image_fields[] = {
    {"Id", 's'},
    {"RepoTags", 'n'},
    {"RepoDigests", 'n'},
    {"Parent", 's'},
    {"Comment", 's'},
    {"Created", 's'},
    {"Container", 's'},
    {"ContainerConfig", 'n'},
    {"DockerVersion", 's'},
    {"Author", 's'},
    {"Config", 'n'},
    {"Architecture", 's'},
    {"Variant", 's'},
    {"Os", 's'},
    {"OsVersion", 's'},
    {"Size", 'i'},
    {"VirtualSize", 'i'},
    {"GraphDriver", 'n'},
    {"RootFS", 'n'},
    {"Metadata", 'n'},
    {NULL, 0},
};

static json_t *zero_of(char kind)
{
  switch (kind) {
  case 's':
    return json_string("");
  case 'b':
    return json_false();
  case 'i':
    return json_integer(0);
  default:
    return json_null();
  }
}

static void fill(json_t *obj, const struct dt_field *f)
{
  if (!json_is_object(obj))
    return;
  json_t *omit = json_object_get(obj, GOTMPL_OMIT_KEY);
  for (; f->name; f++)
    if (!json_object_get(obj, f->name)) {
      json_object_set_new(obj, f->name, zero_of(f->zero));
      if (omit == NULL) {
        omit = json_array();
        json_object_set_new(obj, GOTMPL_OMIT_KEY, omit);
      }
      json_array_append_new(omit, json_string(f->name)); /* {{json}} prints docker's omitempty */
    }
}

/* doc's key, a container.Config: docker 20.10 gives an image one even where it has none */
static void fill_config(json_t *doc, const char *key)
{
  if (!json_is_object(json_object_get(doc, key)))
    json_object_set_new(doc, key, json_object());
  fill(json_object_get(doc, key), config_fields);
}

/* api/types/network.IPAMConfig, in its field order (the JSON leaves out what was not asked).
 * Its map is the Go field AuxAddress: docker's CLI runs a template naming .AuxiliaryAddresses on
 * the raw JSON instead, where a network without one has no such key (an error), as here. */
static const struct dt_field ipam_config_fields[] = {
    {"Subnet", 's'},
    {"IPRange", 's'},
    {"Gateway", 's'},
    {NULL, 0},
};

static void fill_ipam(json_t *doc)
{
  json_t *cfgs = json_object_get(json_object_get(doc, "IPAM"), "Config");
  size_t i;
  json_t *c;
  json_array_foreach (cfgs, i, c) {
    json_t *o = json_object();
    for (const struct dt_field *f = ipam_config_fields; f->name; f++) {
      json_t *v = json_object_get(c, f->name);
      json_object_set_new(o, f->name, v ? json_incref(v) : zero_of(f->zero));
    }
    json_t *aux = json_object_get(c, "AuxiliaryAddresses");
    if (aux)
      json_object_set(o, "AuxiliaryAddresses", aux);
    json_array_set_new(cfgs, i, o);
  }
}

void cli_docker_typed_view(json_t *doc, enum cli_docker_type type)
{
  if (!json_is_object(doc) || type == CLI_DOCKER_OTHER)
    return;
  if (type == CLI_DOCKER_NETWORK) {
    fill_ipam(doc);
    return;
  }
  if (type == CLI_DOCKER_IMAGE) {
    fill(doc, image_fields);
    fill_config(doc, "ContainerConfig");
  }
  fill_config(doc, "Config");
  if (type == CLI_DOCKER_CONTAINER) {
    fill(json_object_get(doc, "HostConfig"), host_config_fields);
    /* types.ContainerState: Health is a pointer, nil without a health check */
    static const struct dt_field state_fields[] = {{"Health", 'n'}, {NULL, 0}};
    fill(json_object_get(doc, "State"), state_fields);
  }
}
