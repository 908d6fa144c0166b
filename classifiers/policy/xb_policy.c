/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy loader and decision.  See xb_policy.h for the table semantics.
 *
 * At load, every (country, category, tenant class) cell of a dense table
 * gets its winning row: rows are painted in precedence order and a cell
 * keeps the first row that reaches it.  Approvals are grouped per
 * (tenant, negative-list category) in one array (CSR layout).
 */
#include "xb_policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_csv.h"
#include "xb_table.h"

#define KIND_ANY 0
#define KIND_GROUP 1
#define KIND_CODE 2

/* Largest decision table / meter set a load may build. */
#define CELLS_MAX (64u * 1024 * 1024)
#define METERS_MAX (16u * 1024 * 1024)

struct row_spec {
	uint8_t ckind;     /* KIND_* of the country column */
	uint8_t cat_any;
	uint8_t class_any;
	uint16_t cid;      /* country index or group id */
	uint16_t cat;
	uint16_t cls;
	struct xb_meter_profile prof;
};

struct approval {
	uint16_t tenant;
	uint16_t neg;      /* negative-list rank of the category */
	uint8_t kind;      /* KIND_* of the country column */
	uint16_t id;       /* country index or group id */
	uint32_t line;     /* line in approvals.csv */
	uint64_t expires_ns;
};

struct xb_policy {
	unsigned int ncountries, ncats, nclasses, ntenants, nneg;
	char qos_name[256];

	struct xb_policy_row *rows;
	struct row_spec *spec;
	unsigned int nrows, rcap;

	uint16_t *table;          /* [(country * ncats + cat) * nclasses + cls] */
	uint16_t *tenant_class;   /* [tenant] */
	uint16_t *class_rank;     /* [tenant]: rank among its class's tenants */
	uint16_t *class_size;     /* [class] */
	int16_t *country_group;   /* [country]: group id or -1 */
	int32_t *neg_rank;        /* [category]: rank on the negative list or -1 */

	struct approval *appr;    /* sorted by (tenant, neg) */
	unsigned int nappr, acap;
	uint32_t *appr_start;     /* [tenant * nneg + neg], size + 1 */

	uint32_t nmeters;
	struct xb_meter_profile *mprof; /* [instance] */
	uint16_t *mtenant, *mrow;       /* [instance] */
};

/* Loading context: the tables referred to. */
struct load_ctx {
	struct xb_policy *p;
	const struct xb_countries *countries;
	const struct xb_categories *categories;
	const struct xb_tenants *tenants;
};

const char *
xb_action_name(unsigned int action)
{
	static const char *const names[XB_ACT_MAX] = {
#define XB_ACTION_NAME(e, name, doc) name,
		XB_ACTIONS(XB_ACTION_NAME)
#undef XB_ACTION_NAME
	};

	return action < XB_ACT_MAX ? names[action] : "?";
}

/* ---- expiry dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int
xb_policy_parse_expiry(const char *s, uint64_t *out_ns)
{
	static const unsigned int mdays[12] = { 31, 28, 31, 30, 31, 30,
						31, 31, 30, 31, 30, 31 };
	unsigned int y = 0, m, d, dim;
	int64_t days;

	if (strcmp(s, "*") == 0 || strcmp(s, "never") == 0) {
		*out_ns = UINT64_MAX;
		return 0;
	}
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (unsigned int)(s[i] - '0');
	m = (unsigned int)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned int)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1970 || y > 2261 || m < 1 || m > 12 || d < 1)
		return -1;
	dim = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	if (d > dim)
		return -1;
	days = days_from_civil(y, m, d);
	/* Valid through the last nanosecond of that UTC day. */
	*out_ns = (uint64_t)(days + 1) * 86400ull * 1000000000ull - 1;
	return 0;
}

/* ---- column parsers ---- */

/* Country column: code, group or '*'. */
static int
get_country(struct load_ctx *c, const struct xb_csv_row *row,
	    unsigned int col, uint8_t *kind, uint16_t *id,
	    struct xb_errors *errs)
{
	const char *v = row->cols[col];
	int i;

	if (xb_csv_is_wildcard(row, col)) {
		*kind = KIND_ANY;
		*id = 0;
		return 0;
	}
	if (strlen(v) == 2 && (i = xb_countries_find(c->countries, v)) >= 0) {
		*kind = KIND_CODE;
		*id = (uint16_t)i;
		return 0;
	}
	if ((i = xb_countries_group_find(c->countries, v)) >= 0) {
		*kind = KIND_GROUP;
		*id = (uint16_t)i;
		return 0;
	}
	xb_csv_error(errs, row, col,
		     "unknown country (got \"%s\", expected a code or group of countries.csv, or *)",
		     v);
	return -1;
}

