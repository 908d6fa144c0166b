/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request Host.  Pure C, no state.
 */
#ifndef XB_HTTP_H
#define XB_HTTP_H

#include <stdint.h>

#include "xb_name.h"

/* HTTP/1.x request prefix: Host header (port and brackets stripped). */
int xb_http_host(const uint8_t *buf, uint32_t len, struct xb_name *out);

#endif /* XB_HTTP_H */
