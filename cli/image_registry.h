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
/* search [-f K=V] [--format T] [--limit N] [--no-trunc] [REGISTRY/]TERM (image_search.c) */
int image_cmd_search(const char *root, int argc, char **argv);
/* manifest create|annotate|inspect|push|rm (image_manifest.c) */
int image_cmd_manifest(const char *root, int argc, char **argv);
/* The hosts of $TINYDOCKER_INSECURE_REGISTRIES (comma-separated) appended to *insecure. */
void image_insecure_env(char ***insecure);
/* "127.0.0.1:5000/busy" -> host "127.0.0.1:5000", text "busy"; "busy" -> docker.io. */
void image_split_term(const char *term, char **host, char **text);
