#include "util/hostuser.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

char *host_user_name(uid_t uid)
{
  autofclose FILE *f = fopen("/etc/passwd", "re");
  struct passwd *pw;
  while (f && (pw = fgetpwent(f)) != NULL)
    if (pw->pw_uid == uid)
      return xstrdup(pw->pw_name);
  return xasprintf("%u", (unsigned)uid);
}

char *host_group_name(gid_t gid)
{
  autofclose FILE *f = fopen("/etc/group", "re");
  struct group *gr;
  while (f && (gr = fgetgrent(f)) != NULL)
    if (gr->gr_gid == gid)
      return xstrdup(gr->gr_name);
  return xasprintf("%u", (unsigned)gid);
}

long host_user_id(const char *name)
{
  autofclose FILE *f = fopen("/etc/passwd", "re");
  struct passwd *pw;
  while (f && (pw = fgetpwent(f)) != NULL)
    if (strcmp(pw->pw_name, name) == 0)
      return (long)pw->pw_uid;
  return -1;
}

long host_group_id(const char *name)
{
  autofclose FILE *f = fopen("/etc/group", "re");
  struct group *gr;
  while (f && (gr = fgetgrent(f)) != NULL)
    if (strcmp(gr->gr_name, name) == 0)
      return (long)gr->gr_gid;
  return -1;
}
