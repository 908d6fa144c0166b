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
	bool builtin_redefined;
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
	if (idx == XB_CATEGORY_UNCLASSIFIED && !c->builtin_redefined) {
		/* The built-in row takes its name and list from the file. */
		c->builtin_redefined = true;
		dst = &c->cat[0];
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
	c->n = 1;
	strcpy(c->cat[0].id, "unclassified");
	strcpy(c->cat[0].name, "Unclassified");
	c->cat[0].list = XB_LIST_UNLISTED;
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
