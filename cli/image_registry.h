/* `tinydocker-image` commands that talk to a registry: pull, push, login, logout.
 * Each takes docker's argv from the command name on and returns the exit status. */
#pragma once

/* pull [-q] [--platform P] [--insecure-registry HOST] NAME[:TAG|@DIGEST] */
int image_cmd_pull(const char *root, int argc, char **argv);
/* push [-q] [--insecure-registry HOST] NAME[:TAG] */
int image_cmd_push(const char *root, int argc, char **argv);
/* login [-u USER] [-p PASS | --password-stdin] [SERVER] */
int image_cmd_login(const char *root, int argc, char **argv);
/* logout [SERVER] */
int image_cmd_logout(const char *root, int argc, char **argv);
