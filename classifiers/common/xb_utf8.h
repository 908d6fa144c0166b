/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UTF-8 checking and repair for every text xbgw writes (flow log, events,
 * statistics and telemetry JSON, Prometheus label values, IPFIX strings).
 *
 * Names come from the wire (SNI, Host, DNS) and are stored byte for byte
 * above 0x7f, so they may be ill-formed UTF-8; JSON (RFC 8259 8.1), the
 * Prometheus text format and IPFIX string IEs (RFC 7011 6.1.6) all need
 * valid UTF-8.  One rule for all of them: each maximal ill-formed subpart
 * (Unicode 15.0 3.9, "U+FFFD Substitution of Maximal Subparts", what
 * Python's errors="replace" and WHATWG decoders do) becomes U+FFFD.
 * Overlong forms, surrogates (ED A0..BF), code points above U+10FFFF,
 * stray continuation bytes, truncated sequences and 0xC0, 0xC1, 0xF5..0xFF
 * are ill-formed.  Well-formed text passes unchanged.
 *
 * Pure C, no state, thread-safe.
 */
#ifndef XB_UTF8_H
#define XB_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD REPLACEMENT CHARACTER, encoded. */
#define XB_UTF8_REPLACEMENT "\xef\xbf\xbd"
#define XB_UTF8_REPLACEMENT_LEN 3

/*
 * The sequence at s (n >= 1 bytes available): its length 1..4 when it is
 * well-formed (*cp, if not NULL, gets the code point), or minus the length
 * 1..3 of the maximal ill-formed subpart to replace with one U+FFFD.
 */
int xb_utf8_next(const uint8_t *s, size_t n, uint32_t *cp);

/* True when s[0..n) is well-formed UTF-8. */
bool xb_utf8_valid(const void *s, size_t n);

/* Bytes s[0..n) takes once repaired. */
size_t xb_utf8_repaired_len(const void *s, size_t n);

/*
 * Write s[0..n) repaired into dst, at most cap bytes, never cutting a
 * character (a short dst ends at the last whole one).  Returns the bytes
 * written; no NUL is added.
 */
size_t xb_utf8_repair(void *dst, size_t cap, const void *s, size_t n);

/* The same for C strings: dst (dstlen > 0 bytes with the NUL) gets the
 * repaired, NUL-terminated copy of src.  Returns strlen(dst). */
size_t xb_utf8_repair_str(char *dst, size_t dstlen, const char *src);

#endif /* XB_UTF8_H */
