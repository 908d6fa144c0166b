/* SPDX-License-Identifier: BSD-3-Clause */
/* Table checks shared by --check-config and a live load (filled in as the
 * ruleset grows). */
#include "xb_config.h"

int xb_app_check_tables(const struct xb_config *cfg, struct xb_errors *errs);

int
xb_app_check_tables(const struct xb_config *cfg, struct xb_errors *errs)
{
	(void)cfg;
	return xb_errors_count(errs) == 0 ? 0 : -1;
}
