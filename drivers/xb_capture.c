/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_capture.h"

#include "xb_capfile.h"
#include "xb_linktype.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Frames of one link type: found, or appended in the order first seen. */
static struct xb_capture_lt *
linktype_slot(struct xb_capture *cap, uint32_t linktype)
{
	struct xb_capture_lt *lt;

	for (unsigned int i = 0; i < cap->nlinktypes; i++)
		if (cap->linktypes[i].linktype == linktype)
			return &cap->linktypes[i];
	lt = realloc(cap->linktypes, (cap->nlinktypes + 1) * sizeof(*lt));
	if (lt == NULL)
		return NULL;
	cap->linktypes = lt;
	lt = &cap->linktypes[cap->nlinktypes++];
	memset(lt, 0, sizeof(*lt));
	lt->linktype = linktype;
	return lt;
}

struct load_ctx {
	struct xb_capture *cap;
	uint64_t cap_frames; /* room in the per-frame arrays */
	size_t cap_bytes;    /* room in data */
};

/* One frame of a file: turned into Ethernet and appended, or counted
 * by the reason it cannot be. */
static int
load_frame(void *vctx, const struct xb_capfile_frame *fr)
{
	struct load_ctx *lc = vctx;
	struct xb_capture *cap = lc->cap;
	struct xb_capture_lt *lt = linktype_slot(cap, fr->linktype);
	uint8_t hdr[XB_LINKTYPE_ETHER_LEN];
	uint32_t hdr_len, strip, len;
	uint64_t ts;

	if (lt == NULL)
		return -ENOMEM;
	cap->frames_read++;
	lt->frames++;
	switch (xb_linktype_to_ether(fr->linktype, fr->data, fr->caplen,
				     fr->wire_len, hdr, &hdr_len, &strip)) {
	case XB_LINKTYPE_OK:
		break;
	case XB_LINKTYPE_UNSUPPORTED:
		lt->skipped++;
		return 0;
	case XB_LINKTYPE_TRUNCATED:
		cap->skipped_truncated++;
		return 0;
	default:
		cap->skipped_unknown_protocol++;
		return 0;
	}
	len = fr->caplen - strip + hdr_len;
	if (grow(cap, &lc->cap_frames, &lc->cap_bytes, len) < 0)
		return -ENOMEM;
	memcpy(cap->data + cap->data_len, hdr, hdr_len);
	memcpy(cap->data + cap->data_len + hdr_len, fr->data + strip,
	       fr->caplen - strip);
	cap->offset[cap->count] = cap->data_len;
	cap->len[cap->count] = len;
	/* The frame as it would have been on an Ethernet link: bytes are
	 * counted on the synthesized frame (README, "Replay"). */
	cap->wire_len[cap->count] = fr->wire_len - strip + hdr_len;
	ts = fr->ts_ns;
	cap->ts_ns[cap->count] = ts;
	if (fr->caplen < fr->wire_len)
		cap->truncated++;
	if (ts % 1000 != 0)
		cap->nano = true;
	if (hdr_len != 0)
		cap->converted++;
	cap->data_len += len;
	cap->bytes += len;
	if (cap->count == 0 || ts < cap->first_ns)
		cap->first_ns = ts;
	if (ts > cap->last_ns)
		cap->last_ns = ts;
	cap->count++;
	return 0;
}

int
xb_capture_load(struct xb_capture *cap, const char *const *files,
		unsigned int nfiles, char *err, size_t errlen)
{
	struct load_ctx lc = { .cap = cap };

	memset(cap, 0, sizeof(*cap));
	for (unsigned int i = 0; i < nfiles; i++) {
		bool is_stdin = strcmp(files[i], "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(files[i], "rb");
		struct xb_capfile_info info;
		char why[256];
		int rc;

		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", files[i], strerror(errno));
			goto fail;
		}
		rc = xb_capfile_read(f, load_frame, &lc, &info, why,
				     sizeof(why));
		if (!is_stdin)
			fclose(f);
		if (rc == -ENOMEM) {
			snprintf(err, errlen, "%s: out of memory", files[i]);
			goto fail;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", files[i], why);
			goto fail;
		}
		if (info.nano)
			cap->nano = true;
	}
	if (cap->count == 0) {
		if (cap->frames_read == 0) {
			snprintf(err, errlen, "no packets in the capture");
		} else {
			snprintf(err, errlen,
				 "no frame of the capture can be replayed "
				 "(%" PRIu64 " frames, none of a supported link "
				 "type with an IPv4 or IPv6 packet)",
				 cap->frames_read);
		}
		goto fail;
	}
	return 0;
fail:
	xb_capture_free(cap);
	return -1;
}

uint64_t
xb_capture_skipped(const struct xb_capture *cap)
{
	uint64_t n = cap->skipped_truncated + cap->skipped_unknown_protocol;

	for (unsigned int i = 0; i < cap->nlinktypes; i++)
		n += cap->linktypes[i].skipped;
	return n;
}

void
xb_capture_each_skip(const struct xb_capture *cap,
		     void (*fn)(void *ctx, const char *key, uint64_t n),
		     void *ctx)
{
	char key[32];

	for (unsigned int i = 0; i < cap->nlinktypes; i++) {
		if (cap->linktypes[i].skipped == 0)
			continue;
		snprintf(key, sizeof(key), "linktype_%" PRIu32,
			 cap->linktypes[i].linktype);
		fn(ctx, key, cap->linktypes[i].skipped);
	}
	if (cap->skipped_truncated)
		fn(ctx, "truncated", cap->skipped_truncated);
	if (cap->skipped_unknown_protocol)
		fn(ctx, "unknown_protocol", cap->skipped_unknown_protocol);
}

void
xb_capture_free(struct xb_capture *cap)
{
	free(cap->data);
	free(cap->offset);
	free(cap->len);
	free(cap->wire_len);
	free(cap->ts_ns);
	free(cap->linktypes);
	memset(cap, 0, sizeof(*cap));
}
