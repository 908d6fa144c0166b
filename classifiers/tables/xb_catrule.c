/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_catrule.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "xb_prefix.h"

/*
 * ACL search keys and their field definitions: the only place that knows
 * the layout.
 *
 * rte_acl walks its trie one input byte at a time, but its inner loop is
 * unrolled to fetch four bytes per step: the first field must be exactly
 * one byte (consumed alone while setting up the walk) and every later field
 * must belong to a group ("input index") of four consecutive bytes.  Hence:
 *   - proto is that first one-byte field; three bytes of padding follow
 *     and are never read;
 *   - each address word is its own 4-byte group (IPv6 as four 32-bit MASK
 *     fields, since rte_acl fields are at most 8 bytes and 4-byte ones let
 *     the build drop words that are wildcards in every rule);
 *   - the two 2-byte ports share one group;
 *   - DSCP (6 bits) is widened to a 32-bit RANGE field so that it fills a
 *     group by itself; a wildcard there is the full range, which the build
 *     also eliminates.
 * Key bytes are in network order (rte_acl compares them most significant
 * byte first); rule values are in host order, as rte_acl_add_rules wants.
 */
struct acl_key4 {
	uint8_t proto;     /* input 0 */
	uint8_t pad[3];
	uint32_t src;      /* input 1, network order */
	uint32_t dst;      /* input 2 */
	uint16_t sport;    /* input 3, network order */
	uint16_t dport;    /* input 3 */
	uint32_t dscp;     /* input 4, network order, 0..63 */
};

struct acl_key6 {
	uint8_t proto;     /* input 0 */
	uint8_t pad[3];
	uint8_t src[16];   /* inputs 1..4 */
	uint8_t dst[16];   /* inputs 5..8 */
	uint16_t sport;    /* input 9 */
	uint16_t dport;    /* input 9 */
	uint32_t dscp;     /* input 10 */
};

_Static_assert(offsetof(struct acl_key4, src) == 4, "v4 key layout");
_Static_assert(offsetof(struct acl_key4, sport) == 12, "v4 key layout");
_Static_assert(offsetof(struct acl_key4, dscp) == 16, "v4 key layout");
_Static_assert(sizeof(struct acl_key4) == 20, "v4 key layout");
_Static_assert(offsetof(struct acl_key6, src) == 4, "v6 key layout");
_Static_assert(offsetof(struct acl_key6, dst) == 20, "v6 key layout");
_Static_assert(offsetof(struct acl_key6, sport) == 36, "v6 key layout");
_Static_assert(offsetof(struct acl_key6, dscp) == 40, "v6 key layout");
_Static_assert(sizeof(struct acl_key6) == 44, "v6 key layout");

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_DSCP, F4_NUM };
enum {
	F6_PROTO,
	F6_SRC0, F6_SRC1, F6_SRC2, F6_SRC3,
	F6_DST0, F6_DST1, F6_DST2, F6_DST3,
	F6_SPORT, F6_DPORT, F6_DSCP, F6_NUM
};

#define FDEF(t, sz, fi, ii, off)                                           \
	{ .type = RTE_ACL_FIELD_TYPE_##t, .size = (sz), .field_index = (fi), \
	  .input_index = (ii), .offset = (off) }

static const struct rte_acl_field_def defs4[F4_NUM] = {
	FDEF(BITMASK, 1, F4_PROTO, 0, offsetof(struct acl_key4, proto)),
	FDEF(MASK, 4, F4_SRC, 1, offsetof(struct acl_key4, src)),
	FDEF(MASK, 4, F4_DST, 2, offsetof(struct acl_key4, dst)),
	FDEF(RANGE, 2, F4_SPORT, 3, offsetof(struct acl_key4, sport)),
	FDEF(RANGE, 2, F4_DPORT, 3, offsetof(struct acl_key4, dport)),
	FDEF(RANGE, 4, F4_DSCP, 4, offsetof(struct acl_key4, dscp)),
};