/* Rate columns 5..8: all '*' or all numbers with pir >= cir. */
static int
get_rates(const struct xb_csv_row *row, struct xb_policy_row *r,
	  struct row_spec *sp, struct xb_errors *errs)
{
	static const uint32_t maxv[4] = { XB_METER_KBPS_MAX,
					  XB_METER_BURST_MAX,
					  XB_METER_KBPS_MAX,
					  XB_METER_BURST_MAX };
	uint32_t v[4];
	bool cir_star = xb_csv_is_wildcard(row, 5);
	int bad = 0;

	for (unsigned int i = 0; i < 4; i++) {
		unsigned int col = 5 + i;

		if (xb_csv_is_wildcard(row, col) != cir_star) {
			xb_csv_error(errs, row, col,
				     "got \"%s\", expected %s like cir_kbps (the four rate columns are all * or all numbers)",
				     row->cols[col],
				     cir_star ? "*" : "a number");
			bad = -1;
			continue;
		}
		if (cir_star)
			continue;
		if (xb_csv_get_u32(row, col, 1, maxv[i], &v[i], errs) < 0)
			bad = -1;
	}
	if (bad < 0 || cir_star) {
		r->metered = 0;
		return bad;
	}
	if (v[2] < v[0]) {
		xb_csv_error(errs, row, 7,
			     "got \"%s\", expected at least cir_kbps (%" PRIu32
			     ")",
			     row->cols[7], v[0]);
		return -1;
	}
	r->metered = 1;
	r->cir_kbps = v[0];
	r->cbs_bytes = v[1];
	r->pir_kbps = v[2];
	r->pbs_bytes = v[3];
	if (xb_meter_profile_init(&sp->prof, v[0], v[1], v[2], v[3]) < 0) {
		xb_csv_error(errs, row, 5, "rates rejected by the meter");
		return -1;
	}
	return 0;
}

/* ---- qos.csv ---- */

static const char *const action_words[] = { "channel", "public", "audit",
					    "deny" };

static int
qos_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct load_ctx *c = ctx;
	struct xb_policy *p = c->p;
	struct xb_policy_row r;
	struct row_spec sp;
	unsigned int act;
	uint32_t tc = 0, dscp = XB_DSCP_KEEP;
	int bad = 0, i;

	if (p->nrows >= XB_POLICY_ROWS_MAX) {
		xb_errors_add(errs, row->file, row->line,
			      "too many rows (expected at most %u)",
			      XB_POLICY_ROWS_MAX);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	memset(&sp, 0, sizeof(sp));
	r.line = row->line;
	r.meter_base = XB_METER_NONE;
	snprintf(r.country, sizeof(r.country), "%s", row->cols[0]);
	snprintf(r.category, sizeof(r.category), "%s", row->cols[1]);
	snprintf(r.tenant_class, sizeof(r.tenant_class), "%s", row->cols[2]);

	if (get_country(c, row, 0, &sp.ckind, &sp.cid, errs) < 0)
		bad = -1;
	if (xb_csv_is_wildcard(row, 1))
		sp.cat_any = 1;
	else if (xb_categories_csv_get(c->categories, row, 1, &sp.cat,
				       errs) < 0)
		bad = -1;
	if (xb_csv_is_wildcard(row, 2)) {
		sp.class_any = 1;
	} else if ((i = xb_tenants_class_find(c->tenants, row->cols[2])) >= 0) {
		sp.cls = (uint16_t)i;
	} else {
		xb_csv_error(errs, row, 2,
			     "unknown tenant class (got \"%s\", expected a class of tenants.csv or *)",
			     row->cols[2]);
		bad = -1;
	}
	if (xb_csv_get_enum(row, 3, action_words, 4, &act, errs) < 0)
		bad = -1;
	else
		r.action = (uint8_t)act;
	if (xb_csv_get_u32(row, 4, 0, 7, &tc, errs) < 0)
		bad = -1;
	r.tc = (uint8_t)tc;
	if (get_rates(row, &r, &sp, errs) < 0)
		bad = -1;
	if (!xb_csv_is_wildcard(row, 9)) {
		if (xb_csv_get_u32(row, 9, 0, 63, &dscp, errs) < 0)
			bad = -1;
	}
	r.dscp = (uint8_t)dscp;
	if (bad < 0)
		return 0; /* reported; keep looking for more errors */

	if (p->nrows == p->rcap) {
		unsigned int cap = p->rcap ? p->rcap * 2 : 32;
		void *nr = realloc(p->rows, cap * sizeof(*p->rows));
		void *ns;

		if (nr == NULL)
			return -ENOMEM;
		p->rows = nr;
		ns = realloc(p->spec, cap * sizeof(*p->spec));
		if (ns == NULL)
			return -ENOMEM;
		p->spec = ns;
		p->rcap = cap;
	}
	p->rows[p->nrows] = r;
	p->spec[p->nrows] = sp;
	p->nrows++;
	return 0;
}

