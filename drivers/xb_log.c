/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

RTE_LOG_REGISTER(xb_logtype, xbgw, INFO);

static ssize_t
journal_write(void *cookie, const char *buf, size_t size)
{
	int level = rte_log_cur_msg_loglevel();

	(void)cookie;
	/* DPDK levels are syslog's plus one (RTE_LOG_EMERG = 1). */
	if (level < 1 || level > 8)
		level = RTE_LOG_INFO;
	fprintf(stderr, "<%d>%.*s", level - 1, (int)size, buf);
	fflush(stderr);
	return (ssize_t)size;
}

int
xb_log_stream_open(void)
{
	const char *journal = getenv("JOURNAL_STREAM");
	cookie_io_functions_t io = {.write = journal_write};
	FILE *f;

	unsigned long long dev, ino;
	struct stat st;

	/* systemd sets $JOURNAL_STREAM to the device and inode of the
	 * stream it connected; it is ours only if stderr still is that. */
	if (journal == NULL ||
	    sscanf(journal, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) != 0 || st.st_dev != (dev_t)dev ||
	    st.st_ino != (ino_t)ino)
		return rte_openlog_stream(stderr);
	f = fopencookie(NULL, "w+", io);
	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IONBF, 0);
	return rte_openlog_stream(f);
}
