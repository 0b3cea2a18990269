/* docker's human-readable sizes and durations (its go-units rules), one place for every
 * command that prints them. */
#pragma once
#include <stdint.h>

/* A size in decimal units ("1.23MB", "512kB", "0B") with `precision` significant digits:
 * docker prints 3 in images/ps/stats columns and 4 (units.HumanSize) in prune totals and
 * progress. */
char *human_size(double bytes, int precision);
/* A size in binary units ("1.5MiB"), 4 significant digits (units.BytesSize: stats memory). */
char *human_size_binary(double bytes);
/* A duration as docker words it: "Less than a second", "1 second", "About a minute",
 * "About an hour", "2 hours", "3 days", ... (units.HumanDuration). */
char *human_duration(int64_t seconds);
