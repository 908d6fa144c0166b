/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RSS key xbgw gives multi-queue ports is symmetric: the Toeplitz hash
 * of a flow's IPv4/IPv6 addresses and ports is the same in both directions
 * (so both reach one queue and one worker), and it still spreads flows.
 * Computed with DPDK's software Toeplitz (rte_softrss), the same function
 * NICs implement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_thash.h>

#include "xb_port.h"

static uint32_t
hash_v4(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sp,
	uint16_t dp)
{
	struct rte_ipv4_tuple t = {.src_addr = src, .dst_addr = dst,
				   .sport = sp, .dport = dp};

	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
}

static uint32_t
hash_v6(const uint8_t *key, const uint8_t *src, const uint8_t *dst,
	uint16_t sp, uint16_t dp)
{
	uint32_t tuple[RTE_THASH_V6_L4_LEN];

	/* rte_softrss takes host-order 32-bit words. */
	for (int i = 0; i < 4; i++) {
		tuple[i] = (uint32_t)src[4 * i] << 24 | (uint32_t)src[4 * i + 1] << 16 |
			   (uint32_t)src[4 * i + 2] << 8 | src[4 * i + 3];
		tuple[4 + i] = (uint32_t)dst[4 * i] << 24 |
			       (uint32_t)dst[4 * i + 1] << 16 |
			       (uint32_t)dst[4 * i + 2] << 8 | dst[4 * i + 3];
	}
	tuple[8] = (uint32_t)sp << 16 | dp;
	return rte_softrss(tuple, RTE_THASH_V6_L4_LEN, key);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void
test_key_shape(void **state)
{
	size_t len;
	const uint8_t *key = xb_port_rss_key(&len);

	(void)state;
	assert_true(len >= 40); /* 40 (most NICs) and 52 (i40e/ice) */
	for (size_t i = 2; i < len; i++)
		assert_int_equal(key[i], key[i - 2]);
}

static void
test_symmetric_v4(void **state)
{
	size_t len;
	const uint8_t *key = xb_port_rss_key(&len);
	unsigned int q0 = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint32_t a = next32(), b = next32();
		uint16_t pa = (uint16_t)next32(), pb = (uint16_t)next32();
		uint32_t h1 = hash_v4(key, a, b, pa, pb);
		uint32_t h2 = hash_v4(key, b, a, pb, pa);

		assert_int_equal(h1, h2);
		q0 += (h1 & 1) == 0;
	}
	/* Spread: two queues within 45..55 %. */
	assert_in_range(q0, 45000, 55000);
}

static void
test_symmetric_v6(void **state)
{
	size_t len;
	const uint8_t *key = xb_port_rss_key(&len);
	unsigned int q0 = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		uint8_t a[16], b[16];
		uint16_t pa = (uint16_t)next32(), pb = (uint16_t)next32();

		for (int k = 0; k < 16; k += 4) {
			uint32_t x = next32(), y = next32();

			memcpy(a + k, &x, 4);
			memcpy(b + k, &y, 4);
		}
		uint32_t h1 = hash_v6(key, a, b, pa, pb);
		uint32_t h2 = hash_v6(key, b, a, pb, pa);

		assert_int_equal(h1, h2);
		q0 += (h1 & 1) == 0;
	}
	assert_in_range(q0, 9000, 11000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_shape),
		cmocka_unit_test(test_symmetric_v4),
		cmocka_unit_test(test_symmetric_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
