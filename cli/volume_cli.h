/* `volume create|ls|inspect|rm|prune` with docker's flags and output. Compiled into both
 * tinydocker (the engine dispatches `tinydocker volume ...` here, in process: volumes need no
 * heavy library) and tinydocker-image. */
#pragma once

/* argv[0] is the subcommand ("create", "ls", ...). Returns the exit code. */
int volume_cli(const char *root, int argc, char **argv);