static const char *const qos_cols[] = {
	"country", "category", "tenant_class", "action", "tc",
	"cir_kbps", "cbs_bytes", "pir_kbps", "pbs_bytes", "dscp", NULL
};
static const struct xb_table qos_table = {
	.header = { .variants = { qos_cols } },
	.row = qos_row,
};

/* ---- approvals.csv ---- */

static int
appr_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct load_ctx *c = ctx;
	struct xb_policy *p = c->p;
	struct approval a;
	uint16_t cat = 0;
	int bad = 0, t;

	memset(&a, 0, sizeof(a));
	t = xb_tenants_find(c->tenants, row->cols[0]);
	if (strcmp(row->cols[0], "unknown") == 0 || t <= 0) {
		xb_csv_error(errs, row, 0,
			     "unknown tenant (got \"%s\", expected a tenant of tenants.csv%s)",
			     row->cols[0],
			     strcmp(row->cols[0], "unknown") == 0 ?
				     "; the built-in \"unknown\" cannot hold approvals" :
				     "");
		bad = -1;
	} else {
		a.tenant = (uint16_t)t;
	}
	if (xb_categories_csv_get(c->categories, row, 1, &cat, errs) < 0) {
		bad = -1;
	} else if (p->neg_rank[cat] < 0) {
		xb_csv_error(errs, row, 1,
			     "not on the negative list (got \"%s\" of list %s, expected a negative-list category: only those need approvals)",
			     row->cols[1],
			     xb_data_list_str(xb_categories_list(c->categories,
								 cat)));
		bad = -1;
	} else {
		a.neg = (uint16_t)p->neg_rank[cat];
	}
	if (get_country(c, row, 2, &a.kind, &a.id, errs) < 0)
		bad = -1;
	if (xb_policy_parse_expiry(row->cols[3], &a.expires_ns) < 0) {
		xb_csv_error(errs, row, 3,
			     "got \"%s\", expected a date YYYY-MM-DD (1970..2261), * or never",
			     row->cols[3]);
		bad = -1;
	}
	if (bad < 0)
		return 0;
	if (p->nappr == p->acap) {
		unsigned int cap = p->acap ? p->acap * 2 : 32;
		void *na = realloc(p->appr, cap * sizeof(*p->appr));

		if (na == NULL)
			return -ENOMEM;
		p->appr = na;
		p->acap = cap;
	}
	a.line = row->line;
	p->appr[p->nappr++] = a;
	return 0;
}

static const char *const appr_cols[] = { "tenant", "category", "country",
					 "expires", NULL };
static const struct xb_table appr_table = {
	.header = { .variants = { appr_cols } },
	.row = appr_row,
};

/* ---- building ---- */

static unsigned int
row_score(const struct row_spec *s)
{
	return s->ckind * 4u + (s->cat_any ? 0u : 2u) + (s->class_any ? 0u : 1u);
}

static int
cmp_prec(const void *a, const void *b, void *arg)
{
	const struct row_spec *specs = arg;
	unsigned int ia = *(const unsigned int *)a;
	unsigned int ib = *(const unsigned int *)b;
	unsigned int sa = row_score(&specs[ia]);
	unsigned int sb = row_score(&specs[ib]);

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return ia < ib ? -1 : (ia > ib);
}

static int
cmp_appr(const void *a, const void *b)
{
	const struct approval *x = a, *y = b;

	if (x->tenant != y->tenant)
		return x->tenant < y->tenant ? -1 : 1;
	if (x->neg != y->neg)
		return x->neg < y->neg ? -1 : 1;
	return 0;
}