static const struct rte_acl_field_def defs6[F6_NUM] = {
	FDEF(BITMASK, 1, F6_PROTO, 0, offsetof(struct acl_key6, proto)),
	FDEF(MASK, 4, F6_SRC0, 1, offsetof(struct acl_key6, src) + 0),
	FDEF(MASK, 4, F6_SRC1, 2, offsetof(struct acl_key6, src) + 4),
	FDEF(MASK, 4, F6_SRC2, 3, offsetof(struct acl_key6, src) + 8),
	FDEF(MASK, 4, F6_SRC3, 4, offsetof(struct acl_key6, src) + 12),
	FDEF(MASK, 4, F6_DST0, 5, offsetof(struct acl_key6, dst) + 0),
	FDEF(MASK, 4, F6_DST1, 6, offsetof(struct acl_key6, dst) + 4),
	FDEF(MASK, 4, F6_DST2, 7, offsetof(struct acl_key6, dst) + 8),
	FDEF(MASK, 4, F6_DST3, 8, offsetof(struct acl_key6, dst) + 12),
	FDEF(RANGE, 2, F6_SPORT, 9, offsetof(struct acl_key6, sport)),
	FDEF(RANGE, 2, F6_DPORT, 9, offsetof(struct acl_key6, dport)),
	FDEF(RANGE, 4, F6_DSCP, 10, offsetof(struct acl_key6, dscp)),
};

RTE_ACL_RULE_DEF(acl_rule4, F4_NUM);
RTE_ACL_RULE_DEF(acl_rule6, F6_NUM);

static inline void
key4_fill(struct acl_key4 *k, const struct xb_pkt_info *p)
{
	k->proto = p->proto;
	memcpy(&k->src, p->src, 4);
	memcpy(&k->dst, p->dst, 4);
	k->sport = rte_cpu_to_be_16(p->sport);
	k->dport = rte_cpu_to_be_16(p->dport);
	k->dscp = rte_cpu_to_be_32(p->dscp);
}

static inline void
key6_fill(struct acl_key6 *k, const struct xb_pkt_info *p)
{
	k->proto = p->proto;
	memcpy(k->src, p->src, 16);
	memcpy(k->dst, p->dst, 16);
	k->sport = rte_cpu_to_be_16(p->sport);
	k->dport = rte_cpu_to_be_16(p->dport);
	k->dscp = rte_cpu_to_be_32(p->dscp);
}

/* ---- table rows ---- */

struct crow {
	uint32_t priority;
	uint16_t cat;
	uint8_t family;     /* 4, 6, or 0 for both (both addresses '*') */
	bool proto_any;
	uint8_t proto;
	struct xb_prefix src, dst; /* len 0 when '*' */
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	bool dscp_any;
	uint8_t dscp;
	unsigned int line;
	unsigned int order;
	uint32_t acl_prio; /* unique rte_acl priority from (priority, order) */
};

struct xb_catrules {
	struct rte_acl_ctx *ctx4; /* NULL when no rule applies to IPv4 */
	struct rte_acl_ctx *ctx6;
	unsigned int n;
	unsigned int n4, n6;
	size_t acl_bytes;
};

struct load_ctx {
	const struct xb_categories *cats;
	int socket_id;
	struct crow *rows;
	unsigned int n, cap;
	struct xb_catrules *r; /* what the rows built, if all went well */
};

enum { C_PRIO, C_CAT, C_PROTO, C_SRC, C_DST, C_SPORT, C_DPORT, C_DSCP };

static const struct {
	const char *name;
	uint8_t num;
} proto_names[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "sctp", 132 },
	{ "icmpv6", 58 },
};

static int
parse_proto(const struct xb_csv_row *row, struct crow *r,
	    struct xb_errors *errs)
{
	const char *s = row->cols[C_PROTO];
	char *end;
	unsigned long v;

	if (xb_csv_is_wildcard(row, C_PROTO)) {
		r->proto_any = true;
		return 0;
	}
	for (unsigned int i = 0; i < RTE_DIM(proto_names); i++) {
		if (strcasecmp(s, proto_names[i].name) == 0) {
			r->proto = proto_names[i].num;
			return 0;
		}
	}
	if (s[0] >= '0' && s[0] <= '9') {
		v = strtoul(s, &end, 10);
		if (*end == '\0' && v <= 255) {
			r->proto = (uint8_t)v;
			return 0;
		}
	}
	xb_csv_error(errs, row, C_PROTO,
		     "got \"%s\", expected a protocol number 0..255, tcp, udp, icmp, sctp, icmpv6 or *",
		     s);
	return -1;
}

