/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Captures held in memory for replay: pcap and pcapng files
 * (xb_capfile.h), concatenated in the order given, every frame turned into
 * an Ethernet frame at load time (xb_linktype.h), so the workers and
 * every output downstream see Ethernet only.  Frames that cannot be
 * turned into Ethernet are counted by reason and left out.
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
	/* What the files held (each file once, not per loop). */
	uint64_t frames_read;  /* frames in the files */
	uint64_t converted;    /* of count: turned into Ethernet */
	struct xb_capture_lt *linktypes; /* frames per link type, in the */
	unsigned int nlinktypes;         /* order first seen */
	uint64_t skipped_truncated;        /* XB_LINKTYPE_TRUNCATED */
	uint64_t skipped_unknown_protocol; /* XB_LINKTYPE_UNKNOWN_PROTOCOL */
};

struct xb_capture_lt {
	uint32_t linktype;
	uint64_t frames;  /* read */
	uint64_t skipped; /* of which left out: link type not supported */
};

/*
 * Load the files (pcap or pcapng; link types Ethernet, Linux cooked v1
 * and v2, raw IP, IPv4, IPv6, NULL, LOOP; "-" is standard input).
 * Returns 0, or -1 with a one-line reason in err (a file that cannot be
 * read or is damaged; no frame that can be replayed).  Control plane.
 */
int xb_capture_load(struct xb_capture *cap, const char *const *files,
		    unsigned int nfiles, char *err, size_t errlen);
void xb_capture_free(struct xb_capture *cap);

/* Frames left out, all reasons together. */
uint64_t xb_capture_skipped(const struct xb_capture *cap);

/*
 * Call fn once per reason with frames left out, with a key such as
 * "linktype_147", "truncated" or "unknown_protocol" (statistics document
 * and report).  Any thread once loaded.
 */
void xb_capture_each_skip(const struct xb_capture *cap,
			  void (*fn)(void *ctx, const char *key, uint64_t n),
			  void *ctx);

#endif /* XB_CAPTURE_H */
