/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names from real captures compared with nDPI's published results.
 *
 * For every capture in $XBGW_SHARED_DATA/pcap/pcap (pcap or pcapng): parse
 * each frame with xb_parse, group TCP/UDP packets into flows by 5-tuple
 * (direction-independent; the first packet's sender is the initiator), feed
 * each flow to xb_name_feed until FOUND/GIVE_UP, and learn DNS answers on
 * every packet from port 53 as the data path would.  Then compare with the
 * `[Hostname/SNI: x]` of each flow line in pcap/result/<file>.out.
 *
 * Scope of the agreement figure: flows whose nDPI master protocol is TLS
 * (91), QUIC (188), HTTP (7), DNS (5) or MDNS (8).  nDPI also prints names
 * that come from other protocols (DHCP host names, SSDP's multicast
 * address): those are listed as out of scope, not counted.
 * Threshold: 95% of in-scope nDPI names must be found, identical.
 *
 * Skipped (cmocka skip) when the shared data is absent.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "xb_dns.h"
#include "xb_http.h"
#include "xb_names.h"
#include "xb_quic.h"
#include "xb_tls.h"
#include "xb_parse.h"

#define MAX_FLOWS 65536 /* hash table size per capture (power of two) */
#define MAX_EXPECT 512

struct ep {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
};

struct flow {
	bool used;
	uint8_t proto;
	struct ep a, b; /* a: initiator (first packet's sender) */
	struct xb_name_flow slot;
	int state; /* XB_NAME_MORE until decided */
	int after; /* after FOUND, while verified: MORE, EVASIVE, UNNAMED */
	struct xb_name name;
};

struct expect {
	uint8_t proto;
	struct ep a, b;
	int master; /* nDPI master protocol id */
	char name[300];
};

static struct flow *flows;
static struct expect expects[MAX_EXPECT];

static int
ep_cmp(const struct ep *x, const struct ep *y)
{
	if (x->family != y->family)
		return x->family - y->family;
	int c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	return (int)x->port - (int)y->port;
}

static uint32_t
flow_hash(uint8_t proto, const struct ep *x, const struct ep *y)
{
	/* Symmetric: order the endpoints first. */
	if (ep_cmp(x, y) > 0) {
		const struct ep *t = x;
		x = y;
		y = t;
	}
	uint32_t h = 2166136261u ^ proto;
	const struct ep *e[2] = {x, y};
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 16; i++)
			h = (h ^ e[k]->addr[i]) * 16777619u;
		h = (h ^ (e[k]->port & 0xff)) * 16777619u;
		h = (h ^ (e[k]->port >> 8)) * 16777619u;
	}
	return h;
}

/* Find or create the flow; *dir = 0 if x is the initiator. */
static struct flow *
flow_get(uint8_t proto, const struct ep *x, const struct ep *y, int *dir,
	 bool create)
{
	uint32_t h = flow_hash(proto, x, y) & (MAX_FLOWS - 1);
	for (uint32_t i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &flows[(h + i) & (MAX_FLOWS - 1)];
		if (!f->used) {
			if (!create)
				return NULL;
			f->used = true;
			f->proto = proto;
			f->a = *x;
			f->b = *y;
			f->slot = (struct xb_name_flow){0};
			f->state = XB_NAME_MORE;
			*dir = 0;
			return f;
		}
		if (f->proto != proto)
			continue;
		if (!ep_cmp(&f->a, x) && !ep_cmp(&f->b, y)) {
			*dir = 0;
			return f;
		}
		if (!ep_cmp(&f->a, y) && !ep_cmp(&f->b, x)) {
			*dir = 1;
			return f;
		}
	}
	return NULL;
}

static bool
parse_ep(const char *s, size_t n, struct ep *e)
{
	char buf[128];
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *colon = strrchr(buf, ':');
	if (!colon)
		return false;
	*colon = 0;
	e->port = (uint16_t)atoi(colon + 1);
	memset(e->addr, 0, 16);
	char *a = buf;
	if (a[0] == '[') {
		a++;
		char *rb = strchr(a, ']');
		if (!rb)
			return false;
		*rb = 0;
		e->family = 6;
		return inet_pton(AF_INET6, a, e->addr) == 1;
	}
	e->family = 4;
	return inet_pton(AF_INET, a, e->addr) == 1;
}

/* Flow lines with a name: "\tN\tTCP A:p <-> B:p [proto: X.Y/...]...
 * [Hostname/SNI: name]". */
