/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_category.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct xb_category {
	char id[XB_CATEGORY_ID_MAX + 1];
	char name[XB_CATEGORY_NAME_MAX + 1];
	enum xb_data_list list;
	unsigned int line; /* defining line, 0 for the built-in one */
};

struct xb_categories {
	unsigned int n;
	char *source;
	bool builtin_redefined[XB_CATEGORY_BUILTINS];
	struct xb_category cat[XB_CATEGORIES_MAX];
};

static const char *const list_words[XB_LIST_COUNT] = {
	[XB_LIST_GENERAL] = "general",
	[XB_LIST_NEGATIVE] = "negative",
	[XB_LIST_UNLISTED] = "unlisted",
};

enum { COL_ID, COL_NAME, COL_LIST };

const char *
xb_data_list_str(enum xb_data_list l)
{
	if ((unsigned int)l < XB_LIST_COUNT)
		return list_words[l];
	return "?";
}

static int
cat_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct xb_categories *c = ctx;
	const char *id = NULL;
	const char *name = row->cols[COL_NAME];
	size_t nlen = strlen(name);
	unsigned int list = 0;
	struct xb_category *dst;
	int bad = 0;
	int idx;

	if (xb_csv_get_ident(row, COL_ID, XB_CATEGORY_ID_MAX, &id, errs) < 0)
		bad = 1;
	if (nlen == 0 || nlen > XB_CATEGORY_NAME_MAX) {
		xb_csv_error(errs, row, COL_NAME,
			     "got %zu characters, expected 1..%d", nlen,
			     XB_CATEGORY_NAME_MAX);
		bad = 1;
	} else {
		for (size_t i = 0; i < nlen; i++) {
			if ((unsigned char)name[i] < 0x20 ||
			    name[i] == 0x7f) {
				xb_csv_error(errs, row, COL_NAME,
					     "got a control character, expected printable text");
				bad = 1;
				break;
			}
		}
	}
	if (xb_csv_get_enum(row, COL_LIST, list_words, XB_LIST_COUNT, &list,
			    errs) < 0)
		bad = 1;
	if (bad || id == NULL)
		return 0;

	idx = xb_categories_find(c, id);
	if (idx >= 0 && idx < XB_CATEGORY_BUILTINS &&
	    !c->builtin_redefined[idx]) {
		/* A built-in row takes its name and list from the file. */
		c->builtin_redefined[idx] = true;
		dst = &c->cat[idx];
	} else if (idx >= 0) {
		xb_csv_error(errs, row, COL_ID,
			     "duplicate category (got \"%s\", first defined at line %u)",
			     id, c->cat[idx].line);
		return 0;
	} else if (c->n >= XB_CATEGORIES_MAX) {
		xb_csv_error(errs, row, COL_ID,
			     "too many categories (got more than %d)",
			     XB_CATEGORIES_MAX - 1);
		return 0;
	} else {
		dst = &c->cat[c->n++];
		memcpy(dst->id, id, strlen(id) + 1);
	}
	memcpy(dst->name, name, nlen + 1);
	dst->list = (enum xb_data_list)list;
	dst->line = row->line;
	return 0;
}

static const char *const cat_cols[] = { "category", "name", "list", NULL };
static const struct xb_table cat_table = {
	.header = { .variants = { cat_cols } },
	.row = cat_row,
};

static struct xb_categories *
cat_new(const char *name)
{
	struct xb_categories *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->source = strdup(name);
	if (c->source == NULL) {
		free(c);
		return NULL;
	}
	/* Fail closed: without a row of their own, flows that hide their
	 * name or show evasion are on the negative list. */
	c->n = XB_CATEGORY_BUILTINS;
	strcpy(c->cat[XB_CATEGORY_UNCLASSIFIED].id, "unclassified");
	strcpy(c->cat[XB_CATEGORY_UNCLASSIFIED].name, "Unclassified");
	c->cat[XB_CATEGORY_UNCLASSIFIED].list = XB_LIST_UNLISTED;
	strcpy(c->cat[XB_CATEGORY_UNNAMED].id, "unnamed");
	strcpy(c->cat[XB_CATEGORY_UNNAMED].name,
	       "Should reveal a name and does not");
	c->cat[XB_CATEGORY_UNNAMED].list = XB_LIST_NEGATIVE;
	strcpy(c->cat[XB_CATEGORY_EVASIVE].id, "evasive");
	strcpy(c->cat[XB_CATEGORY_EVASIVE].name,
	       "Shows evasion (conflicting copies of its bytes)");
	c->cat[XB_CATEGORY_EVASIVE].list = XB_LIST_NEGATIVE;
	return c;
}

struct xb_categories *
xb_categories_load(const struct xb_table_src *src, struct xb_errors *errs)
{
	struct xb_categories *c = cat_new(src->name);

	if (c == NULL) {
		xb_errors_add(errs, src->name, 0, "out of memory");
		return NULL;
	}
	if (xb_table_load(&cat_table, src, c, errs) < 0) {
		xb_categories_free(c);
		return NULL;
	}
	return c;
}

void
xb_categories_free(struct xb_categories *c)
{
	if (c == NULL)
		return;
	free(c->source);
	free(c);
}

unsigned int
xb_categories_count(const struct xb_categories *c)
{
	return c->n;
}

int
xb_categories_find(const struct xb_categories *c, const char *id)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (strcmp(c->cat[i].id, id) == 0)
			return (int)i;
	return -1;
}

const char *
xb_categories_id(const struct xb_categories *c, unsigned int idx)
{
	return idx < c->n ? c->cat[idx].id : "?";
}

const char *
xb_categories_name(const struct xb_categories *c, unsigned int idx)
{
	return idx < c->n ? c->cat[idx].name : "?";
}

enum xb_data_list
xb_categories_list(const struct xb_categories *c, unsigned int idx)
{
	return idx < c->n ? c->cat[idx].list : XB_LIST_UNLISTED;
}

unsigned int
xb_categories_strictness(const struct xb_categories *c, unsigned int idx)
{
	unsigned int list;

	switch (xb_categories_list(c, idx)) {
	case XB_LIST_NEGATIVE:
		list = 3;
		break;
	case XB_LIST_GENERAL:
		list = 2;
		break;
	default:
		list = idx == XB_CATEGORY_UNCLASSIFIED ? 0 : 1;
	}
	/* Within a list, evidence against the flow beats what it claims:
	 * evasive > unnamed > any other category. */
	return list * 4 + (idx == XB_CATEGORY_EVASIVE   ? 2
			   : idx == XB_CATEGORY_UNNAMED ? 1
							: 0);
}

unsigned int
xb_categories_stricter(const struct xb_categories *c, unsigned int cur,
		       unsigned int evidence)
{
	unsigned int a = xb_categories_strictness(c, cur);
	unsigned int b = xb_categories_strictness(c, evidence);

	/* Among the other negative-list categories the first one stays:
	 * each needs its own approval, and moving to another could find
	 * one. */
	if (b > a || (b == a && a < 3 * 4))
		return evidence;
	return cur;
}

const char *
xb_categories_source(const struct xb_categories *c)
{
	return c->source;
}

int
xb_categories_csv_get(const struct xb_categories *c,
		      const struct xb_csv_row *row, unsigned int col,
		      uint16_t *out, struct xb_errors *errs)
{
	int idx = xb_categories_find(c, row->cols[col]);

	if (idx < 0) {
		xb_csv_error(errs, row, col,
			     "unknown category (got \"%s\", expected a category of %s)",
			     row->cols[col], c->source);
		return -1;
	}
	*out = (uint16_t)idx;
	return 0;
}
