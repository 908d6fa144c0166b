/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for replay's input: the bytes are a capture file (pcap
 * or pcapng, as the seeds show), read by xb_capfile_read() through a
 * memory FILE, and every frame it hands over goes through the link-layer
 * conversion (xb_linktype_to_ether) and then the packet parser the worker
 * runs, as replay loads it.  Checks: the reader never hands over more
 * bytes than the file holds; a conversion strips at most the captured
 * bytes and writes at most an Ethernet header; the converted frame is a
 * frame the parser accepts or refuses without reading past it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_capfile.h"
#include "xb_linktype.h"
#include "xb_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	size_t file_size;
	uint64_t frames, bytes;
};

static int
on_frame(void *vctx, const struct xb_capfile_frame *fr)
{
	struct fuzz_ctx *ctx = vctx;
	uint8_t hdr[XB_LINKTYPE_ETHER_LEN];
	uint32_t hdr_len = 99, strip = 99, len;
	struct xb_pkt_info pi;
	int rc;

	if (fr->caplen > XB_CAPFILE_FRAME_MAX || fr->caplen > ctx->file_size ||
	    fr->wire_len < fr->caplen)
		__builtin_trap();
	ctx->frames++;
	ctx->bytes += fr->caplen;
	if (ctx->bytes > ctx->file_size)
		__builtin_trap(); /* frames overlap or come from nowhere */
	rc = xb_linktype_to_ether(fr->linktype, fr->data, fr->caplen,
				  fr->wire_len, hdr, &hdr_len, &strip);
	if (rc != XB_LINKTYPE_OK)
		return (hdr_len == 0 && strip == 0) ? 0 : (__builtin_trap(), 0);
	if (strip > fr->caplen || hdr_len > XB_LINKTYPE_ETHER_LEN ||
	    (hdr_len == 0) != (fr->linktype == XB_LINKTYPE_ETHERNET))
		__builtin_trap();
	/* The frame replay would build, in a buffer of exactly its size, so
	 * ASan catches the parser reading past it. */
	len = fr->caplen - strip + hdr_len;
	{
		uint8_t *frame = malloc(len ? len : 1);

		if (frame == NULL)
			return -1;
		memcpy(frame, hdr, hdr_len);
		memcpy(frame + hdr_len, fr->data + strip, fr->caplen - strip);
		(void)xb_parse(frame, len < XB_PARSE_HDR_MAX ? len : XB_PARSE_HDR_MAX,
			       len, &pi);
		free(frame);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_ctx ctx;
	struct xb_capfile_info info;
	char err[256];
	FILE *f;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (f == NULL)
		return 0;
	ctx.file_size = size;
	ctx.frames = ctx.bytes = 0;
	err[0] = '\0';
	if (xb_capfile_read(f, on_frame, &ctx, &info, err, sizeof(err)) < 0 &&
	    err[0] == '\0')
		__builtin_trap(); /* every failure says why */
	fclose(f);
	return 0;
}