static bool
parse_port_num(const char *s, size_t len, uint16_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static int
parse_ports(const struct xb_csv_row *row, unsigned int col, uint16_t *lo,
	    uint16_t *hi, struct xb_errors *errs)
{
	const char *s = row->cols[col];
	const char *dash = strchr(s, '-');
	bool ok;

	if (xb_csv_is_wildcard(row, col)) {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	if (dash == NULL) {
		ok = parse_port_num(s, strlen(s), lo);
		*hi = *lo;
	} else {
		ok = parse_port_num(s, (size_t)(dash - s), lo) &&
		     parse_port_num(dash + 1, strlen(dash + 1), hi) &&
		     *lo <= *hi;
	}
	if (ok)
		return 0;
	xb_csv_error(errs, row, col,
		     "got \"%s\", expected a port 0..65535, a range a-b with a <= b, or *",
		     s);
	return -1;
}

static int
parse_addr(const struct xb_csv_row *row, unsigned int col,
	   struct xb_prefix *p, struct xb_errors *errs)
{
	const char *why = NULL;

	memset(p, 0, sizeof(*p));
	if (xb_csv_is_wildcard(row, col))
		return 0; /* family 0: any */
	if (xb_prefix_parse(row->cols[col], p, &why) == 0)
		return 0;
	xb_csv_error(errs, row, col,
		     "got \"%s\", expected an IPv4 or IPv6 prefix or * (%s)",
		     row->cols[col], why);
	return -1;
}

static int
cr_row(void *vctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct load_ctx *ctx = vctx;
	struct crow r;
	uint32_t v;
	int bad = 0;

	memset(&r, 0, sizeof(r));
	if (xb_csv_get_u32(row, C_PRIO, 0, XB_CATRULE_PRIORITY_MAX, &v,
			   errs) < 0)
		bad = 1;
	r.priority = v;
	if (xb_categories_csv_get(ctx->cats, row, C_CAT, &r.cat, errs) < 0)
		bad = 1;
	if (parse_proto(row, &r, errs) < 0)
		bad = 1;
	if (parse_addr(row, C_SRC, &r.src, errs) < 0)
		bad = 1;
	if (parse_addr(row, C_DST, &r.dst, errs) < 0)
		bad = 1;
	if (parse_ports(row, C_SPORT, &r.sport_lo, &r.sport_hi, errs) < 0)
		bad = 1;
	if (parse_ports(row, C_DPORT, &r.dport_lo, &r.dport_hi, errs) < 0)
		bad = 1;
	if (xb_csv_is_wildcard(row, C_DSCP))
		r.dscp_any = true;
	else if (xb_csv_get_u32(row, C_DSCP, 0, 63, &v, errs) < 0)
		bad = 1;
	else
		r.dscp = (uint8_t)v;
	if (r.src.family != 0 && r.dst.family != 0 &&
	    r.src.family != r.dst.family) {
		xb_errors_add(errs, row->file, row->line,
			      "src and dst are of different families (got IPv%u and IPv%u, expected one family)",
			      r.src.family, r.dst.family);
		bad = 1;
	}
	if (bad)
		return 0;
	r.family = r.src.family ? r.src.family : r.dst.family;
	if (ctx->n >= XB_CATRULES_MAX) {
		xb_errors_add(errs, row->file, row->line,
			      "too many rules (got more than %d)",
			      XB_CATRULES_MAX);
		return 0;
	}
	if (ctx->n == ctx->cap) {
		unsigned int cap = ctx->cap ? ctx->cap * 2 : 64;
		struct crow *nr = realloc(ctx->rows, cap * sizeof(*nr));

		if (nr == NULL)
			return -ENOMEM;
		ctx->rows = nr;
		ctx->cap = cap;
	}
	r.line = row->line;
	r.order = ctx->n;
	ctx->rows[ctx->n++] = r;
	return 0;
}

/* ---- building ---- */

static int
rank_cmp(const void *a, const void *b)
{
	const struct crow *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static uint32_t
host_word(const uint8_t *addr, unsigned int w)
{
	uint32_t v;

	memcpy(&v, addr + 4 * w, 4);
	return rte_be_to_cpu_32(v);
}

static uint32_t
word_masklen(const struct xb_prefix *p, unsigned int w)
{
	int bits = (int)p->len - 32 * (int)w;

	return bits <= 0 ? 0 : (bits >= 32 ? 32 : (uint32_t)bits);
}

/* rte_acl userdata: category index + 1 in the low CATRULE_LINE_SHIFT
 * bits (XB_CATEGORIES_MAX fits), the row's line above. */
#define CATRULE_LINE_SHIFT 11
#define CATRULE_LINE_MAX ((1u << (32 - CATRULE_LINE_SHIFT)) - 1)
_Static_assert(XB_CATEGORIES_MAX < (1u << CATRULE_LINE_SHIFT),
	       "category index + 1 fits below the line");

static inline void
set_result(uint32_t userdata, unsigned int at, uint16_t *categories,
	   uint32_t *lines)
{
	categories[at] = (uint16_t)((userdata & ((1u << CATRULE_LINE_SHIFT) - 1)) - 1);
	if (lines != NULL)
		lines[at] = userdata >> CATRULE_LINE_SHIFT;
}

static void
rule_common(const struct crow *r, struct rte_acl_rule_data *d,
	    struct rte_acl_field *proto, struct rte_acl_field *sport,
	    struct rte_acl_field *dport, struct rte_acl_field *dscp)
{
	d->category_mask = 1;
	d->priority = (int32_t)r->acl_prio;
	/* 0 is rte_acl's "no match", so the category travels as index + 1,
	 * in the low bits; the row's line rides above it, so a match also
	 * names its row (explain, hit counters) at no extra lookup. */
	d->userdata = ((uint32_t)r->cat + 1) |
		      (r->line > CATRULE_LINE_MAX ? CATRULE_LINE_MAX : r->line)
			      << CATRULE_LINE_SHIFT;
	proto->value.u8 = r->proto;
	proto->mask_range.u8 = r->proto_any ? 0 : 0xff;
	sport->value.u16 = r->sport_lo;
	sport->mask_range.u16 = r->sport_hi;
	dport->value.u16 = r->dport_lo;
	dport->mask_range.u16 = r->dport_hi;
	dscp->value.u32 = r->dscp_any ? 0 : r->dscp;
	dscp->mask_range.u32 = r->dscp_any ? UINT32_MAX : r->dscp;
}

static void
rule4_fill(struct acl_rule4 *a, const struct crow *r)
{
	memset(a, 0, sizeof(*a));
	rule_common(r, &a->data, &a->field[F4_PROTO], &a->field[F4_SPORT],
		    &a->field[F4_DPORT], &a->field[F4_DSCP]);
	a->field[F4_SRC].value.u32 = host_word(r->src.addr, 0);
	a->field[F4_SRC].mask_range.u32 = word_masklen(&r->src, 0);
	a->field[F4_DST].value.u32 = host_word(r->dst.addr, 0);
	a->field[F4_DST].mask_range.u32 = word_masklen(&r->dst, 0);
}

static void
rule6_fill(struct acl_rule6 *a, const struct crow *r)
{
	memset(a, 0, sizeof(*a));
	rule_common(r, &a->data, &a->field[F6_PROTO], &a->field[F6_SPORT],
		    &a->field[F6_DPORT], &a->field[F6_DSCP]);
	for (unsigned int w = 0; w < 4; w++) {
		a->field[F6_SRC0 + w].value.u32 = host_word(r->src.addr, w);
		a->field[F6_SRC0 + w].mask_range.u32 = word_masklen(&r->src, w);
		a->field[F6_DST0 + w].value.u32 = host_word(r->dst.addr, w);
		a->field[F6_DST0 + w].mask_range.u32 = word_masklen(&r->dst, w);
	}
}

static size_t
heap_allocated(void)
{
	size_t total = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
						&st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}

/* Create and build one context from the rows of one family; *ctx stays
 * NULL when no row applies.  Returns 0 or a negative errno. */
static int
build_ctx(const char *file, const struct crow *rows, unsigned int n,
	  uint8_t family, int socket_id, struct rte_acl_ctx **out,
	  unsigned int *nrules, struct xb_errors *errs)
{
	static unsigned int build_seq;
	const size_t rsz = family == 4 ? sizeof(struct acl_rule4) :
					 sizeof(struct acl_rule6);
	struct rte_acl_param prm;
	struct rte_acl_config cfg;
	struct rte_acl_ctx *ctx;
	char name[RTE_ACL_NAMESIZE];
	uint8_t *buf;
	unsigned int m = 0;
	int rc;

	*out = NULL;
	*nrules = 0;
	for (unsigned int i = 0; i < n; i++)
		if (rows[i].family == 0 || rows[i].family == family)
			m++;
	if (m == 0)
		return 0;
	buf = calloc(m, rsz);
	if (buf == NULL) {
		xb_errors_add(errs, file, 0, "out of memory");
		return -ENOMEM;
	}
	m = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (rows[i].family != 0 && rows[i].family != family)
			continue;
		if (family == 4)
			rule4_fill((struct acl_rule4 *)(buf + m * rsz), &rows[i]);
		else
			rule6_fill((struct acl_rule6 *)(buf + m * rsz), &rows[i]);
		m++;
	}
	/* rte_acl_create returns an existing context of the same name, so
	 * every build needs a fresh one while older rulesets live. */
	snprintf(name, sizeof(name), "xbcr%u_%u", family,
		 __atomic_fetch_add(&build_seq, 1, __ATOMIC_RELAXED));
	memset(&prm, 0, sizeof(prm));
	prm.name = name;
	prm.socket_id = socket_id;
	prm.rule_size = (uint32_t)rsz;
	prm.max_rule_num = m;
	ctx = rte_acl_create(&prm);
	if (ctx == NULL) {
		rc = -rte_errno;
		xb_errors_add(errs, file, 0,
			      "cannot create the IPv%u ACL context (%s)", family,
			      rte_strerror(rte_errno));
		free(buf);
		return rc ? rc : -ENOMEM;
	}
	rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)buf, m);
	free(buf);
	if (rc == 0) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.num_categories = 1;
		if (family == 4) {
			cfg.num_fields = F4_NUM;
			memcpy(cfg.defs, defs4, sizeof(defs4));
		} else {
			cfg.num_fields = F6_NUM;
			memcpy(cfg.defs, defs6, sizeof(defs6));
		}
		rc = rte_acl_build(ctx, &cfg);
	}
	if (rc != 0) {
		xb_errors_add(errs, file, 0,
			      "cannot build the IPv%u ACL context (%s)", family,
			      rte_strerror(-rc));
		rte_acl_free(ctx);
		return rc;
	}
	*out = ctx;
	*nrules = m;
	return 0;
}

