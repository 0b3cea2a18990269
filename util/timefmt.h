/* RFC 3339 timestamps, as docker writes and reads them in records and on the command line. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Now in UTC: "2026-12-06T06:44:12.123456789Z" with nanos, "2026-12-06T06:44:12Z" without. */
char *time_now_rfc3339(bool nanos);
/* An RFC 3339 timestamp (fraction and zone offset optional, "Z" or "+hh:mm") as nanoseconds
 * since the epoch; 0 when it does not parse. */
int64_t time_parse_rfc3339(const char *s);
/* Go's time.Time.String() of ns since the epoch, as docker's CLI prints a time: "2026-12-06
 * 16:31:14.133282657 +0000 UTC", the fraction's trailing zeros trimmed (none when it is 0); in
 * the local zone (a time.Unix value) or, utc, in UTC (a time decoded from "...Z"). */
char *time_go_string(int64_t ns, bool utc);
