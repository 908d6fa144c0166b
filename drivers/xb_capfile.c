/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_capfile.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* pcapng block types (draft-ietf-opsawg-pcapng). */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_PB 0x00000002u  /* obsolete Packet Block */
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1A2B3C4Du
#define PCAPNG_OPT_END 0
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_IF_TSOFFSET 14
/* Smallest blocks: type, length, trailing length; a section header adds
 * its byte-order magic, version and section length. */
#define PCAPNG_BLOCK_MIN 12u
#define PCAPNG_SHB_MIN 28u

/* pcap: the link type field's low bits (the upper ones say whether the
 * frames end with an FCS, as libpcap's LT_LINKTYPE). */
#define PCAP_LINKTYPE_MASK 0x03FFFFFFu
#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16
#define PCAP_REC_MODIFIED_LEN 24 /* + ifindex, protocol, pkt_type, pad */

#define NS_PER_S 1000000000ull
/* Bytes read from the file at a time while a block body arrives: a
 * block that claims 16 MiB in a file of 100 bytes costs 1 MiB, not 16. */
#define READ_CHUNK (1u << 20)

struct iface {
	uint32_t linktype;
	uint32_t snaplen;
	uint64_t units_per_s; /* timestamp units per second (if_tsresol) */
	int64_t offset_s;     /* if_tsoffset, seconds */
};

struct reader {
	FILE *f;
	uint64_t off;   /* bytes consumed so far */
	uint8_t *buf;   /* one block body or frame */
	size_t bufcap;
	bool big_endian; /* numbers of the section / file read big-endian */
	struct iface *ifaces;
	uint32_t nifaces, ifcap;
	uint64_t last_ts;
	char *err;
	size_t errlen;
};

