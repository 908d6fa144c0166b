/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "HOST:PORT" and "[IPv6]:PORT" splitting for the export settings
 * ([ipfix] collector, [prometheus] listen): the exporters (app/ops) and
 * the config check (xb_config_check_env) split them with this one
 * function, so what checks OK is what starts.  Reentrant.
 */
#ifndef XB_HOSTPORT_H
#define XB_HOSTPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split s into host and port strings; 0, or -1 when s has no ":PORT"
 * with a port of 1..65535 (0 allowed when allow_zero: pick any). */
static inline int
xb_hostport_split(const char *s, char *host, size_t hostlen, char *port,
		  size_t portlen, int allow_zero)
{
	const char *colon, *h = s, *hend;
	char *end;
	unsigned long v;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (hend == NULL || hend[1] != ':')
			return -1;
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon)
			return -1;
		hend = colon;
	}
	if ((size_t)(hend - h) >= hostlen || strlen(colon + 1) >= portlen ||
	    colon[1] == '\0')
		return -1;
	v = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || v > 65535 || (v == 0 && !allow_zero))
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
}

/* A listener's address: "PORT", ":PORT", "HOST:PORT", "[V6]:PORT"
 * (port 0 allowed: any); no host means loopback (127.0.0.1), so every
 * interface has to be asked for (0.0.0.0 or [::]).  0 or -1. */
static inline int
xb_hostport_split_listen(const char *s, char *host, size_t hostlen,
			 char *port, size_t portlen)
{
	char buf[160];

	if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s)) {
		snprintf(buf, sizeof(buf), ":%s", s);
		s = buf;
	}
	if (xb_hostport_split(s, host, hostlen, port, portlen, 1) < 0)
		return -1;
	if (host[0] == '\0')
		snprintf(host, hostlen, "127.0.0.1");
	return 0;
}

#endif /* XB_HOSTPORT_H */
