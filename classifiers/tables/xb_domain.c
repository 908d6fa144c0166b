/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_domain.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

/* Longest pattern name (DNS limit without the trailing dot). */
#define DOMAIN_PATTERN_MAX 253

enum pat_kind {
	PAT_EXACT = 0, /* "=name": beats everything */
	PAT_SUFFIX = 1, /* "name": longer beats shorter */
	PAT_REGEX = 2, /* "/re/": last, in file order */
};

struct pat {
	enum pat_kind kind;
	uint16_t cat;
	unsigned int line;
	unsigned int order; /* row order in the file */
	size_t len;         /* length of text (names: the normalised name) */
	char *text;         /* normalised name, or the regex body */
};

struct xb_domains {
	hs_database_t *db; /* NULL when the table has no rows */
	unsigned int n;
	/* Indexed by Hyperscan expression id (= precedence rank). */
	uint16_t *cat;
	unsigned int *line;
	uint16_t *plen;       /* name length of exact/suffix ids */
	unsigned int n_exact; /* ids [0, n_exact) are exact names */
	unsigned int n_names; /* ids [n_exact, n_names) are suffixes */
	size_t db_bytes;
};

struct xb_domains_scratch {
	hs_scratch_t *hs; /* NULL for an empty database */
};

struct load_ctx {
	const struct xb_categories *cats;
	struct pat *pats;
	unsigned int n, cap;
	struct xb_domains *d; /* what the rows built, if all went well */
};

enum { COL_PATTERN, COL_CATEGORY };

static const char *const pattern_expect =
	"expected a domain name (example.com), =name or /regex/";

/*
 * Normalise a domain pattern into out (lower case, no trailing dot) and
 * check it is a plausible name.  Returns NULL or the reason it is not.
 */
static const char *
normalise_pattern(const char *in, char *out, size_t *olen)
{
	size_t n = strlen(in);
	size_t label = 0;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0)
		return "empty name";
	if (n > DOMAIN_PATTERN_MAX)
		return "name longer than 253 characters";
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return "empty label";
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '-' || c == '_') {
			if (++label > 63)
				return "label longer than 63 characters";
		} else if (c == '*') {
			return "wildcards are not patterns: example.com already covers every subdomain";
		} else {
			return "character not allowed in a name";
		}
		out[i] = c;
	}
	out[n] = '\0';
	*olen = n;
	return NULL;
}

static int
dom_row(void *vctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct load_ctx *ctx = vctx;
	const char *p = row->cols[COL_PATTERN];
	char name[DOMAIN_PATTERN_MAX + 2];
	struct pat pat;
	uint16_t cat;
	int bad = 0;

	memset(&pat, 0, sizeof(pat));
	if (xb_categories_csv_get(ctx->cats, row, COL_CATEGORY, &cat, errs) < 0)
		bad = 1;
	if (p[0] == '/') {
		size_t n = strlen(p);

		if (n < 3 || p[n - 1] != '/') {
			xb_csv_error(errs, row, COL_PATTERN,
				     "got \"%s\", %s (a regex must end with '/' and not be empty)",
				     p, pattern_expect);
			return 0;
		}
		pat.kind = PAT_REGEX;
		pat.len = n - 2;
		pat.text = strndup(p + 1, n - 2);
	} else {
		const char *why;
		const char *body = p;

		pat.kind = PAT_SUFFIX;
		if (p[0] == '=') {
			pat.kind = PAT_EXACT;
			body = p + 1;
		}
		why = normalise_pattern(body, name, &pat.len);
		if (why != NULL) {
			xb_csv_error(errs, row, COL_PATTERN,
				     "got \"%s\", %s (%s)", p, pattern_expect,
				     why);
			return 0;
		}
		pat.text = strdup(name);
	}
	if (pat.text == NULL)
		return -ENOMEM;
	if (bad) {
		free(pat.text);
		return 0;
	}
	if (ctx->n == ctx->cap) {
		unsigned int cap = ctx->cap ? ctx->cap * 2 : 64;
		struct pat *np = realloc(ctx->pats, cap * sizeof(*np));

		if (np == NULL) {
			free(pat.text);
			return -ENOMEM;
		}
		ctx->pats = np;
		ctx->cap = cap;
	}
	pat.cat = cat;
	pat.line = row->line;
	pat.order = ctx->n;
	ctx->pats[ctx->n++] = pat;
	return 0;
}

/* Precedence order: exact, suffixes by decreasing length, then file order
 * (which also orders the regexes and equal names for duplicate checks). */
static int
pat_cmp(const void *a, const void *b)
{
	const struct pat *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->kind == PAT_SUFFIX && x->len != y->len)
		return x->len > y->len ? -1 : 1;
	if (x->kind != PAT_REGEX) {
		c = strcmp(x->text, y->text);
		if (c != 0)
			return c;
	}
	return x->order < y->order ? -1 : (x->order > y->order);
}

