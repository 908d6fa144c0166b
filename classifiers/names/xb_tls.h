/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS ClientHello server_name, from the client's stream (record layer)
 * or from bare handshake messages (QUIC CRYPTO frames).  Pure C, no state.
 */
#ifndef XB_TLS_H
#define XB_TLS_H

#include <stdint.h>

#include "xb_name.h"

/* TLS: `buf` is the start of the client's TCP stream (records).  FOUND,
 * MORE (a prefix of a plausible ClientHello) or GIVE_UP (not a ClientHello
 * or one without server_name). */
int xb_tls_sni(const uint8_t *buf, uint32_t len, struct xb_name *out);
/* TLS handshake messages (no record layer, as in QUIC CRYPTO frames). */
int xb_tls_hs_sni(const uint8_t *hs, uint32_t len, struct xb_name *out);

#endif /* XB_TLS_H */
