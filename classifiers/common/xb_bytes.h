/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Big-endian (network order) loads and stores at any alignment: one set for
 * everything that reads or writes wire formats (the packet parser, the TLS,
 * QUIC and DNS name extractors, the IPFIX exporter, the capture generator
 * and the tests that build frames).  Compilers turn each into one load or
 * store and a byte swap.  Reentrant; no EAL.
 */
#ifndef XB_BYTES_H
#define XB_BYTES_H

#include <stdint.h>

static inline uint16_t
xb_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned int)p[0] << 8 | p[1]);
}

static inline uint32_t
xb_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
xb_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
xb_put_be32(uint8_t *p, uint32_t v)
{
	xb_put_be16(p, (uint16_t)(v >> 16));
	xb_put_be16(p + 2, (uint16_t)v);
}

static inline void
xb_put_be64(uint8_t *p, uint64_t v)
{
	xb_put_be32(p, (uint32_t)(v >> 32));
	xb_put_be32(p + 4, (uint32_t)v);
}

#endif /* XB_BYTES_H */
