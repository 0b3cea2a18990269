/* `tinydocker commit/export CONTAINER` when the engine hands docker's argv straight to
 * tinydocker-image: find the container in the engine's store as docs/architecture.md and
 * engine/container/container.h describe it (<root>/containers/<id>/container.json, names/<name> ->
 * id), read-only. The engine may instead call image_tool_exec_container (image/image.h), which
 * passes the upper dir and image directly. */
#include "image/container_ref.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static bool is_hex(const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
      return false;
  return true;
}

/* name -> id through the names/ symlink, else an id or unique id prefix */
static int find_id(const char *root, const char *ref, char **id, struct td_err **err)
{
  const char *name = ref[0] == '/' ? ref + 1 : ref;
  if (strchr(name, '/') == NULL && *name) {
    autofree char *link = xasprintf("%s/containers/names/%s", root, name);
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n > 0) {
      target[n] = '\0';
      const char *base = strrchr(target, '/');
      *id = xstrdup(base ? base + 1 : target);
      return 0;
    }
  }
  if (!is_hex(ref))
    return err_set_exit(err, 1, 0, "No such container: %s", ref);
  autofree char *dir = xasprintf("%s/containers", root);
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  autofree char *found = NULL;
  while (d && (de = readdir(d)) != NULL) {
    if (strlen(de->d_name) != 64 || strncmp(de->d_name, ref, strlen(ref)) != 0)
      continue;
    if (found)
      return err_set_exit(err, 1, 0, "multiple containers match \"%s\"", ref);
    found = xstrdup(de->d_name);
  }
  if (found == NULL)
    return err_set_exit(err, 1, 0, "No such container: %s", ref);
  *id = steal_ptr(found);
  return 0;
}

int image_container_find(const char *root, const char *ref, struct image_container *out,
                         struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  autofree char *id = NULL;
  if (find_id(root, ref, &id, err) < 0)
    return -1;
  autofree char *dir = xasprintf("%s/containers/%s", root, id);
  autofree char *recp = xasprintf("%s/container.json", dir);
  json_t *rec = NULL;
  if (access(recp, F_OK) < 0)
    return err_set_exit(err, 1, 0, "No such container: %s", ref);
  if (file_read_json(AT_FDCWD, recp, &rec, err) < 0)
    return err_prefix(err, "container %s", ref);
  json_t *td = json_object_get(rec, "Td");
  const char *image = json_string_value(json_object_get(rec, "Image"));
  if (json_is_true(json_object_get(td, "RootfsIsDir"))) {
    const char *r = json_string_value(json_object_get(td, "Rootfs"));
    out->rootfs_dir = r ? xstrdup(r) : NULL;
  } else if (image == NULL || *image == '\0') {
    json_decref(rec);
    return err_set(err, EINVAL, "container %s has no image", ref);
  }
  out->id = steal_ptr(id);
  out->dir = steal_ptr(dir);
  out->upper = xasprintf("%s/upper", out->dir);
  out->image_id = image && *image ? xstrdup(image) : NULL;
  out->config = json_incref(json_object_get(rec, "Config"));
  json_decref(rec);
  return 0;
}

void image_container_clear(struct image_container *c)
{
  free(c->id);
  free(c->dir);
  free(c->upper);
  free(c->image_id);
  free(c->rootfs_dir);
  json_decref(c->config);
  memset(c, 0, sizeof(*c));
}
