/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_tenant.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_csv.h"
#include "xb_prefix.h"
#include "xb_table.h"

#define MAX_TENANTS 32767 /* fits a 2-byte FIB next hop */
#define MAX_CLASSES 65535

struct xb_tenants {
	struct xb_tenant *t;
	unsigned int *line; /* definition line per tenant (0: built in) */
	unsigned int n, cap;
	char (*classes)[32];
	unsigned int nclasses, ccap;
};

static int
add_class(struct xb_tenants *t, const char *name)
{
	int c = xb_tenants_class_find(t, name);

	if (c >= 0)
		return c;
	if (t->nclasses >= MAX_CLASSES)
		return -1;
	if (t->nclasses == t->ccap) {
		unsigned int cap = t->ccap ? t->ccap * 2 : 8;
		void *nc = realloc(t->classes, cap * sizeof(*t->classes));

		if (nc == NULL)
			return -1;
		t->classes = nc;
		t->ccap = cap;
	}
	snprintf(t->classes[t->nclasses], sizeof(t->classes[0]), "%s", name);
	return (int)t->nclasses++;
}

static int
add_tenant(struct xb_tenants *t, const struct xb_tenant *v, unsigned int line)
{
	if (t->n == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 16;
		struct xb_tenant *nt = realloc(t->t, cap * sizeof(*nt));
		unsigned int *nl;

		if (nt == NULL)
			return -1;
		t->t = nt;
		nl = realloc(t->line, cap * sizeof(*nl));
		if (nl == NULL)
			return -1;
		t->line = nl;
		t->cap = cap;
	}
	t->t[t->n] = *v;
	t->line[t->n] = line;
	t->n++;
	return 0;
}

/* over_quota: "notify", "block" or "throttle:<kbps>". */
static int
parse_over_quota(const struct xb_csv_row *row, unsigned int col,
		 struct xb_tenant *v, struct xb_errors *errs)
{
	const char *s = row->cols[col];

	v->throttle_kbps = 0;
	if (strcmp(s, "notify") == 0) {
		v->over_quota = XB_OVER_QUOTA_NOTIFY;
		return 0;
	}
	if (strcmp(s, "block") == 0) {
		v->over_quota = XB_OVER_QUOTA_BLOCK;
		return 0;
	}
	if (strncmp(s, "throttle:", 9) == 0) {
		const char *p = s + 9;
		uint64_t k = 0;

		if (*p == '\0')
			goto bad_rate;
		for (; *p; p++) {
			if (*p < '0' || *p > '9' || k > XB_THROTTLE_KBPS_MAX)
				goto bad_rate;
			k = k * 10 + (uint64_t)(*p - '0');
		}
		if (k < 1 || k > XB_THROTTLE_KBPS_MAX)
			goto bad_rate;
		v->over_quota = XB_OVER_QUOTA_THROTTLE;
		v->throttle_kbps = (uint32_t)k;
		return 0;
bad_rate:
		xb_csv_error(errs, row, col,
			     "got \"%s\", expected throttle:<kbps> with kbps 1..%u",
			     s, XB_THROTTLE_KBPS_MAX);
		return -1;
	}
	xb_csv_error(errs, row, col,
		     "got \"%s\", expected throttle:<kbps>, block or notify", s);
	return -1;
}

static int
tenant_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct xb_tenants *t = ctx;
	struct xb_tenant v;
	const char *id = NULL, *cls = NULL;
	uint64_t quota;
	bool bad = false;
	int cid, dup;

	memset(&v, 0, sizeof(v));
	if (xb_csv_get_ident(row, 0, sizeof(v.id) - 1, &id, errs) < 0) {
		bad = true;
	} else if (strcmp(id, "unknown") == 0) {
		xb_csv_error(errs, row, 0,
			     "got \"unknown\", expected a tenant other than the built-in \"unknown\"");
		bad = true;
	} else if ((dup = xb_tenants_find(t, id)) >= 0) {
		xb_csv_error(errs, row, 0,
			     "got \"%s\" again, expected each tenant once (first at line %u)",
			     id, t->line[dup]);
		bad = true;
	}
	if (row->cols[1][0] == '\0' || strlen(row->cols[1]) >= sizeof(v.name)) {
		xb_csv_error(errs, row, 1,
			     "got \"%s\", expected a name of 1..%zu bytes",
			     row->cols[1], sizeof(v.name) - 1);
		bad = true;
	}
	if (xb_csv_get_ident(row, 2, 31, &cls, errs) < 0)
		bad = true;
	/* GB = 10^9 bytes, so 9 decimals count single bytes: exact, and
	 * SME packages are sold in fractions of a GB (0.5, 0.001). */
	if (xb_csv_get_decimal(row, 3, 9, XB_QUOTA_BYTES_MAX, &quota, errs) < 0)
		bad = true;
	if (parse_over_quota(row, 4, &v, errs) < 0)
		bad = true;
	if (bad)
		return 0;
	if (t->n >= MAX_TENANTS) {
		xb_errors_add(errs, row->file, row->line,
			      "too many tenants (expected at most %d)",
			      MAX_TENANTS - 1);
		return -1;
	}
	cid = add_class(t, cls);
	if (cid < 0)
		return -ENOMEM;
	snprintf(v.id, sizeof(v.id), "%s", id);
	snprintf(v.name, sizeof(v.name), "%s", row->cols[1]);
	v.class_id = (uint16_t)cid;
	v.quota_bytes = quota;
	if (add_tenant(t, &v, row->line) < 0)
		return -ENOMEM;
	return 0;
}

