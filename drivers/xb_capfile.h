/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reader of capture files: pcap (micro- and nanosecond magic, both byte
 * orders, and the "modified" pcap of Kuznetsov's patches) and pcapng
 * (any number of sections and interfaces, each interface with its own
 * link type, timestamp resolution and offset; Enhanced, Simple and the
 * obsolete Packet blocks; other blocks skipped).
 *
 * Why not libpcap: libpcap 1.10 reports one link type per file and refuses
 * a pcapng file whose interfaces have different link types ("an interface
 * has a type N different from the type of the first interface"), which is
 * what `tshark -i any -i eth0` or a merge of two taps writes.  Here each
 * frame carries its own interface's link type.
 *
 * Everything read from the file is bounded: a block is at most
 * XB_CAPFILE_BLOCK_MAX bytes and its buffer grows only as its bytes
 * arrive, a frame at most XB_CAPFILE_FRAME_MAX, interfaces at most
 * XB_CAPFILE_IFACES_MAX per section, options walked within their block.
 *
 * Thread safety: one reader per FILE; no global state; no DPDK.
 */
#ifndef XB_CAPFILE_H
#define XB_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XB_CAPFILE_FRAME_MAX 262144u       /* libpcap's MAXIMUM_SNAPLEN */
#define XB_CAPFILE_BLOCK_MAX (16u << 20)   /* libpcap's pcapng limit */
#define XB_CAPFILE_IFACES_MAX 65536u

struct xb_capfile_frame {
	uint32_t linktype;   /* LINKTYPE_* of the frame's interface */
	uint32_t caplen;     /* bytes at data */
	uint32_t wire_len;   /* original length, >= caplen */
	uint64_t ts_ns;      /* ns since the epoch (0 when the file has none) */
	const uint8_t *data; /* valid during the callback only */
};

/* Called once per frame, in file order; a negative return stops the
 * read and is returned by xb_capfile_read(). */
typedef int (*xb_capfile_frame_fn)(void *ctx,
				   const struct xb_capfile_frame *frame);

struct xb_capfile_info {
	bool pcapng;
	/* A pcap with the nanosecond magic (pcapng records its resolution
	 * per interface; the caller looks at the timestamps' digits). */
	bool nano;
};

/*
 * Read every frame of one capture file from f (read sequentially, so a
 * pipe works) and hand each to fn.  Returns 0 at a clean end of file;
 * -1 when the file is not a capture or is damaged (err: the byte offset
 * and what is wrong, e.g. "offset 1234: block length 7 is not a multiple
 * of 4"; a file cut short inside a frame is damaged too); or fn's
 * negative return.  Frames read before the damage were handed over.
 */
int xb_capfile_read(FILE *f, xb_capfile_frame_fn fn, void *ctx,
		    struct xb_capfile_info *info, char *err, size_t errlen);

#endif /* XB_CAPFILE_H */