static void
paint_row(struct xb_policy *p, unsigned int r)
{
	const struct row_spec *s = &p->spec[r];

	for (unsigned int co = 0; co < p->ncountries; co++) {
		if (s->ckind == KIND_CODE && co != s->cid)
			continue;
		if (s->ckind == KIND_GROUP && p->country_group[co] != s->cid)
			continue;
		for (unsigned int ca = 0; ca < p->ncats; ca++) {
			uint16_t *cell;

			if (!s->cat_any && ca != s->cat)
				continue;
			cell = &p->table[((size_t)co * p->ncats + ca) *
					 p->nclasses];
			for (unsigned int cl = 0; cl < p->nclasses; cl++) {
				if (!s->class_any && cl != s->cls)
					continue;
				if (cell[cl] == XB_POLICY_NO_ROW)
					cell[cl] = (uint16_t)r;
			}
		}
	}
}

static int
build_table(struct xb_policy *p, const struct xb_countries *countries,
	    const struct xb_categories *categories,
	    const struct xb_tenants *tenants, struct xb_errors *errs)
{
	size_t cells = (size_t)p->ncountries * p->ncats * p->nclasses;
	unsigned int *order;
	size_t missing = 0, first = 0;

	if (cells > CELLS_MAX) {
		xb_errors_add(errs, p->qos_name, 0,
			      "decision table too large (got %zu cells, expected at most %u)",
			      cells, CELLS_MAX);
		return -1;
	}
	p->table = malloc(cells * sizeof(*p->table));
	order = malloc((p->nrows + 1) * sizeof(*order));
	if (p->table == NULL || order == NULL) {
		free(order);
		xb_errors_add(errs, p->qos_name, 0, "out of memory");
		return -1;
	}
	memset(p->table, 0xff, cells * sizeof(*p->table));
	for (unsigned int i = 0; i < p->nrows; i++)
		order[i] = i;
	/* Precedence order: most specific first, file order within. */
	qsort_r(order, p->nrows, sizeof(*order), cmp_prec, p->spec);
	for (unsigned int i = 0; i < p->nrows; i++)
		paint_row(p, order[i]);
	free(order);

	for (size_t i = 0; i < cells; i++) {
		if (p->table[i] != XB_POLICY_NO_ROW)
			continue;
		if (missing++ == 0)
			first = i;
	}
	if (missing > 0) {
		unsigned int cl = (unsigned int)(first % p->nclasses);
		unsigned int ca = (unsigned int)(first / p->nclasses % p->ncats);
		unsigned int co = (unsigned int)(first / p->nclasses / p->ncats);

		xb_errors_add(errs, p->qos_name, 0,
			      "incomplete table: no row matches country %s, category %s, tenant class %s%s (got %zu such combinations, expected every one to match a row, e.g. a last \"*,*,*\" row)",
			      xb_countries_code(countries, co),
			      xb_categories_id(categories, ca),
			      xb_tenants_class_name(tenants, cl),
			      missing > 1 ? " and others" : "", missing);
		return -1;
	}
	return 0;
}

static int
build_meters(struct xb_policy *p, struct xb_errors *errs)
{
	uint64_t n = 0;

	for (unsigned int r = 0; r < p->nrows; r++) {
		struct xb_policy_row *row = &p->rows[r];
		const struct row_spec *s = &p->spec[r];

		if (!row->metered || row->action == XB_ACT_DENY)
			continue;
		row->meter_base = (uint32_t)n;
		n += s->class_any ? p->ntenants : p->class_size[s->cls];
		if (n > METERS_MAX) {
			xb_errors_add(errs, p->qos_name, row->line,
				      "too many meter instances (got more than %u tenant x metered row pairs)",
				      METERS_MAX);
			return -1;
		}
	}
	p->nmeters = (uint32_t)n;
	p->mprof = calloc(n + 1, sizeof(*p->mprof));
	p->mtenant = calloc(n + 1, sizeof(*p->mtenant));
	p->mrow = calloc(n + 1, sizeof(*p->mrow));
	if (p->mprof == NULL || p->mtenant == NULL || p->mrow == NULL) {
		xb_errors_add(errs, p->qos_name, 0, "out of memory");
		return -1;
	}
	for (unsigned int r = 0; r < p->nrows; r++) {
		const struct xb_policy_row *row = &p->rows[r];
		const struct row_spec *s = &p->spec[r];

		if (row->meter_base == XB_METER_NONE)
			continue;
		for (unsigned int t = 0; t < p->ntenants; t++) {
			uint32_t inst;

			if (s->class_any)
				inst = row->meter_base + t;
			else if (p->tenant_class[t] == s->cls)
				inst = row->meter_base + p->class_rank[t];
			else
				continue;
			p->mprof[inst] = s->prof;
			p->mtenant[inst] = (uint16_t)t;
			p->mrow[inst] = (uint16_t)r;
		}
	}
	return 0;
}