static const char *const tenant_cols[] = {
	"tenant", "name", "class", "quota_gb", "over_quota", NULL
};
static const struct xb_table tenant_table = {
	.header = { .variants = { tenant_cols } },
	.row = tenant_row,
};

static struct xb_tenants *
tenants_new(void)
{
	struct xb_tenants *t = calloc(1, sizeof(*t));
	struct xb_tenant unknown;

	if (t == NULL)
		return NULL;
	memset(&unknown, 0, sizeof(unknown));
	snprintf(unknown.id, sizeof(unknown.id), "unknown");
	snprintf(unknown.name, sizeof(unknown.name), "Unknown tenant");
	unknown.class_id = XB_TENANT_CLASS_UNKNOWN;
	unknown.over_quota = XB_OVER_QUOTA_NOTIFY;
	if (add_class(t, "unknown") < 0 || add_tenant(t, &unknown, 0) < 0) {
		xb_tenants_free(t);
		return NULL;
	}
	return t;
}

struct xb_tenants *
xb_tenants_load(const struct xb_table_src *src, struct xb_errors *errs)
{
	struct xb_tenants *t = tenants_new();

	if (t == NULL) {
		xb_errors_add(errs, src->name, 0, "out of memory");
		return NULL;
	}
	if (xb_table_load(&tenant_table, src, t, errs) < 0) {
		xb_tenants_free(t);
		return NULL;
	}
	return t;
}

void
xb_tenants_free(struct xb_tenants *t)
{
	if (t == NULL)
		return;
	free(t->t);
	free(t->line);
	free(t->classes);
	free(t);
}

int
xb_tenants_find(const struct xb_tenants *t, const char *id)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (strcmp(t->t[i].id, id) == 0)
			return (int)i;
	return -1;
}

unsigned int
xb_tenants_count(const struct xb_tenants *t)
{
	return t->n;
}

const struct xb_tenant *
xb_tenants_get(const struct xb_tenants *t, unsigned int idx)
{
	return idx < t->n ? &t->t[idx] : NULL;
}

unsigned int
xb_tenants_line(const struct xb_tenants *t, unsigned int idx)
{
	return idx < t->n ? t->line[idx] : 0;
}

int
xb_tenants_class_find(const struct xb_tenants *t, const char *name)
{
	for (unsigned int i = 0; i < t->nclasses; i++)
		if (strcmp(t->classes[i], name) == 0)
			return (int)i;
	return -1;
}

unsigned int
xb_tenants_class_count(const struct xb_tenants *t)
{
	return t->nclasses;
}

const char *
xb_tenants_class_name(const struct xb_tenants *t, unsigned int cid)
{
	return cid < t->nclasses ? t->classes[cid] : NULL;
}

/* --- tenant_prefixes.csv --- */

struct tp_seen {
	struct xb_prefix p;
	unsigned int line;
};

struct tp_ctx {
	const struct xb_tenants *t;
	struct xb_lpm_builder *b;
	uint16_t *vlan_tenant;
	unsigned int vlan_line[4096];
	struct tp_seen *seen; /* prefixes of this file, for duplicates */
	size_t nseen, seencap;
};

/* text is the whole field (for messages), digits the number in it. */
static int
tp_vlan(struct tp_ctx *c, const struct xb_csv_row *row, const char *text,
	const char *digits, int tenant, struct xb_errors *errs)
{
	unsigned long v = 0;
	const char *p = digits;

	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > XB_TENANT_VLAN_MAX)
			goto bad;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > XB_TENANT_VLAN_MAX)
		goto bad;
	if (c->vlan_line[v] != 0) {
		xb_csv_error(errs, row, 0,
			     "got VLAN %lu again, expected each VLAN once (first at line %u)",
			     v, c->vlan_line[v]);
		return -1;
	}
	if (tenant >= 0) {
		c->vlan_line[v] = row->line;
		c->vlan_tenant[v] = (uint16_t)tenant;
	}
	return 0;