static int
load_expect(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -1;
	char line[16384];
	int n = 0;
	while (fgets(line, sizeof(line), fp) && n < MAX_EXPECT) {
		char *h = strstr(line, "[Hostname/SNI: ");
		if (!h)
			continue;
		char *p = line;
		while (*p == ' ' || *p == '\t' || (*p >= '0' && *p <= '9'))
			p++;
		struct expect *e = &expects[n];
		if (!strncmp(p, "TCP ", 4))
			e->proto = 6;
		else if (!strncmp(p, "UDP ", 4))
			e->proto = 17;
		else
			continue;
		p += 4;
		char *sp = strchr(p, ' ');
		if (!sp || !parse_ep(p, (size_t)(sp - p), &e->a))
			continue;
		p = sp + 1;
		sp = strchr(p, ' ');
		if (!sp)
			continue;
		p = sp + 1; /* past "<->" or "->" */
		sp = strchr(p, ' ');
		if (!sp || !parse_ep(p, (size_t)(sp - p), &e->b))
			continue;
		char *pr = strstr(line, "[proto: ");
		e->master = pr ? atoi(pr + 8) : 0;
		h += strlen("[Hostname/SNI: ");
		char *end = strchr(h, ']');
		if (!end || (size_t)(end - h) >= sizeof(e->name))
			continue;
		memcpy(e->name, h, (size_t)(end - h));
		e->name[end - h] = 0;
		for (char *c = e->name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c += 32;
		n++;
	}
	fclose(fp);
	return n;
}

static bool
in_scope(int master)
{
	return master == 91 || master == 188 || master == 7 || master == 5 ||
	       master == 8;
}

struct totals {
	int expected, found, mismatch, missing, out_of_scope, extra;
	uint64_t udp_evasive, udp_unnamed; /* honest captures: 0 */
};

static void
run_capture(const char *dir, const char *file, struct totals *tot)
{
	char path[1024], rpath[1024];
	snprintf(path, sizeof(path), "%s/pcap/pcap/%s", dir, file);
	snprintf(rpath, sizeof(rpath), "%s/pcap/result/%s.out", dir, file);
	int nexp = load_expect(rpath);
	if (nexp < 0) {
		printf("%-26s no result file, skipped\n", file);
		return;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc)
		fail_msg("%s: %s", path, err);
	if (pcap_datalink(pc) != DLT_EN10MB) {
		printf("%-26s link type %d not Ethernet, skipped\n", file,
		       pcap_datalink(pc));
		pcap_close(pc);
		return;
	}
	memset(flows, 0, sizeof(struct flow) * MAX_FLOWS);
	struct xb_name_ctx *ctx = xb_name_ctx_create(256, 4096);
	assert_non_null(ctx);
	struct pcap_pkthdr *ph;
	const u_char *data;
	while (pcap_next_ex(pc, &ph, &data) == 1) {
		struct xb_pkt_info pi;
		uint32_t hl = ph->caplen < XB_PARSE_HDR_MAX ? ph->caplen
							    : XB_PARSE_HDR_MAX;
		if (xb_parse(data, hl, ph->caplen, &pi) != XB_PARSE_IP)
			continue;
		if (!(pi.flags & XB_PKT_F_HAS_L4) ||
		    (pi.proto != 6 && pi.proto != 17))
			continue;
		uint64_t now = (uint64_t)ph->ts.tv_sec * 1000000000ull +
			       (uint64_t)ph->ts.tv_usec * 1000ull;
		const uint8_t *pl = data + pi.payload_off;
		uint32_t plen = 0;
		if (pi.payload_off < ph->caplen) {
			plen = ph->caplen - pi.payload_off;
			if (plen > pi.payload_len)
				plen = pi.payload_len;
		}
		struct ep s = {pi.family, {0}, pi.sport},
			  d = {pi.family, {0}, pi.dport};
		memcpy(s.addr, pi.src, pi.family == 6 ? 16 : 4);
		memcpy(d.addr, pi.dst, pi.family == 6 ? 16 : 4);
		int fdir;
		struct flow *f = flow_get(pi.proto, &s, &d, &fdir, true);
		assert_non_null(f);
		if (f->state == XB_NAME_MORE)
			f->state = xb_name_feed(ctx, &f->slot, &pi, fdir, 0, pl,
						plen, now, &f->name);
		else if (f->state == XB_NAME_FOUND && xb_name_active(&f->slot)) {
			/* Verified after FOUND (xb_names.h): an honest flow
			 * ends it clean. */
			struct xb_name again;
			f->after = xb_name_feed(ctx, &f->slot, &pi, fdir, 0, pl,
						plen, now, &again);
			if (f->after != XB_NAME_MORE && f->after != XB_NAME_FOUND)
				printf("  AFTER FOUND %s \"%s\": %d\n",
				       pi.proto == 6 ? "TCP" : "UDP",
				       f->name.str, f->after);
		}
	}
	pcap_close(pc);

	int found = 0, mismatch = 0, missing = 0, oos = 0, extra = 0, in = 0;
	for (int i = 0; i < nexp; i++) {
		struct expect *e = &expects[i];
		int dd;
		struct flow *f = flow_get(e->proto, &e->a, &e->b, &dd, false);
		const char *got = f && f->state == XB_NAME_FOUND ? f->name.str
								   : NULL;
		if (!in_scope(e->master)) {
			oos++;
			printf("  out of scope  %-5s :%u  nDPI proto %d \"%s\"%s%s\n",
			       e->proto == 6 ? "TCP" : "UDP", e->b.port, e->master,
			       e->name, got ? " ours: " : "", got ? got : "");
			continue;
		}
		in++;
		if (got && !strcmp(got, e->name)) {
			found++;
		} else if (got) {
			mismatch++;
			printf("  MISMATCH  %s port %u->%u: nDPI \"%s\" ours \"%s\" (%s)\n",
			       e->proto == 6 ? "TCP" : "UDP", e->a.port,
			       e->b.port, e->name, got,
			       xb_name_source_str(f->name.source));
		} else {
			missing++;
			printf("  MISSING   %s port %u->%u: nDPI \"%s\"%s\n",
			       e->proto == 6 ? "TCP" : "UDP", e->a.port,
			       e->b.port, e->name, f ? "" : " (flow not seen)");
		}
	}
	/* Names we give to flows nDPI leaves unnamed. */
	for (uint32_t i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &flows[i];
		if (!f->used || f->state != XB_NAME_FOUND)
			continue;
		bool listed = false;
		for (int k = 0; k < nexp && !listed; k++) {
			int dd;
			listed = flow_get(expects[k].proto, &expects[k].a,
					  &expects[k].b, &dd, false) == f;
		}
		if (!listed)
			extra++;
	}
	/* Honest UDP flows never end unnamed or evasive (QUIC's checks). */
	uint64_t udp_evasive = 0, udp_unnamed = 0;
	for (uint32_t i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &flows[i];
		if (!f->used || f->proto != 17)
			continue;
		if (f->state == XB_NAME_EVASIVE || f->after == XB_NAME_EVASIVE)
			udp_evasive++;
		if (f->state == XB_NAME_UNNAMED || f->after == XB_NAME_UNNAMED)
			udp_unnamed++;
	}
	struct xb_name_stats st;
	xb_name_stats_get(ctx, &st);
	printf("%-26s expected %3d found %3d mismatch %2d missing %2d "
	       "out-of-scope %2d extra %2d | tls %lu quic %lu http %lu dns %lu "
	       "cache %lu decrypt-fail %lu | verified %lu, UDP evasive %lu "
	       "unnamed %lu\n",
	       file, in, found, mismatch, missing, oos, extra,
	       (unsigned long)st.found[XB_NAME_SRC_TLS],
	       (unsigned long)st.found[XB_NAME_SRC_QUIC],
	       (unsigned long)st.found[XB_NAME_SRC_HTTP],
	       (unsigned long)st.found[XB_NAME_SRC_DNS],
	       (unsigned long)st.found[XB_NAME_SRC_DNS_CACHE],
	       (unsigned long)st.quic_decrypt_fail,
	       (unsigned long)st.verified,
	       (unsigned long)udp_evasive, (unsigned long)udp_unnamed);
	tot->udp_evasive += udp_evasive;
	tot->udp_unnamed += udp_unnamed;
	xb_name_ctx_free(ctx);
	tot->expected += in;
	tot->found += found;
	tot->mismatch += mismatch;
	tot->missing += missing;
	tot->out_of_scope += oos;
	tot->extra += extra;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
test_pcaps(void **state)
{
	(void)state;
	/* XBGW_SHARED_DATA from the caller's environment wins; meson passes
	 * the default (../shared/data beside the source tree) separately. */
	const char *dir = getenv("XBGW_SHARED_DATA");
	if (!dir)
		dir = getenv("XBGW_SHARED_DATA_DEFAULT");
	if (!dir)
		dir = "../shared/data";
	char pdir[1024];
	snprintf(pdir, sizeof(pdir), "%s/pcap/pcap", dir);
	DIR *dp = opendir(pdir);
	if (!dp) {
		printf("no captures at %s: skipped\n", pdir);
		skip();
	}
	char *names[64];
	int nn = 0;
	struct dirent *de;
	while ((de = readdir(dp)) && nn < 64)
		if (de->d_name[0] != '.')
			names[nn++] = strdup(de->d_name);
	closedir(dp);
	qsort(names, (size_t)nn, sizeof(names[0]), cmp_str);
	flows = calloc(MAX_FLOWS, sizeof(*flows));
	assert_non_null(flows);
	struct totals tot = {0};
	for (int i = 0; i < nn; i++) {
		run_capture(dir, names[i], &tot);
		free(names[i]);
	}
	free(flows);
	double pct = tot.expected ? 100.0 * tot.found / tot.expected : 100.0;
	printf("TOTAL expected %d found %d (%.1f%%) mismatch %d missing %d "
	       "out-of-scope %d extra %d\n",
	       tot.expected, tot.found, pct, tot.mismatch, tot.missing,
	       tot.out_of_scope, tot.extra);
	if (nn == 0)
		skip();
	if (pct < 95.0)
		fail_msg("agreement with nDPI %.1f%% < 95%%", pct);
	printf("TOTAL UDP flows evasive %lu unnamed %lu\n",
	       (unsigned long)tot.udp_evasive, (unsigned long)tot.udp_unnamed);
	if (tot.udp_evasive || tot.udp_unnamed)
		fail_msg("honest UDP (QUIC) flows: %lu evasive, %lu unnamed",
			 (unsigned long)tot.udp_evasive,
			 (unsigned long)tot.udp_unnamed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
