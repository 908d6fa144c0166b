/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The output capture: classic pcap, DLT_EN10MB, microsecond or nanosecond
 * timestamps, written through libpcap.  Frames are written as they come,
 * or (buffered) collected and written at the end sorted by time, frames of
 * equal time in the order they came: the sample mode builds one flow at a
 * time and lets the capture interleave them.
 */
#ifndef GEN_CAPTURE_H
#define GEN_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

struct capture_rec;

struct capture {
	pcap_t *dead;
	pcap_dumper_t *d;
	bool nano;
	bool buffered;
	struct capture_rec *recs; /* buffered: frames in arrival order */
	size_t nrec, caprec;
	uint8_t *arena; /* buffered: their bytes */
	size_t alen, acap;
	uint64_t packets, bytes; /* written so far */
};

/* Create path (truncated); nano: nanosecond timestamps; buffered: sort by
 * time before writing.  0, or -1 after a message on stderr. */
int capture_open(struct capture *c, const char *path, bool nano,
		 bool buffered);

/* Add one frame of len bytes with its time in ns since the epoch. */
void capture_emit(struct capture *c, uint64_t ts, const uint8_t *b,
		  size_t len);

/* Write what is buffered, flush and close path; frees everything.
 * 0, or -1 after a message on stderr. */
int capture_close(struct capture *c, const char *path);

#endif /* GEN_CAPTURE_H */
