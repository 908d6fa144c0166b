/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Named drop reasons: one X-macro list yields the enum, the names used in
 * the statistics document, Prometheus labels and the README, so they never
 * drift apart.  Append new reasons at the end.
 */
#ifndef XB_DROP_H
#define XB_DROP_H

#define XB_DROP_REASONS(X)                                              \
	X(MALFORMED, "malformed", "IP headers inconsistent or truncated") \
	X(NEGATIVE_LIST, "negative_list",                               \
	  "negative-list category without an approval")                 \
	X(POLICY_DENY, "policy_deny", "a qos.csv row says deny")        \
	X(METER_RED, "meter_red", "over the row's peak rate (trTCM red)") \
	X(QUOTA, "quota", "tenant over its monthly quota (block)")      \
	X(NO_TX, "no_tx", "the egress port refused the packet")          \
	X(NOT_IP, "not_ip",                                             \
	  "not IP after every encapsulation, with [dataplane] non_ip = drop") \
	X(FRAGMENT, "fragment",                                         \
	  "an IP fragment whose datagram was not reassembled (timeout, "  \
	  "table or buffers full, too many, overlapping or duplicate "    \
	  "fragments)")

enum xb_drop_reason {
#define XB_DROP_ENUM(e, name, doc) XB_DROP_##e,
	XB_DROP_REASONS(XB_DROP_ENUM)
#undef XB_DROP_ENUM
	XB_DROP_MAX
};

static const char *const xb_drop_names[XB_DROP_MAX] = {
#define XB_DROP_NAME(e, name, doc) name,
	XB_DROP_REASONS(XB_DROP_NAME)
#undef XB_DROP_NAME
};

static const char *const xb_drop_docs[XB_DROP_MAX] = {
#define XB_DROP_DOC(e, name, doc) doc,
	XB_DROP_REASONS(XB_DROP_DOC)
#undef XB_DROP_DOC
};

#endif /* XB_DROP_H */