/*
 * Hyperscan expression for a name pattern: just the name as a literal
 * (dots escaped), with no anchors and no flags.  The match callback checks
 * the position instead: a name pattern counts only when it ends at the end
 * of the name and starts at 0 (exact) or at 0 or right after a dot
 * (suffix), so example.com never matches badexample.com.  Plain literals
 * stay in Hyperscan's literal matcher: measured with the default table's
 * names alone, an anchored form ("(?:^|\\.)" / "\\z" with SINGLEMATCH)
 * cost ~80-140 ns per matching name against ~50 ns for plain literals;
 * with the table's regexes in the same database the gap is smaller (and
 * hard to see on a loaded machine).  SINGLEMATCH
 * must not be used here: an earlier, rejected occurrence (a.com.a.com)
 * would hide the one at the end.
 */
static char *
name_expression(const struct pat *p)
{
	size_t cap = 2 * p->len + 1;
	char *e = malloc(cap);
	size_t o = 0;

	if (e == NULL)
		return NULL;
	for (size_t i = 0; i < p->len; i++) {
		if (p->text[i] == '.')
			e[o++] = '\\';
		e[o++] = p->text[i];
	}
	e[o] = '\0';
	return e;
}

static unsigned int
pat_flags(const struct pat *p)
{
	/* Regexes: each id is wanted once (precedence needs only whether it
	 * matched); caseless as names are; DOTALL so that '.' does not stop
	 * at odd bytes.  Names: plain literals (see name_expression). */
	if (p->kind == PAT_REGEX)
		return HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL | HS_FLAG_CASELESS;
	return 0;
}

static void
report_compile_error(const char *file, const struct pat *p,
		     const char *msg, struct xb_errors *errs)
{
	if (p->kind == PAT_REGEX)
		xb_errors_add(errs, file, p->line,
			      "pattern: got \"/%s/\", expected a regex Hyperscan accepts (%s)",
			      p->text, msg);
	else
		xb_errors_add(errs, file, p->line,
			      "pattern: got \"%s%s\", Hyperscan rejected it (%s)",
			      p->kind == PAT_EXACT ? "=" : "", p->text, msg);
}

/*
 * Compile everything at once; when that fails, compile each pattern alone
 * so that every bad one is reported at its own line (the multi compile
 * only names the first).
 */
static hs_database_t *
compile_all(const char *file, const struct pat *pats, unsigned int n,
	    struct xb_errors *errs)
{
	const char **expr = calloc(n, sizeof(*expr));
	unsigned int *flags = calloc(n, sizeof(*flags));
	unsigned int *ids = calloc(n, sizeof(*ids));
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	unsigned int i;

	if (expr == NULL || flags == NULL || ids == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if (pats[i].kind == PAT_REGEX) {
			expr[i] = pats[i].text;
		} else {
			expr[i] = name_expression(&pats[i]);
			if (expr[i] == NULL)
				goto oom;
		}
		flags[i] = pat_flags(&pats[i]);
		ids[i] = i;
	}
	if (hs_compile_multi(expr, flags, ids, n, HS_MODE_BLOCK, NULL, &db,
			     &cerr) != HS_SUCCESS) {
		db = NULL;
		if (cerr == NULL || cerr->expression < 0) {
			/* Not about one expression (e.g. too large). */
			xb_errors_add(errs, file, 0,
				      "Hyperscan cannot compile the patterns (%s)",
				      cerr ? cerr->message : "?");
		} else {
			bool found = false;

			for (i = 0; i < n; i++) {
				hs_database_t *one = NULL;
				hs_compile_error_t *e1 = NULL;

				if (hs_compile(expr[i], flags[i], HS_MODE_BLOCK,
					       NULL, &one, &e1) != HS_SUCCESS) {
					report_compile_error(file, &pats[i],
							     e1 ? e1->message : "?",
							     errs);
					found = true;
				} else {
					hs_free_database(one);
				}
				hs_free_compile_error(e1);
			}
			/* Only the combination fails: name the expression
			 * the multi compile gave. */
			if (!found && (unsigned int)cerr->expression < n)
				report_compile_error(file,
						     &pats[cerr->expression],
						     cerr->message, errs);
		}
		hs_free_compile_error(cerr);
	}
	goto out;
oom:
	xb_errors_add(errs, file, 0, "out of memory");
out:
	if (expr != NULL)
		for (i = 0; i < n; i++)
			if (pats[i].kind != PAT_REGEX)
				free((char *)(uintptr_t)expr[i]);
	free(expr);
	free(flags);
	free(ids);
	return db;
}

/* After the last row: order by precedence, refuse duplicates, compile. */
static int
domains_build(void *vctx, const char *file, unsigned int rows, bool clean,
	      struct xb_errors *errs)
{
	struct load_ctx *ctx = vctx;
	unsigned int errs_before = xb_errors_count(errs);
	struct xb_domains *d = NULL;
	unsigned int i;

