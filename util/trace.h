/* Timestamps at each step of a container's start, for bench work only: built with
 * `-Dtrace=true`, each td_trace() appends "pid tag seconds" to the file named by TD_TRACE.
 * td_trace_fd() is that fd, for a process that closes the others to keep (close-on-exec). A
 * normal build compiles every call away. */
#ifndef TD_UTIL_TRACE_H
#define TD_UTIL_TRACE_H

#ifdef TD_TRACE
void td_trace(const char *tag);
int td_trace_fd(void);
#else
static inline int td_trace_fd(void)
{
  return -1;
}
static inline void td_trace(const char *tag)
{
  (void)tag;
}
#endif

#endif
