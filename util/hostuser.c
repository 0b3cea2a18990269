#include "util/hostuser.h"

#include <pwd.h>
#include <stdio.h>

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
