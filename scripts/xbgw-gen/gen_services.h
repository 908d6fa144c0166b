/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The services the sample capture visits (their names appear as TLS SNI,
 * HTTP Host and DNS names, each hosted in one country), and the names the
 * benchmark modes put in ClientHellos with --names: these, or a file's.
 */
#ifndef GEN_SERVICES_H
#define GEN_SERVICES_H

#include <stddef.h>
#include <stdint.h>

/* Flow kinds a service offers (bitmask). */
#define K_TLS 1
#define K_HTTP 2
#define K_QUIC 4

struct service {
	const char *name;
	const char *cc;
	uint8_t weight; /* relative popularity */
	uint8_t volume; /* relative bytes per flow: 1 light .. 9 video */
	uint8_t kinds;  /* K_* bitmask of the flow kinds it offers */
};

#define NSERVICES 50
extern const struct service services[];

/*
 * The server names for --names: one a line from file (blank lines and
 * '#' comments skipped, at most 253 characters), or the services' names
 * when file is NULL.  Sets *names (heap array, the strings of a file
 * heap too) and *n; returns 0, or -1 after a message on stderr.
 */
int service_names_load(const char *file, char ***names, size_t *n);

#endif /* GEN_SERVICES_H */
