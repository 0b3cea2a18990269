/* Dockerfile-style changes for import/commit (`-c 'CMD ["sh"]'`), applied to an image
 * config's "config" object. Pure JSON: unit-tested. */
#pragma once
#include <jansson.h>

#include "util/err.h"

/* Apply one change (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME,
 * WORKDIR) to cfg (the image config's "config" object). */
int image_change_apply(json_t *cfg, const char *change, struct td_err **err);
