/* The host's user names, read from /etc/passwd itself: no NSS, which a static program
 * (tinyrun, tinydocker) cannot load safely. */
#pragma once
#include <sys/types.h>

/* The name of uid in the host's /etc/passwd, else the number as text; malloc'ed. */
char *host_user_name(uid_t uid);
/* The name of gid in the host's /etc/group, else the number as text; malloc'ed. */
char *host_group_name(gid_t gid);
/* The uid of name in the host's /etc/passwd (-1: none). */
long host_user_id(const char *name);
/* The gid of name in the host's /etc/group (-1: none). */
long host_group_id(const char *name);
