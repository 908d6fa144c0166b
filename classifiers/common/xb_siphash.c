/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash keys (xb_siphash.h): from a given secret (tests) or a fresh one
 * from the kernel (every table at start).
 */
#include "xb_siphash.h"

#include <errno.h>
#include <sys/random.h>

/* SipHash's initialisation constants ("somepseudorandomlygeneratedbytes"). */
#define XB_SIP_C0 0x736f6d6570736575ull
#define XB_SIP_C1 0x646f72616e646f6dull
#define XB_SIP_C2 0x6c7967656e657261ull
#define XB_SIP_C3 0x7465646279746573ull

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void
xb_siphash_key_init(struct xb_siphash_key *hk,
		      const uint8_t secret[XB_SIPHASH_SECRET_LEN])
{
	uint64_t k0 = le64(secret), k1 = le64(secret + 8);

	hk->v[0] = k0 ^ XB_SIP_C0;
	hk->v[1] = k1 ^ XB_SIP_C1;
	hk->v[2] = k0 ^ XB_SIP_C2;
	hk->v[3] = k1 ^ XB_SIP_C3;
}

void
xb_siphash_key_from_seed(struct xb_siphash_key *hk, uint64_t seed)
{
	uint8_t secret[XB_SIPHASH_SECRET_LEN];
	uint64_t k1 = seed * 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 8; i++) {
		secret[i] = (uint8_t)(seed >> (8 * i));
		secret[8 + i] = (uint8_t)(k1 >> (8 * i));
	}
	xb_siphash_key_init(hk, secret);
}

int
xb_siphash_key_random(struct xb_siphash_key *hk)
{
	uint8_t secret[XB_SIPHASH_SECRET_LEN];
	size_t got = 0;

	while (got < sizeof(secret)) {
		ssize_t n = getrandom(secret + got, sizeof(secret) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	xb_siphash_key_init(hk, secret);
	/* The secret lives on only inside the derived state. */
	memset(secret, 0, sizeof(secret));
	__asm__ __volatile__("" : : "r"(secret) : "memory");
	return 0;
}
