/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The repository's default tables (config/) as ruleset parameters, for
 * the unit tests that build a whole ruleset: every table but the geo
 * sources, which each test picks for its own cost.
 */
#ifndef TEST_HELPERS_TABLES_H
#define TEST_HELPERS_TABLES_H

#include "test_helpers_path.h"
#include "xb_ruleset.h"

#define TEST_TABLE_PATH 512
#define TEST_SHIPPED_TABLES 10 /* paths the call below takes */

/* Fills p's table paths from paths[*k], paths[*k + 1], ... (at least
 * TEST_SHIPPED_TABLES free entries); 0, or -1 when a table is missing. */
static inline int
test_shipped_tables(struct xb_ruleset_params *p,
		    char (*paths)[TEST_TABLE_PATH], unsigned int *k)
{
#define TABLE(field, file)                                                   \
	do {                                                                 \
		if (test_config_path(file, paths[*k], TEST_TABLE_PATH) != 0) \
			return -1;                                           \
		p->field = paths[(*k)++];                                    \
	} while (0)
	TABLE(countries, "countries.csv");
	TABLE(tenants, "tenants.csv");
	TABLE(tenant_prefixes, "tenant_prefixes.csv");
	TABLE(categories, "categories.csv");
	TABLE(approvals, "approvals.csv");
	TABLE(category_rules, "category_rules.csv");
	TABLE(domains, "domains.csv");
	TABLE(qos, "qos.csv");
	TABLE(tariffs, "tariffs.csv");
	TABLE(bands, "bands.csv");
#undef TABLE
	return 0;
}

#endif