static int
fail(struct reader *r, uint64_t at, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, r->errlen, "offset %" PRIu64 ": ", at);

	if (n > 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint16_t
get16(const struct reader *r, const uint8_t *p)
{
	return r->big_endian ? (uint16_t)(p[0] << 8 | p[1])
		       : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t
get32(const struct reader *r, const uint8_t *p)
{
	return r->big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				 (uint32_t)p[2] << 8 | p[3]
		       : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
				 (uint32_t)p[1] << 8 | p[0];
}

static uint64_t
get64(const struct reader *r, const uint8_t *p)
{
	uint64_t a = get32(r, p), b = get32(r, p + 4);

	/* Two 32-bit halves in the section's order, high half first in a
	 * big-endian section. */
	return r->big_endian ? a << 32 | b : b << 32 | a;
}

/* Read exactly n bytes: 0; nothing at all (end of file): 1; a part: -1. */
static int
read_exact(struct reader *r, void *dst, size_t n)
{
	size_t got = fread(dst, 1, n, r->f);

	r->off += got;
	if (got == n)
		return 0;
	return got == 0 ? 1 : -1;
}

/* Read n bytes into r->buf, growing it only as the bytes arrive. */
static int
read_body(struct reader *r, size_t n)
{
	size_t have = 0;

	while (have < n) {
		size_t want = n - have < READ_CHUNK ? n - have : READ_CHUNK;

		if (have + want > r->bufcap) {
			size_t cap = r->bufcap ? r->bufcap * 2 : 65536;
			uint8_t *b;

			while (cap < have + want)
				cap *= 2;
			b = realloc(r->buf, cap);
			if (b == NULL)
				return fail(r, r->off, "out of memory");
			r->buf = b;
			r->bufcap = cap;
		}
		if (read_exact(r, r->buf + have, want) != 0)
			return fail(r, r->off, "file cut short (%zu of %zu bytes)",
				    have, n);
		have += want;
	}
	return 0;
}

/* Timestamp units since the epoch -> ns, saturating (never wraps). */
static uint64_t
units_to_ns(uint64_t ts, uint64_t units_per_s, int64_t offset_s)
{
	unsigned __int128 ns = (unsigned __int128)(ts / units_per_s) * NS_PER_S +
			       (unsigned __int128)(ts % units_per_s) * NS_PER_S /
				       units_per_s;
	__int128 v = (__int128)ns + (__int128)offset_s * (__int128)NS_PER_S;

	if (v < 0)
		return 0;
	if (v > (__int128)UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)v;
}

static int
emit(struct reader *r, xb_capfile_frame_fn fn, void *ctx, uint32_t linktype,
     const uint8_t *data, uint32_t caplen, uint32_t wire_len, uint64_t ts_ns)
{
	struct xb_capfile_frame fr = {
		.linktype = linktype,
		.caplen = caplen,
		.wire_len = wire_len < caplen ? caplen : wire_len,
		.ts_ns = ts_ns,
		/* Never NULL, even for an empty first frame (no buffer yet):
		 * callers may do pointer arithmetic on it. */
		.data = data != NULL ? data : (const uint8_t *)"",
	};

	r->last_ts = ts_ns;
	return fn(ctx, &fr);
}

/* --- pcap --------------------------------------------------------- */

static int
read_pcap(struct reader *r, const uint8_t magic[4], xb_capfile_frame_fn fn,
	  void *ctx, struct xb_capfile_info *info)
{
	uint8_t h[PCAP_HDR_LEN], rec[PCAP_REC_MODIFIED_LEN];
	size_t rec_len = PCAP_REC_LEN;
	uint32_t m, linktype;
	bool nano = false;
	int rc;

	memcpy(h, magic, 4);
	m = (uint32_t)magic[0] << 24 | (uint32_t)magic[1] << 16 |
	    (uint32_t)magic[2] << 8 | magic[3];
	switch (m) {
	case 0xa1b2c3d4: /* big-endian file */
	case 0xa1b23c4d:
	case 0xa1b2cd34:
		r->big_endian = true;
		break;
	default: /* little-endian file */
		r->big_endian = false;
		m = __builtin_bswap32(m);
		break;
	}
	nano = m == 0xa1b23c4d;
	if (m == 0xa1b2cd34)
		rec_len = PCAP_REC_MODIFIED_LEN;
	if (read_exact(r, h + 4, PCAP_HDR_LEN - 4) != 0)
		return fail(r, r->off, "pcap file header cut short");
	if (get16(r, h + 4) != 2)
		return fail(r, 4, "pcap version %u.%u (expected 2.x)",
			    get16(r, h + 4), get16(r, h + 6));
	linktype = get32(r, h + 20) & PCAP_LINKTYPE_MASK;
	info->nano = nano;
	for (;;) {
		uint64_t at = r->off;
		uint32_t caplen, wire_len, frac;
		uint64_t ts;

		rc = read_exact(r, rec, rec_len);
		if (rc == 1)
			return 0;
		if (rc < 0)
			return fail(r, at, "frame header cut short");
		caplen = get32(r, rec + 8);
		wire_len = get32(r, rec + 12);
		if (caplen > XB_CAPFILE_FRAME_MAX)
			return fail(r, at, "captured length %" PRIu32
				    " (expected at most %u)",
				    caplen, XB_CAPFILE_FRAME_MAX);
		frac = get32(r, rec + 4);
		ts = (uint64_t)get32(r, rec) * NS_PER_S +
		     (nano ? frac : (uint64_t)frac * 1000u);
		if (read_body(r, caplen) < 0)
			return -1;
		rc = emit(r, fn, ctx, linktype, r->buf, caplen, wire_len, ts);
		if (rc < 0)
			return rc;
	}
}

/* --- pcapng ------------------------------------------------------- */

/* Interface Description Block: link type, snap length, and the options
 * replay needs (timestamp resolution and offset). */
static int
pcapng_idb(struct reader *r, uint64_t at, const uint8_t *b, uint32_t len)
{
	struct iface ifc = { .units_per_s = 1000000 };
	uint32_t o = 8;

	if (len < 8)
		return fail(r, at, "interface block of %" PRIu32 " bytes", len);
	if (r->nifaces >= XB_CAPFILE_IFACES_MAX)
		return fail(r, at, "more than %u interfaces in a section",
			    XB_CAPFILE_IFACES_MAX);
	ifc.linktype = get16(r, b);
	ifc.snaplen = get32(r, b + 4);
	while (o + 4 <= len) {
		uint16_t code = get16(r, b + o), olen = get16(r, b + o + 2);
		const uint8_t *v = b + o + 4;

		if (code == PCAPNG_OPT_END)
			break;
		if ((uint32_t)olen > len - o - 4)
			return fail(r, at, "interface option %u runs past its block",
				    code);
		if (code == PCAPNG_IF_TSRESOL && olen >= 1) {
			unsigned int e = v[0] & 0x7f;

			/* 2^-e when the top bit is set, else 10^-e */
			if (v[0] & 0x80) {
				if (e > 63)
					return fail(r, at, "if_tsresol 2^-%u", e);
				ifc.units_per_s = 1ull << e;
			} else {
				if (e > 19)
					return fail(r, at, "if_tsresol 10^-%u", e);
				ifc.units_per_s = 1;
				while (e--)
					ifc.units_per_s *= 10;
			}
		} else if (code == PCAPNG_IF_TSOFFSET && olen == 8) {
			ifc.offset_s = (int64_t)get64(r, v);
		}
		o += 4 + (((uint32_t)olen + 3) & ~3u);
	}
	if (r->nifaces == r->ifcap) {
		uint32_t cap = r->ifcap ? r->ifcap * 2 : 8;
		struct iface *n = realloc(r->ifaces, cap * sizeof(*n));

		if (n == NULL)
			return fail(r, at, "out of memory");
		r->ifaces = n;
		r->ifcap = cap;
	}
	r->ifaces[r->nifaces++] = ifc;
	return 0;
}

static int
pcapng_packet(struct reader *r, uint64_t at, uint32_t type, const uint8_t *b,
	      uint32_t len, xb_capfile_frame_fn fn, void *ctx)
{
	uint32_t ifid, caplen, wire_len, hdr;
	const struct iface *ifc;
	uint64_t ts_ns;

	if (type == PCAPNG_SPB) {
		/* No interface id (the first interface), no timestamp (the
		 * previous frame's, so the replay clock never jumps back to
		 * 1970), the captured part is what the block holds. */
		if (len < 4)
			return fail(r, at, "simple packet block of %" PRIu32
				    " bytes", len);
		if (r->nifaces == 0)
			return fail(r, at, "packet before any interface block");
		ifc = &r->ifaces[0];
		wire_len = get32(r, b);
		caplen = wire_len < len - 4 ? wire_len : len - 4;
		if (ifc->snaplen != 0 && caplen > ifc->snaplen)
			caplen = ifc->snaplen;
		hdr = 4;
		ts_ns = r->last_ts;
	} else {
		uint64_t ts;

		if (len < 20)
			return fail(r, at, "packet block of %" PRIu32 " bytes",
				    len);
		/* EPB: interface (32 bits); obsolete PB: interface and a
		 * drops count (16 bits each). */
		ifid = type == PCAPNG_EPB ? get32(r, b) : get16(r, b);
		if (ifid >= r->nifaces)
			return fail(r, at, "packet of interface %" PRIu32
				    " (the section has %" PRIu32 ")",
				    ifid, r->nifaces);
		ifc = &r->ifaces[ifid];
		ts = (uint64_t)get32(r, b + 4) << 32 | get32(r, b + 8);
		caplen = get32(r, b + 12);
		wire_len = get32(r, b + 16);
		hdr = 20;
		if (caplen > len - hdr)
			return fail(r, at, "captured length %" PRIu32
				    " runs past its block", caplen);
		ts_ns = units_to_ns(ts, ifc->units_per_s, ifc->offset_s);
	}
	if (caplen > XB_CAPFILE_FRAME_MAX)
		return fail(r, at, "captured length %" PRIu32
			    " (expected at most %u)", caplen,
			    XB_CAPFILE_FRAME_MAX);
	return emit(r, fn, ctx, ifc->linktype, b + hdr, caplen, wire_len, ts_ns);
}

static int
read_pcapng(struct reader *r, xb_capfile_frame_fn fn, void *ctx,
	    struct xb_capfile_info *info)
{
	bool first = true; /* the file's first block type is already read */
	uint8_t h[12];
	int rc;

	info->pcapng = true;
	for (;;) {
		uint64_t at = first ? 0 : r->off;
		uint32_t type, len;
		size_t hdr;

		if (first) {
			h[0] = 0x0A;
			h[1] = 0x0D;
			h[2] = 0x0D;
			h[3] = 0x0A;
			rc = read_exact(r, h + 4, 4);
		} else {
			rc = read_exact(r, h, 8);
			if (rc == 1)
				return 0;
		}
		if (rc != 0)
			return fail(r, at, "block header cut short");
		first = false;
		hdr = 8;
		if (memcmp(h, "\x0A\x0D\x0D\x0A", 4) == 0) {
			/* A new section: its byte-order magic decides how
			 * every number of the section reads, its length
			 * included; its interfaces start from none. */
			if (read_exact(r, h + 8, 4) != 0)
				return fail(r, at, "section header cut short");
			hdr = 12;
			if (h[8] == 0x1A && h[9] == 0x2B && h[10] == 0x3C &&
			    h[11] == 0x4D)
				r->big_endian = true;
			else if (h[8] == 0x4D && h[9] == 0x3C && h[10] == 0x2B &&
				 h[11] == 0x1A)
				r->big_endian = false;
			else
				return fail(r, at + 8, "section byte-order magic "
					    "%02x%02x%02x%02x (expected 1a2b3c4d)",
					    h[8], h[9], h[10], h[11]);
			r->nifaces = 0;
		}
		type = get32(r, h);
		len = get32(r, h + 4);
		if (len < (type == PCAPNG_SHB ? PCAPNG_SHB_MIN : PCAPNG_BLOCK_MIN) ||
		    len % 4 != 0 || len > XB_CAPFILE_BLOCK_MAX)
			return fail(r, at, "block length %" PRIu32
				    " (expected a multiple of 4, %u..%u)",
				    len, PCAPNG_BLOCK_MIN, XB_CAPFILE_BLOCK_MAX);
		if (read_body(r, len - hdr) < 0)
			return -1;
		/* body: r->buf[0 .. len - hdr - 4), then the length again */
		if (get32(r, r->buf + len - hdr - 4) != len)
			return fail(r, at, "trailing block length %" PRIu32
				    " (expected %" PRIu32 ")",
				    get32(r, r->buf + len - hdr - 4), len);
		uint32_t blen = (uint32_t)(len - hdr - 4);

		switch (type) {
		case PCAPNG_SHB:
			if (get16(r, r->buf) != 1)
				return fail(r, at, "pcapng version %u.%u "
					    "(expected 1.x)", get16(r, r->buf),
					    get16(r, r->buf + 2));
			break;
		case PCAPNG_IDB:
			if (pcapng_idb(r, at, r->buf, blen) < 0)
				return -1;
			break;
		case PCAPNG_EPB:
		case PCAPNG_SPB:
		case PCAPNG_PB:
			rc = pcapng_packet(r, at, type, r->buf, blen, fn, ctx);
			if (rc < 0)
				return rc;
			break;
		default:
			break; /* statistics, name resolution, secrets... */
		}
	}
}

int
xb_capfile_read(FILE *f, xb_capfile_frame_fn fn, void *ctx,
		struct xb_capfile_info *info, char *err, size_t errlen)
{
	struct reader r = { .f = f, .err = err, .errlen = errlen };
	uint8_t magic[4];
	int rc;

	memset(info, 0, sizeof(*info));
	if (read_exact(&r, magic, 4) != 0) {
		snprintf(err, errlen, "not a capture file (shorter than 4 bytes)");
		return -1;
	}
	if (memcmp(magic, "\x0A\x0D\x0D\x0A", 4) == 0) {
		rc = read_pcapng(&r, fn, ctx, info);
	} else {
		static const uint8_t pcap_magics[][4] = {
			{0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1},
			{0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1},
			{0xa1, 0xb2, 0xcd, 0x34}, {0x34, 0xcd, 0xb2, 0xa1},
		};
		bool known = false;

		for (size_t i = 0; i < sizeof(pcap_magics) / 4; i++)
			known |= memcmp(magic, pcap_magics[i], 4) == 0;
		if (!known) {
			snprintf(err, errlen,
				 "not a pcap or pcapng file (magic %02x%02x%02x%02x)",
				 magic[0], magic[1], magic[2], magic[3]);
			return -1;
		}
		rc = read_pcap(&r, magic, fn, ctx, info);
	}
	free(r.buf);
	free(r.ifaces);
	return rc;
}