bad:
	xb_csv_error(errs, row, 0, "got \"%s\", expected a VLAN id 1..%d", text,
		     XB_TENANT_VLAN_MAX);
	return -1;
}

static int
tp_prefix(struct tp_ctx *c, const struct xb_csv_row *row, int tenant,
	  struct xb_errors *errs)
{
	struct xb_prefix p;
	const char *why;

	if (xb_prefix_parse(row->cols[0], &p, &why) < 0) {
		xb_csv_error(errs, row, 0,
			     "got \"%s\", expected an IPv4 or IPv6 prefix or vlan:<id> (%s)",
			     row->cols[0], why);
		return -1;
	}
	if (tenant < 0)
		return 0;
	if (c->nseen == c->seencap) {
		size_t cap = c->seencap ? c->seencap * 2 : 64;
		struct tp_seen *ns = realloc(c->seen, cap * sizeof(*ns));

		if (ns == NULL)
			return -ENOMEM;
		c->seen = ns;
		c->seencap = cap;
	}
	c->seen[c->nseen].p = p;
	c->seen[c->nseen].line = row->line;
	c->nseen++;
	/* The line is the prefix's origin: explain and the rule hit
	 * counters name it. */
	if (xb_lpm_builder_add_origin(c->b, &p, (uint32_t)tenant, row->line) < 0)
		return -ENOMEM;
	return 0;
}

static int
tp_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct tp_ctx *c = ctx;
	const char *first = row->cols[0];
	int tenant = xb_tenants_find(c->t, row->cols[1]);

	if (tenant < 0)
		xb_csv_error(errs, row, 1,
			     "got \"%s\", expected a tenant from tenants.csv",
			     row->cols[1]);
	if (row->variant == 1)
		tp_vlan(c, row, first, first, tenant, errs);
	else if (strncmp(first, "vlan:", 5) == 0)
		tp_vlan(c, row, first, first + 5, tenant, errs);
	else if (tp_prefix(c, row, tenant, errs) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

static int
cmp_seen(const void *pa, const void *pb)
{
	const struct tp_seen *a = pa, *b = pb;
	int c = xb_prefix_cmp(&a->p, &b->p);

	if (c != 0)
		return c;
	return a->line < b->line ? -1 : (a->line > b->line ? 1 : 0);
}

/* The same prefix twice in one file is a typo more often than not. */
static int
tp_report_duplicates(void *ctx, const char *name, unsigned int rows,
		     bool clean, struct xb_errors *errs)
{
	struct tp_ctx *c = ctx;

	(void)rows;
	(void)clean;
	if (c->nseen > 1)
		qsort(c->seen, c->nseen, sizeof(*c->seen), cmp_seen);
	for (size_t i = 1; i < c->nseen; i++) {
		const struct tp_seen *a = &c->seen[i - 1], *b = &c->seen[i];
		char buf[64];

		if (a->p.family != b->p.family || a->p.len != b->p.len ||
		    memcmp(a->p.addr, b->p.addr, 16) != 0)
			continue;
		xb_prefix_format(&b->p, buf, sizeof(buf));
		xb_errors_add(errs, name, b->line,
			      "prefix: got %s again, expected each prefix once (first at line %u)",
			      buf, a->line);
	}
	return 0;
}

static const char *const tp_prefix_cols[] = { "prefix", "tenant", NULL };
static const char *const tp_vlan_cols[] = { "vlan", "tenant", NULL };
static const struct xb_table tp_table = {
	.header = { .variants = { tp_prefix_cols, tp_vlan_cols } },
	.row = tp_row,
	.finish = tp_report_duplicates,
};

int
xb_tenant_prefixes_load(const struct xb_table_src *src,
			const struct xb_tenants *t,
			struct xb_lpm_builder *prefixes,
			uint16_t vlan_tenant[4096], struct xb_errors *errs)
{
	return xb_tenant_prefixes_load_lines(src, t, prefixes, vlan_tenant,
					     NULL, errs);
}

int
xb_tenant_prefixes_load_lines(const struct xb_table_src *src,
			      const struct xb_tenants *t,
			      struct xb_lpm_builder *prefixes,
			      uint16_t vlan_tenant[4096],
			      uint32_t vlan_line[4096], struct xb_errors *errs)
{
	struct tp_ctx *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		xb_errors_add(errs, src->name, 0, "out of memory");
		return -ENOMEM;
	}
	c->t = t;
	c->b = prefixes;
	c->vlan_tenant = vlan_tenant;
	rc = xb_table_load(&tp_table, src, c, errs);
	if (vlan_line != NULL)
		for (unsigned int v = 0; v < 4096; v++)
			vlan_line[v] = c->vlan_line[v];
	free(c->seen);
	free(c);
	return rc;
}
