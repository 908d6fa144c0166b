/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_capture.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is the open savefile a nanosecond pcap?  Read from its magic with
 * pread, which leaves libpcap's file position alone (a pipe cannot be
 * read twice: pread fails there and the timestamps decide instead). */
static bool
nano_magic(pcap_t *p)
{
	FILE *f = pcap_file(p);
	uint8_t m[4];

	if (f == NULL || pread(fileno(f), m, sizeof(m), 0) != (ssize_t)sizeof(m))
		return false;
	return (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d) ||
	       (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1);
}

static int
grow(struct xb_capture *cap, uint64_t *cap_frames, size_t *cap_bytes,
     size_t need_bytes)
{
	if (cap->count == *cap_frames) {
		uint64_t n = *cap_frames ? *cap_frames * 2 : 4096;
		void *o = realloc(cap->offset, n * sizeof(*cap->offset));
		void *l = o ? realloc(cap->len, n * sizeof(*cap->len)) : NULL;
		void *w = l ? realloc(cap->wire_len, n * sizeof(*cap->wire_len))
			    : NULL;
		void *t = w ? realloc(cap->ts_ns, n * sizeof(*cap->ts_ns))
			    : NULL;

		if (o)
			cap->offset = o;
		if (l)
			cap->len = l;
		if (w)
			cap->wire_len = w;
		if (t == NULL)
			return -1;
		cap->ts_ns = t;
		*cap_frames = n;
	}
	if (cap->data_len + need_bytes > *cap_bytes) {
		size_t n = *cap_bytes ? *cap_bytes * 2 : (1u << 20);
		void *d;

		while (n < cap->data_len + need_bytes)
			n *= 2;
		d = realloc(cap->data, n);
		if (d == NULL)
			return -1;
		cap->data = d;
		*cap_bytes = n;
	}
	return 0;
}

int
xb_capture_load(struct xb_capture *cap, const char *const *files,
		unsigned int nfiles, char *err, size_t errlen)
{
	uint64_t cap_frames = 0;
	size_t cap_bytes = 0;

	memset(cap, 0, sizeof(*cap));
	for (unsigned int i = 0; i < nfiles; i++) {
		char perr[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *bytes;
		pcap_t *p;
		int rc;

		p = pcap_open_offline_with_tstamp_precision(
			files[i], PCAP_TSTAMP_PRECISION_NANO, perr);
		if (p == NULL) {
			snprintf(err, errlen, "%s: %s", files[i], perr);
			goto fail;
		}
		if (pcap_datalink(p) != DLT_EN10MB) {
			snprintf(err, errlen,
				 "%s: link type %s is not Ethernet (expected EN10MB)",
				 files[i],
				 pcap_datalink_val_to_name(pcap_datalink(p))
					 ?: "unknown");
			pcap_close(p);
			goto fail;
		}
		if (nano_magic(p))
			cap->nano = true;
		while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
			if (grow(cap, &cap_frames, &cap_bytes, h->caplen) < 0) {
				snprintf(err, errlen, "%s: out of memory",
					 files[i]);
				pcap_close(p);
				goto fail;
			}
			memcpy(cap->data + cap->data_len, bytes, h->caplen);
			cap->offset[cap->count] = cap->data_len;
			cap->len[cap->count] = h->caplen;
			cap->wire_len[cap->count] = h->len;
			cap->ts_ns[cap->count] =
				(uint64_t)h->ts.tv_sec * 1000000000ull +
				(uint64_t)h->ts.tv_usec; /* ns precision */
			if (h->caplen < h->len)
				cap->truncated++;
			if (h->ts.tv_usec % 1000 != 0)
				cap->nano = true;
			cap->data_len += h->caplen;
			cap->bytes += h->caplen;
			if (cap->count == 0 || cap->ts_ns[cap->count] < cap->first_ns)
				cap->first_ns = cap->ts_ns[cap->count];
			if (cap->ts_ns[cap->count] > cap->last_ns)
				cap->last_ns = cap->ts_ns[cap->count];
			cap->count++;
		}
		if (rc == -1) {
			snprintf(err, errlen, "%s: %s", files[i], pcap_geterr(p));
			pcap_close(p);
			goto fail;
		}
		pcap_close(p);
	}
	if (cap->count == 0) {
		snprintf(err, errlen, "no packets in the capture");
		goto fail;
	}
	return 0;
fail:
	xb_capture_free(cap);
	return -1;
}

void
xb_capture_free(struct xb_capture *cap)
{
	free(cap->data);
	free(cap->offset);
	free(cap->len);
	free(cap->wire_len);
	free(cap->ts_ns);
	memset(cap, 0, sizeof(*cap));
}
