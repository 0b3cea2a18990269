/* The engine's event log (`tinydocker events`): <root>/events.log, one JSON object a line in
 * docker's message shape ({"Type","Action","Actor":{"ID","Attributes"},"scope","time",
 * "timeNano"}), appended by whichever process acts (the CLI, a container's monitor,
 * tinydocker-image). Each line is one write(2) on an O_APPEND descriptor, so lines of
 * concurrent writers never interleave. Past EVENTS_MAX_BYTES the file is renamed to
 * events.log.1 (under an flock of the log), keeping the last ~2 MiB as docker keeps its last
 * 1000 events. Best effort, as docker's: an event that cannot be written is dropped, never
 * fails the command that caused it. */
#pragma once
#include <stdint.h>

#define EVENTS_FILE "events.log"
#define EVENTS_OLD_FILE "events.log.1"
#define EVENTS_MAX_BYTES (1L << 20)

/* Append an event. The variadic part is attribute pairs (const char *key, const char *value),
 * ended by a NULL key; a pair with a NULL value is skipped. */
void events_log(const char *root, const char *type, const char *action, const char *id, ...)
    __attribute__((sentinel));
/* The same with the attributes as a NULL-terminated array of key, value, key, value... */
void events_logv(const char *root, const char *type, const char *action, const char *id,
                 const char *const *kv);