static int
build_approvals(struct xb_policy *p, struct xb_errors *errs)
{
	size_t keys = (size_t)p->ntenants * p->nneg;

	p->appr_start = calloc(keys + 1, sizeof(*p->appr_start));
	if (p->appr_start == NULL) {
		xb_errors_add(errs, p->qos_name, 0, "out of memory");
		return -1;
	}
	if (p->nappr > 0)
		qsort(p->appr, p->nappr, sizeof(*p->appr), cmp_appr);
	/* Counting pass, then prefix sums: start[k]..start[k+1]. */
	for (unsigned int i = 0; i < p->nappr; i++)
		p->appr_start[(size_t)p->appr[i].tenant * p->nneg +
			      p->appr[i].neg + 1]++;
	for (size_t k = 0; k < keys; k++)
		p->appr_start[k + 1] += p->appr_start[k];
	return 0;
}

static struct xb_policy *
policy_new(const struct xb_countries *countries,
	   const struct xb_categories *categories,
	   const struct xb_tenants *tenants, const char *qos_name)
{
	struct xb_policy *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->ncountries = xb_countries_count(countries);
	p->ncats = xb_categories_count(categories);
	p->nclasses = xb_tenants_class_count(tenants);
	p->ntenants = xb_tenants_count(tenants);
	snprintf(p->qos_name, sizeof(p->qos_name), "%s", qos_name);
	p->tenant_class = calloc(p->ntenants, sizeof(*p->tenant_class));
	p->class_rank = calloc(p->ntenants, sizeof(*p->class_rank));
	p->class_size = calloc(p->nclasses + 1, sizeof(*p->class_size));
	p->country_group = calloc(p->ncountries, sizeof(*p->country_group));
	p->neg_rank = calloc(p->ncats, sizeof(*p->neg_rank));
	if (p->tenant_class == NULL || p->class_rank == NULL ||
	    p->class_size == NULL || p->country_group == NULL ||
	    p->neg_rank == NULL) {
		xb_policy_free(p);
		return NULL;
	}
	for (unsigned int t = 0; t < p->ntenants; t++) {
		uint16_t cl = xb_tenants_get(tenants, t)->class_id;

		p->tenant_class[t] = cl;
		p->class_rank[t] = p->class_size[cl]++;
	}
	for (unsigned int c = 0; c < p->ncountries; c++)
		p->country_group[c] =
			(int16_t)xb_countries_group_of(countries, c);
	for (unsigned int c = 0; c < p->ncats; c++)
		p->neg_rank[c] = xb_categories_list(categories, c) ==
						 XB_LIST_NEGATIVE ?
					 (int32_t)p->nneg++ :
					 -1;
	return p;
}

struct xb_policy *
xb_policy_load(const struct xb_table_src *qos,
	       const struct xb_table_src *approvals,
	       const struct xb_countries *countries,
	       const struct xb_categories *categories,
	       const struct xb_tenants *tenants, struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);
	struct load_ctx ctx;
	struct xb_policy *p;

	if (countries == NULL || categories == NULL || tenants == NULL ||
	    qos == NULL)
		return NULL;
	p = policy_new(countries, categories, tenants, qos->name);
	if (p == NULL) {
		xb_errors_add(errs, qos->name, 0, "out of memory");
		return NULL;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.p = p;
	ctx.countries = countries;
	ctx.categories = categories;
	ctx.tenants = tenants;
	xb_table_load(&qos_table, qos, &ctx, errs);
	if (approvals != NULL)
		xb_table_load(&appr_table, approvals, &ctx, errs);
	/* Fail closed: any error in either file builds nothing. */
	if (xb_errors_count(errs) != before ||
	    build_table(p, countries, categories, tenants, errs) < 0 ||
	    build_meters(p, errs) < 0 || build_approvals(p, errs) < 0) {
		xb_policy_free(p);
		return NULL;
	}
	return p;
}

