/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Captures held in memory for replay: pcap and pcapng files (through
 * libpcap, nanosecond timestamps), concatenated in the order given.
 *
 * Thread safety: loaded once by the control plane, then read-only.
 */
#ifndef XB_CAPTURE_H
#define XB_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xb_capture {
	uint8_t *data;      /* all frames back to back */
	size_t data_len;
	uint64_t *offset;   /* frame i starts at data + offset[i] */
	uint32_t *len;      /* captured length of frame i */
	uint32_t *wire_len; /* original length (snaplen may cut frames) */
	uint64_t *ts_ns;    /* capture timestamp, ns since the epoch */
	uint64_t count;
	uint64_t bytes;     /* sum of len[] */
	uint64_t truncated; /* frames whose captured length < wire length */
	uint64_t first_ns, last_ns;
	/* Nanosecond resolution: some input is a nanosecond pcap (its magic
	 * says so) or holds a timestamp with sub-microsecond digits (pcapng
	 * with a finer if_tsresol).  --pcap-out then writes nanoseconds. */
	bool nano;
};

/*
 * Load the files (pcap or pcapng, Ethernet link type).  Returns 0, or -1
 * with a one-line reason in err.
 */
int xb_capture_load(struct xb_capture *cap, const char *const *files,
		    unsigned int nfiles, char *err, size_t errlen);
void xb_capture_free(struct xb_capture *cap);

#endif /* XB_CAPTURE_H */
