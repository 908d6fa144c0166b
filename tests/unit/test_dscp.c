/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DSCP remarking: after an IPv4 remark the incrementally updated checksum
 * equals a full recomputation, for many random headers (with options) and
 * every DSCP; ECN and all other bytes are kept.  IPv6: the traffic class
 * straddles two bytes; version and flow label are kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xb_dscp.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Full IPv4 header checksum over ihl 32-bit words. */
static uint16_t
ipv4_cksum(const uint8_t *h)
{
	unsigned int len = (h[0] & 0x0f) * 4u;
	uint32_t sum = 0;

	for (unsigned int i = 0; i < len; i += 2)
		if (i != 10)
			sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
random_ipv4(uint8_t *h)
{
	unsigned int ihl = 5 + rnd() % 11;
	uint16_t c;

	for (unsigned int i = 0; i < 60; i++)
		h[i] = (uint8_t)rnd();
	/* Sometimes extreme words, to reach the carry corner cases. */
	if (rnd() % 4 == 0)
		memset(h + 2, rnd() % 2 ? 0xff : 0x00, ihl * 4 - 2);
	h[0] = (uint8_t)(0x40 | ihl);
	c = ipv4_cksum(h);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
}

static void
test_ipv4_random(void **state)
{
	uint8_t h[60], orig[60];

	(void)state;
	for (int n = 0; n < 200000; n++) {
		uint8_t dscp = (uint8_t)(rnd() % 64);
		unsigned int len;

		random_ipv4(h);
		memcpy(orig, h, sizeof(h));
		len = (h[0] & 0x0f) * 4u;
		xb_dscp_remark_ipv4(h, dscp);
		assert_int_equal(xb_dscp_get_ipv4(h), dscp);
		assert_int_equal(h[1] & 0x03, orig[1] & 0x03);
		assert_int_equal((h[10] << 8 | h[11]), ipv4_cksum(h));
		assert_memory_equal(h, orig, 1);
		assert_memory_equal(h + 2, orig + 2, 8);
		assert_memory_equal(h + 12, orig + 12, len - 12);
	}
}

static void
test_ipv4_every_tos(void **state)
{
	uint8_t h[60];

	(void)state;
	for (unsigned int tos = 0; tos < 256; tos++) {
		for (unsigned int dscp = 0; dscp < 64; dscp++) {
			random_ipv4(h);
			h[1] = (uint8_t)tos;
			{
				uint16_t c = ipv4_cksum(h);

				h[10] = (uint8_t)(c >> 8);
				h[11] = (uint8_t)c;
			}
			xb_dscp_remark_ipv4(h, (uint8_t)dscp);
			assert_int_equal(h[1], (dscp << 2) | (tos & 3));
			assert_int_equal((h[10] << 8 | h[11]), ipv4_cksum(h));
		}
	}
}

static void
test_keep(void **state)
{
	uint8_t h[60], orig[60];

	(void)state;
	random_ipv4(h);
	memcpy(orig, h, sizeof(h));
	xb_dscp_remark_ipv4(h, XB_DSCP_KEEP);
	xb_dscp_remark_ipv4(h, 64);
	assert_memory_equal(h, orig, sizeof(h));
	for (int i = 0; i < 40; i++)
		h[i] = (uint8_t)rnd();
	memcpy(orig, h, sizeof(h));
	xb_dscp_remark_ipv6(h, XB_DSCP_KEEP);
	assert_memory_equal(h, orig, sizeof(h));
}

static void
test_ipv6(void **state)
{
	uint8_t h[40], orig[40];

	(void)state;
	for (int n = 0; n < 100000; n++) {
		uint8_t dscp = (uint8_t)(rnd() % 64);
		uint8_t tc_old, tc_new;

		for (int i = 0; i < 40; i++)
			h[i] = (uint8_t)rnd();
		h[0] = (uint8_t)(0x60 | (h[0] & 0x0f));
		memcpy(orig, h, sizeof(h));
		xb_dscp_remark_ipv6(h, dscp);
		tc_old = (uint8_t)((orig[0] & 0x0f) << 4 | orig[1] >> 4);
		tc_new = (uint8_t)((h[0] & 0x0f) << 4 | h[1] >> 4);
		assert_int_equal(tc_new, (dscp << 2) | (tc_old & 3));
		assert_int_equal(xb_dscp_get_ipv6(h), dscp);
		assert_int_equal(h[0] >> 4, 6);
		assert_int_equal(h[1] & 0x0f, orig[1] & 0x0f); /* flow label */
		assert_memory_equal(h + 2, orig + 2, 38);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_random),
		cmocka_unit_test(test_ipv4_every_tos),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
