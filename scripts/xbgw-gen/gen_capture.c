/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap output, direct or sorted by time; see gen_capture.h. */
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "gen_capture.h"
#include "gen_common.h"

struct capture_rec {
	uint64_t ts;  /* ns since the epoch */
	uint64_t off; /* into the arena */
	uint32_t len;
	uint32_t seq; /* emission order, ties keep it */
};

int
capture_open(struct capture *c, const char *path, bool nano, bool buffered)
{
	c->nano = nano;
	c->buffered = buffered;
	c->dead = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, 65535,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (c->dead == NULL) {
		fprintf(stderr, "xbgw-gen: pcap_open_dead failed\n");
		return -1;
	}
	c->d = pcap_dump_open(c->dead, path);
	if (c->d == NULL) {
		fprintf(stderr, "xbgw-gen: %s: %s\n", path,
			pcap_geterr(c->dead));
		return -1;
	}
	return 0;
}

static void
write_one(struct capture *c, uint64_t ts, const uint8_t *b, uint32_t len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts / NS_PER_S);
	h.ts.tv_usec = (suseconds_t)(c->nano ? ts % NS_PER_S
					     : ts % NS_PER_S / 1000);
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)c->d, &h, b);
	c->packets++;
	c->bytes += len;
}

void
capture_emit(struct capture *c, uint64_t ts, const uint8_t *b, size_t len)
{
	struct capture_rec *r;

	if (!c->buffered) {
		write_one(c, ts, b, (uint32_t)len);
		return;
	}
	if (c->nrec == c->caprec) {
		c->caprec = c->caprec ? c->caprec * 2 : 4096;
		c->recs = xrealloc(c->recs, c->caprec * sizeof(*c->recs));
	}
	if (c->acap - c->alen < len) {
		c->acap = c->acap ? c->acap * 2 : 1 << 22;
		c->arena = xrealloc(c->arena, c->acap);
	}
	r = &c->recs[c->nrec];
	r->ts = ts;
	r->off = c->alen;
	r->len = (uint32_t)len;
	r->seq = (uint32_t)c->nrec;
	memcpy(c->arena + c->alen, b, len);
	c->alen += len;
	c->nrec++;
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct capture_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
capture_close(struct capture *c, const char *path)
{
	if (c->buffered) {
		qsort(c->recs, c->nrec, sizeof(*c->recs), rec_cmp);
		for (size_t i = 0; i < c->nrec; i++)
			write_one(c, c->recs[i].ts, c->arena + c->recs[i].off,
				  c->recs[i].len);
	}
	free(c->recs);
	free(c->arena);
	c->recs = NULL;
	c->arena = NULL;
	if (pcap_dump_flush(c->d) != 0) {
		fprintf(stderr, "xbgw-gen: %s: write failed\n", path);
		return -1;
	}
	pcap_dump_close(c->d);
	pcap_close(c->dead);
	return 0;
}