/* After the last row: rank the rules and build both ACL contexts. */
static int
catrules_build(void *vctx, const char *file, unsigned int rows, bool clean,
	       struct xb_errors *errs)
{
	struct load_ctx *lc = vctx;
	struct xb_catrules *r;
	size_t heap0;

	(void)rows;
	if (!clean)
		return -EINVAL;
	/* Unique rte_acl priorities: higher table priority first, then the
	 * earlier row, so rte_acl's "highest priority" is our precedence. */
	if (lc->n > 1)
		qsort(lc->rows, lc->n, sizeof(*lc->rows), rank_cmp);
	for (unsigned int i = 0; i < lc->n; i++)
		lc->rows[i].acl_prio = lc->n - i;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		xb_errors_add(errs, file, 0, "out of memory");
		return -ENOMEM;
	}
	r->n = lc->n;
	heap0 = heap_allocated();
	if (build_ctx(file, lc->rows, lc->n, 4, lc->socket_id, &r->ctx4,
		      &r->n4, errs) < 0 ||
	    build_ctx(file, lc->rows, lc->n, 6, lc->socket_id, &r->ctx6,
		      &r->n6, errs) < 0) {
		xb_catrules_free(r);
		return -EINVAL;
	}
	{
		size_t heap1 = heap_allocated();

		r->acl_bytes = heap1 > heap0 ? heap1 - heap0 : 0;
	}
	lc->r = r;
	return 0;
}

