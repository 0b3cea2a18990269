/* For the test helpers that play a runtime's socket peer (td-recvtty, td-seccomp-agent). */
#ifndef TD_TEST_LISTEN_H
#define TD_TEST_LISTEN_H

/* A unix stream socket listening at path with the given backlog. It is bound under
 * "<path>.tmp" and renamed into place once it listens, so a test that waits for the file
 * never connects too early. -1 with errno on failure. */
int listen_on(const char *path, int backlog);

#endif