	(void)rows;
	if (!clean)
		return -EINVAL;
	if (ctx->n > 1)
		qsort(ctx->pats, ctx->n, sizeof(*ctx->pats), pat_cmp);
	/* Two rows with the same name pattern: the second could never win,
	 * which is nearly always a mistake in the table. */
	for (i = 1; i < ctx->n; i++) {
		const struct pat *a = &ctx->pats[i - 1], *b = &ctx->pats[i];

		if (b->kind != PAT_REGEX && a->kind == b->kind &&
		    strcmp(a->text, b->text) == 0)
			xb_errors_add(errs, file, b->line,
				      "pattern: duplicate pattern (got \"%s%s\", first at line %u)",
				      b->kind == PAT_EXACT ? "=" : "", b->text,
				      a->line);
	}
	if (xb_errors_count(errs) != errs_before)
		return -EINVAL;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		goto oom;
	d->n = ctx->n;
	if (ctx->n > 0) {
		d->cat = calloc(ctx->n, sizeof(*d->cat));
		d->line = calloc(ctx->n, sizeof(*d->line));
		d->plen = calloc(ctx->n, sizeof(*d->plen));
		if (d->cat == NULL || d->line == NULL || d->plen == NULL)
			goto oom;
		for (i = 0; i < ctx->n; i++) {
			const struct pat *p = &ctx->pats[i];

			d->cat[i] = p->cat;
			d->line[i] = p->line;
			if (p->kind == PAT_EXACT)
				d->n_exact = i + 1;
			if (p->kind != PAT_REGEX) {
				d->n_names = i + 1;
				d->plen[i] = (uint16_t)p->len;
			}
		}
		d->db = compile_all(file, ctx->pats, ctx->n, errs);
		if (d->db == NULL)
			goto fail;
		if (hs_database_size(d->db, &d->db_bytes) != HS_SUCCESS)
			d->db_bytes = 0;
	}
	ctx->d = d;
	return 0;
oom:
	xb_errors_add(errs, file, 0, "out of memory");
fail:
	xb_domains_free(d);
	return -EINVAL;
}

static const char *const dom_cols[] = { "pattern", "category", NULL };
static const struct xb_table dom_table = {
	.header = { .variants = { dom_cols } },
	.row = dom_row,
	.finish = domains_build,
};

struct xb_domains *
xb_domains_load(const struct xb_table_src *src,
		const struct xb_categories *cats, struct xb_errors *errs)
{
	struct load_ctx ctx = { .cats = cats };

	xb_table_load(&dom_table, src, &ctx, errs);
	for (unsigned int i = 0; i < ctx.n; i++)
		free(ctx.pats[i].text);
	free(ctx.pats);
	return ctx.d;
}

void
xb_domains_free(struct xb_domains *d)
{
	if (d == NULL)
		return;
	hs_free_database(d->db);
	free(d->cat);
	free(d->line);
	free(d->plen);
	free(d);
}

struct xb_domains_scratch *
xb_domains_scratch_alloc(const struct xb_domains *d)
{
	struct xb_domains_scratch *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (d->db != NULL && hs_alloc_scratch(d->db, &s->hs) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	return s;
}

void
xb_domains_scratch_free(struct xb_domains_scratch *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

struct match_ctx {
	const struct xb_domains *d;
	const char *buf;
	unsigned long long len;
	unsigned int best;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *vctx)
{
	struct match_ctx *m = vctx;

	(void)from;
	(void)flags;
	if (id >= m->best)
		return 0;
	if (id < m->d->n_names) {
		/* A name literal: must end the name and start at a label. */
		unsigned long long start = to - m->d->plen[id];

		if (to != m->len)
			return 0;
		if (start != 0 &&
		    (id < m->d->n_exact || m->buf[start - 1] != '.'))
			return 0;
	}
	m->best = id;
	/* Id 0 is the best possible: nothing can beat it, stop scanning. */
	return id == 0;
}

int
xb_domains_match_line(const struct xb_domains *d,
		      struct xb_domains_scratch *s, const char *name,
		      size_t len, unsigned int *line)
{
	char buf[XB_DOMAIN_NAME_MAX];
	struct match_ctx m = { .d = d, .buf = buf, .best = UINT32_MAX };

	if (d->db == NULL)
		return -1;
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > sizeof(buf))
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
	}
	m.len = len;
	hs_scan(d->db, buf, (unsigned int)len, 0, s->hs, on_match, &m);
	if (m.best == UINT32_MAX)
		return -1;
	if (line != NULL)
		*line = d->line[m.best];
	return d->cat[m.best];
}

int
xb_domains_match(const struct xb_domains *d, struct xb_domains_scratch *s,
		 const char *name, size_t len)
{
	return xb_domains_match_line(d, s, name, len, NULL);
}

unsigned int
xb_domains_count(const struct xb_domains *d)
{
	return d->n;
}

size_t
xb_domains_memory(const struct xb_domains *d)
{
	return sizeof(*d) + d->db_bytes +
	       d->n * (sizeof(*d->cat) + sizeof(*d->line) +
		       sizeof(*d->plen));
}
