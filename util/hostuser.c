#include "util/hostuser.h"

#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

/* The next entry of /etc/passwd (group false) or /etc/group (f open on it): name and id. */
static bool next_entry(FILE *f, bool group, const char **name, unsigned long *id)
{
  if (group) {
    struct group *gr = fgetgrent(f);
    if (gr == NULL)
      return false;
    *name = gr->gr_name;
    *id = gr->gr_gid;
    return true;
  }
  struct passwd *pw = fgetpwent(f);
  if (pw == NULL)
    return false;
  *name = pw->pw_name;
  *id = pw->pw_uid;
  return true;
}

/* The entry whose name is name (name != NULL) or whose id is id: its other half as text (the id
 * of a name, the name of an id), malloc'ed; NULL when the file has none. */
static char *lookup(bool group, const char *name, unsigned long id)
{
  autofclose FILE *f = fopen(group ? "/etc/group" : "/etc/passwd", "re");
  const char *n;
  unsigned long i;
  while (f && next_entry(f, group, &n, &i))
    if (name ? strcmp(n, name) == 0 : i == id)
      return name ? xasprintf("%lu", i) : xstrdup(n);
  return NULL;
}

char *host_user_name(uid_t uid)
{
  char *name = lookup(false, NULL, uid);
  return name ? name : xasprintf("%u", (unsigned)uid);
}

char *host_id_alias(const char *key, bool group)
{
  char *end = NULL;
  unsigned long id = strtoul(key, &end, 10);
  bool number = *key >= '0' && *key <= '9' && *end == '\0' && id < UINT32_MAX;
  return number ? lookup(group, NULL, id) : lookup(group, key, 0);
}
