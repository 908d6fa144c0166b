/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xb_parse() over the hostile capture that tests/functional/
 * gen_hostile_pcap.py writes: the number of IP, NOT_IP and MALFORMED frames
 * must be exactly what the generator predicts, and each frame must get
 * the status the generator wrote into its timestamp.  Meson runs the generator
 * and passes the capture and its expectations in XB_HOSTILE_PCAP and
 * XB_HOSTILE_JSON; without them the test is skipped.
 *
 * Each frame is parsed from a heap copy of exactly min(caplen, 512) bytes,
 * the window the data path hands over, so ASan sees any read past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "xb_parse.h"

/* Read "key": N from a small flat JSON object; -1 when absent. */
static long
json_count(const char *text, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(text, pat);
	if (p == NULL)
		return -1;
	return strtol(p + strlen(pat), NULL, 10);
}

static void
test_hostile_counts(void **state)
{
	const char *pcap_path = getenv("XB_HOSTILE_PCAP");
	const char *json_path = getenv("XB_HOSTILE_JSON");
	char errbuf[PCAP_ERRBUF_SIZE], text[512];
	long want_frames, want_ip, want_not_ip, want_bad;
	long frames = 0, ip = 0, not_ip = 0, bad = 0, mismatches = 0;
	int want;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	FILE *f;
	size_t n;
	int rc;

	(void)state;
	if (pcap_path == NULL || json_path == NULL) {
		print_message("XB_HOSTILE_PCAP / XB_HOSTILE_JSON not set\n");
		skip();
	}
	f = fopen(json_path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	want_frames = json_count(text, "frames");
	want_ip = json_count(text, "ip");
	want_not_ip = json_count(text, "not_ip");
	want_bad = json_count(text, "malformed");
	assert_true(want_frames > 0 && want_ip >= 0 && want_not_ip >= 0 &&
		    want_bad >= 0);

	pc = pcap_open_offline(pcap_path, errbuf);
	if (pc == NULL)
		fail_msg("%s: %s", pcap_path, errbuf);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct xb_pkt_info out;
		uint32_t win = h->caplen < XB_PARSE_HDR_MAX ? h->caplen :
							      XB_PARSE_HDR_MAX;
		uint8_t *copy = malloc(win ? win : 1);

		assert_non_null(copy);
		memcpy(copy, data, win);
		rc = xb_parse(copy, win, h->len, &out);
		free(copy);
		frames++;
		want = h->ts.tv_usec % 10 == 0 ? XB_PARSE_IP :
		       h->ts.tv_usec % 10 == 1 ? XB_PARSE_NOT_IP :
						 XB_PARSE_MALFORMED;
		if (rc != want) {
			print_error("frame %ld (len %u): got status %d, generator expects %d\n",
				    frames, h->len, rc, want);
			mismatches++;
		}
		if (rc == XB_PARSE_IP)
			ip++;
		else if (rc == XB_PARSE_NOT_IP)
			not_ip++;
		else if (rc == XB_PARSE_MALFORMED)
			bad++;
		else
			fail_msg("frame %ld: status %d", frames, rc);
	}
	assert_int_equal(rc, PCAP_ERROR_BREAK); /* end of file, not error */
	pcap_close(pc);
	print_message("frames %ld ip %ld not_ip %ld malformed %ld\n", frames,
		      ip, not_ip, bad);
	assert_int_equal(mismatches, 0);
	assert_int_equal(frames, want_frames);
	assert_int_equal(ip, want_ip);
	assert_int_equal(not_ip, want_not_ip);
	assert_int_equal(bad, want_bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
