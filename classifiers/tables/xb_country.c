/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_country.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xb_csv.h"
#include "xb_table.h"

#define MAX_COUNTRIES 4096 /* far more than ISO 3166 has */

struct country {
	char code[3];
	char name[XB_COUNTRY_NAME_MAX + 1];
	int group;             /* -1: none */
	unsigned int line;     /* where it was defined (0: built in) */
};

struct xb_countries {
	struct country *c;
	unsigned int n, cap;
	char (*groups)[XB_GROUP_NAME_MAX + 1];
	unsigned int ngroups, gcap;
	/* code -> index + 1 (0: absent), codes being two letters A-Z */
	uint16_t by_code[26 * 26];
};

static int
code_slot(const char *code)
{
	int a, b;

	if (code == NULL || code[0] == '\0' || code[1] == '\0' ||
	    code[2] != '\0')
		return -1;
	a = toupper((unsigned char)code[0]);
	b = toupper((unsigned char)code[1]);
	if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z')
		return -1;
	return (a - 'A') * 26 + (b - 'A');
}

static int
add_country(struct xb_countries *c, const char *code, const char *name,
	    int group, unsigned int line)
{
	struct country *e;

	if (c->n == c->cap) {
		unsigned int cap = c->cap ? c->cap * 2 : 64;
		struct country *nc = realloc(c->c, cap * sizeof(*nc));

		if (nc == NULL)
			return -1;
		c->c = nc;
		c->cap = cap;
	}
	e = &c->c[c->n];
	e->code[0] = (char)toupper((unsigned char)code[0]);
	e->code[1] = (char)toupper((unsigned char)code[1]);
	e->code[2] = '\0';
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->group = group;
	e->line = line;
	c->by_code[code_slot(code)] = (uint16_t)(c->n + 1);
	c->n++;
	return 0;
}

static int
add_group(struct xb_countries *c, const char *name)
{
	int g = xb_countries_group_find(c, name);

	if (g >= 0)
		return g;
	if (c->ngroups == c->gcap) {
		unsigned int cap = c->gcap ? c->gcap * 2 : 8;
		void *ng = realloc(c->groups, cap * sizeof(*c->groups));

		if (ng == NULL)
			return -1;
		c->groups = ng;
		c->gcap = cap;
	}
	snprintf(c->groups[c->ngroups], sizeof(c->groups[0]), "%s", name);
	return (int)c->ngroups++;
}

static int
country_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct xb_countries *c = ctx;
	const char *code = row->cols[0], *name = row->cols[1];
	const char *group = row->cols[2];
	int slot = code_slot(code), gid = -1;
	bool bad = false;

	if (slot < 0 || !isupper((unsigned char)code[0]) ||
	    !isupper((unsigned char)code[1])) {
		xb_csv_error(errs, row, 0,
			     "got \"%s\", expected two upper-case letters (ISO 3166-1 alpha-2)",
			     code);
		bad = true;
	} else if (strcmp(code, "ZZ") == 0) {
		xb_csv_error(errs, row, 0,
			     "got \"ZZ\", expected a code other than ZZ (built in: unknown country)");
		bad = true;
	} else if (c->by_code[slot] != 0) {
		xb_csv_error(errs, row, 0,
			     "got \"%s\" again, expected each code once (first at line %u)",
			     code, c->c[c->by_code[slot] - 1].line);
		bad = true;
	}
	if (name[0] == '\0' || strlen(name) > XB_COUNTRY_NAME_MAX) {
		xb_csv_error(errs, row, 1,
			     "got \"%s\", expected a name of 1..%d bytes", name,
			     XB_COUNTRY_NAME_MAX);
		bad = true;
	}
	if (group[0] != '\0') {
		const char *g;

		if (xb_csv_get_ident(row, 2, XB_GROUP_NAME_MAX, &g, errs) < 0) {
			bad = true;
		} else if (code_slot(g) >= 0) {
			xb_csv_error(errs, row, 2,
				     "got \"%s\", expected a group name that is not two letters (those are country codes)",
				     g);
			bad = true;
		}
	}
	if (bad)
		return 0;
	if (group[0] != '\0' && (gid = add_group(c, group)) < 0)
		return -ENOMEM;
	if (c->n >= MAX_COUNTRIES) {
		xb_errors_add(errs, row->file, row->line,
			      "too many countries (expected at most %d)",
			      MAX_COUNTRIES - 1);
		return -1;
	}
	if (add_country(c, code, name, gid, row->line) < 0)
		return -ENOMEM;
	return 0;
}

static const char *const country_cols[] = { "code", "name", "group", NULL };
static const struct xb_table country_table = {
	.header = { .variants = { country_cols } },
	.row = country_row,
};

static struct xb_countries *
countries_new(void)
{
	struct xb_countries *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (add_country(c, "ZZ", "Unknown", -1, 0) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

struct xb_countries *
xb_countries_load(const struct xb_table_src *src, struct xb_errors *errs)
{
	struct xb_countries *c = countries_new();

	if (c == NULL) {
		xb_errors_add(errs, src->name, 0, "out of memory");
		return NULL;
	}
	if (xb_table_load(&country_table, src, c, errs) < 0) {
		xb_countries_free(c);
		return NULL;
	}
	return c;
}

void
xb_countries_free(struct xb_countries *c)
{
	if (c == NULL)
		return;
	free(c->c);
	free(c->groups);
	free(c);
}

int
xb_countries_find(const struct xb_countries *c, const char *code)
{
	int slot = code_slot(code);

	if (slot < 0 || c->by_code[slot] == 0)
		return -1;
	return c->by_code[slot] - 1;
}

unsigned int
xb_countries_count(const struct xb_countries *c)
{
	return c->n;
}

const char *
xb_countries_code(const struct xb_countries *c, unsigned int idx)
{
	return idx < c->n ? c->c[idx].code : NULL;
}

const char *
xb_countries_name(const struct xb_countries *c, unsigned int idx)
{
	return idx < c->n ? c->c[idx].name : NULL;
}

int
xb_countries_group_find(const struct xb_countries *c, const char *group)
{
	for (unsigned int i = 0; i < c->ngroups; i++)
		if (strcasecmp(c->groups[i], group) == 0)
			return (int)i;
	return -1;
}

bool
xb_countries_in_group(const struct xb_countries *c, unsigned int idx, int gid)
{
	return idx < c->n && gid >= 0 && c->c[idx].group == gid;
}

int
xb_countries_group_of(const struct xb_countries *c, unsigned int idx)
{
	return idx < c->n ? c->c[idx].group : -1;
}

unsigned int
xb_countries_group_count(const struct xb_countries *c)
{
	return c->ngroups;
}

const char *
xb_countries_group_name(const struct xb_countries *c, unsigned int gid)
{
	return gid < c->ngroups ? c->groups[gid] : NULL;
}