static const char *const cr_cols[] = { "priority", "category", "proto", "src",
				       "dst", "sport", "dport", "dscp", NULL };
static const struct xb_table cr_table = {
	.header = { .variants = { cr_cols } },
	.row = cr_row,
	.finish = catrules_build,
};

struct xb_catrules *
xb_catrules_load(const struct xb_table_src *src,
		 const struct xb_categories *cats, int socket_id,
		 struct xb_errors *errs)
{
	struct load_ctx lc = { .cats = cats, .socket_id = socket_id };

	xb_table_load(&cr_table, src, &lc, errs);
	free(lc.rows);
	return lc.r;
}

void
xb_catrules_free(struct xb_catrules *r)
{
	if (r == NULL)
		return;
	rte_acl_free(r->ctx4);
	rte_acl_free(r->ctx6);
	free(r);
}

/* Keys per rte_acl_classify call; bounds the stack use (~5 KB). */
#define CLASSIFY_CHUNK 64

void
xb_catrules_classify(const struct xb_catrules *r,
		     const struct xb_pkt_info *const *pkts, unsigned int n,
		     uint16_t *categories)
{
	xb_catrules_classify_lines(r, pkts, n, categories, NULL);
}

void
xb_catrules_classify_lines(const struct xb_catrules *r,
			   const struct xb_pkt_info *const *pkts,
			   unsigned int n, uint16_t *categories,
			   uint32_t *lines)
{
	struct acl_key4 k4[CLASSIFY_CHUNK];
	struct acl_key6 k6[CLASSIFY_CHUNK];
	const uint8_t *d4[CLASSIFY_CHUNK], *d6[CLASSIFY_CHUNK];
	uint32_t res[CLASSIFY_CHUNK];
	uint16_t at4[CLASSIFY_CHUNK], at6[CLASSIFY_CHUNK];

	for (unsigned int base = 0; base < n; base += CLASSIFY_CHUNK) {
		unsigned int m = RTE_MIN(n - base, (unsigned int)CLASSIFY_CHUNK);
		unsigned int n4 = 0, n6 = 0;

		/* Split the burst by family: one classify call per context. */
		for (unsigned int i = 0; i < m; i++) {
			const struct xb_pkt_info *p = pkts[base + i];

			categories[base + i] = XB_CATEGORY_UNCLASSIFIED;
			if (lines != NULL)
				lines[base + i] = 0;
			if (p->family == 4 && r->ctx4 != NULL) {
				key4_fill(&k4[n4], p);
				d4[n4] = (const uint8_t *)&k4[n4];
				at4[n4++] = (uint16_t)i;
			} else if (p->family == 6 && r->ctx6 != NULL) {
				key6_fill(&k6[n6], p);
				d6[n6] = (const uint8_t *)&k6[n6];
				at6[n6++] = (uint16_t)i;
			}
		}
		if (n4 > 0 && rte_acl_classify(r->ctx4, d4, res, n4, 1) == 0)
			for (unsigned int j = 0; j < n4; j++)
				if (res[j] != 0)
					set_result(res[j], base + at4[j],
						   categories, lines);
		if (n6 > 0 && rte_acl_classify(r->ctx6, d6, res, n6, 1) == 0)
			for (unsigned int j = 0; j < n6; j++)
				if (res[j] != 0)
					set_result(res[j], base + at6[j],
						   categories, lines);
	}
}

unsigned int
xb_catrules_count(const struct xb_catrules *r)
{
	return r->n;
}

size_t
xb_catrules_memory(const struct xb_catrules *r)
{
	return sizeof(*r) + r->acl_bytes;
}
