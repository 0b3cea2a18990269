/* The host's user names, read from /etc/passwd itself: no NSS, which a static program
 * (tinyrun, tinydocker) cannot load safely. */
#pragma once
#include <sys/types.h>

/* The name of uid in the host's /etc/passwd, else the number as text; malloc'ed. */
char *host_user_name(uid_t uid);
