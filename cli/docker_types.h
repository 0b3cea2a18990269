/* docker's Go types of inspect documents, whose fields a template may name although the JSON
 * leaves them out (docker_types.c). */
#ifndef TD_CLI_DOCKER_TYPES_H
#define TD_CLI_DOCKER_TYPES_H

#include <jansson.h>

enum cli_docker_type {
  CLI_DOCKER_IMAGE,
  CLI_DOCKER_CONTAINER,
  CLI_DOCKER_NETWORK,
  CLI_DOCKER_OTHER
};
/* Fill the fields of docker's type that doc lacks with their zero values (for templates only). */
void cli_docker_typed_view(json_t *doc, enum cli_docker_type type);

#endif
