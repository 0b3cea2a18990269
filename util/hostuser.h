/* The host's user names, read from /etc/passwd itself: no NSS, which a static program
 * (tinyrun, tinydocker) cannot load safely. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

/* The name of uid in the host's /etc/passwd, else the number as text; malloc'ed. */
char *host_user_name(uid_t uid);
/* The other spelling of a user (group true: a group) of the host's /etc/passwd (/etc/group):
 * the id of a name, the name of a decimal id, malloc'ed; NULL when the file has no such entry.
 * (subid(5) names an owner either way.) */
char *host_id_alias(const char *key, bool group);