void
xb_policy_free(struct xb_policy *p)
{
	if (p == NULL)
		return;
	free(p->rows);
	free(p->spec);
	free(p->table);
	free(p->tenant_class);
	free(p->class_rank);
	free(p->class_size);
	free(p->country_group);
	free(p->neg_rank);
	free(p->appr);
	free(p->appr_start);
	free(p->mprof);
	free(p->mtenant);
	free(p->mrow);
	free(p);
}

/* ---- decision (packet path) ---- */

void
xb_policy_decide(const struct xb_policy *p, uint16_t country,
		 uint16_t category, uint16_t tenant, uint64_t now_ns,
		 struct xb_policy_verdict *out)
{
	const struct xb_policy_row *row;
	uint16_t cls, r;
	int32_t neg;

	if (country >= p->ncountries)
		country = XB_COUNTRY_UNKNOWN;
	if (category >= p->ncats)
		category = XB_CATEGORY_UNCLASSIFIED;
	if (tenant >= p->ntenants)
		tenant = XB_TENANT_UNKNOWN;
	cls = p->tenant_class[tenant];
	r = p->table[((size_t)country * p->ncats + category) * p->nclasses +
		     cls];
	memset(out, 0, sizeof(*out));
	out->dscp = XB_DSCP_KEEP;
	out->meter = XB_METER_NONE;
	out->valid_until_ns = UINT64_MAX;
	out->row = r;
	out->approval_line = 0;
	if (r == XB_POLICY_NO_ROW) {
		/* Unreachable: the load checked coverage.  Fail closed. */
		out->action = XB_ACT_DENY;
		return;
	}
	row = &p->rows[r];

	neg = p->neg_rank[category];
	if (neg >= 0) {
		size_t k = (size_t)tenant * p->nneg + (size_t)neg;
		uint64_t until = 0;
		bool ok = false;

		for (uint32_t i = p->appr_start[k]; i < p->appr_start[k + 1];
		     i++) {
			const struct approval *a = &p->appr[i];

			if (now_ns > a->expires_ns)
				continue;
			if (a->kind == KIND_CODE ? a->id != country :
			    a->kind == KIND_GROUP ?
						   p->country_group[country] !=
						   (int16_t)a->id :
						   false)
				continue;
			/* The approval that holds longest is the one the
			 * verdict relies on (and names). */
			if (!ok || a->expires_ns > until) {
				until = a->expires_ns;
				out->approval_line = a->line;
			}
			ok = true;
		}
		if (!ok) {
			out->action = XB_ACT_NEGATIVE_LIST;
			return;
		}
		out->valid_until_ns = until;
	}
	if (row->action == XB_ACT_DENY) {
		out->action = XB_ACT_DENY;
		return;
	}
	out->action = row->action;
	out->tc = row->tc;
	out->dscp = row->dscp;
	if (row->meter_base != XB_METER_NONE)
		out->meter = row->meter_base +
			     (p->spec[r].class_any ? tenant :
						     p->class_rank[tenant]);
}

/* ---- getters ---- */

unsigned int
xb_policy_row_count(const struct xb_policy *p)
{
	return p->nrows;
}

const struct xb_policy_row *
xb_policy_row(const struct xb_policy *p, unsigned int idx)
{
	return idx < p->nrows ? &p->rows[idx] : NULL;
}

int
xb_policy_row_describe(const struct xb_policy *p, unsigned int idx,
		       char *buf, size_t size)
{
	const struct xb_policy_row *r = xb_policy_row(p, idx);

	if (r == NULL)
		return -1;
	return snprintf(buf, size, "%s:%u (%s,%s,%s -> %s)", p->qos_name,
			r->line, r->country, r->category, r->tenant_class,
			xb_action_name(r->action));
}

unsigned int
xb_policy_approval_count(const struct xb_policy *p)
{
	return p->nappr;
}

uint32_t
xb_policy_meter_count(const struct xb_policy *p)
{
	return p->nmeters;
}

const struct xb_meter_profile *
xb_policy_meter_profiles(const struct xb_policy *p)
{
	return p->mprof;
}

int
xb_policy_meter_owner(const struct xb_policy *p, uint32_t instance,
		      uint16_t *tenant, uint16_t *row)
{
	if (instance >= p->nmeters)
		return -1;
	if (tenant != NULL)
		*tenant = p->mtenant[instance];
	if (row != NULL)
		*row = p->mrow[instance];
	return 0;
}
