/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenants (tenants.csv: tenant,name,class,quota_gb,over_quota) and the
 * tenant address table (tenant_prefixes.csv: prefix,tenant or vlan,tenant).
 *
 * Tenants are numbered in file order from 1; index 0 is the built-in tenant
 * "unknown" of the built-in class "unknown" (class 0), which traffic from
 * no tenant prefix or VLAN gets.  Classes are numbered in order of first
 * use.  A loaded table is immutable: any number of threads may read it.
 */
#ifndef XB_TENANT_H
#define XB_TENANT_H

#include <stddef.h>
#include <stdint.h>

#include "xb_errors.h"
#include "xb_lpm.h"
#include "xb_table.h"

#define XB_TENANT_UNKNOWN 0
#define XB_TENANT_CLASS_UNKNOWN 0
#define XB_TENANT_VLAN_MAX 4094
#define XB_THROTTLE_KBPS_MAX 100000000u /* 100 Gbit/s */
#define XB_QUOTA_GB_MAX 1000000000ull   /* 1 EB: keeps bytes in 64 bits */
#define XB_QUOTA_BYTES_MAX (XB_QUOTA_GB_MAX * 1000000000ull)

/* What happens to a tenant's packets once its monthly quota is spent. */
enum xb_over_quota {
	XB_OVER_QUOTA_NOTIFY = 0,   /* forward, raise an event */
	XB_OVER_QUOTA_THROTTLE = 1, /* police to throttle_kbps */
	XB_OVER_QUOTA_BLOCK = 2,    /* drop (reason "quota") */
};

struct xb_tenant {
	char id[32];
	char name[64];
	uint16_t class_id;
	uint64_t quota_bytes;   /* 10^9 x quota_gb, exact; 0 = no quota */
	uint8_t over_quota;     /* enum xb_over_quota */
	uint32_t throttle_kbps; /* kbit/s (1000 bit/s), for THROTTLE only */
};

struct xb_tenants;

/*
 * Load tenants.csv from a file or a text (xb_table.h).  tenant:
 * identifier of 1..31 characters other than "unknown", unique; name:
 * 1..63 bytes of text; class: identifier of 1..31 characters; quota_gb:
 * decimal 0..10^9 with at most 9 decimals, so exact to the byte (GB =
 * 10^9 bytes: "0.5" is 500,000,000 bytes; 0 = none); over_quota:
 * throttle:<kbps> (1..100000000), block or notify.  Returns NULL when the
 * table has any error (all are in errs).  Control plane only.
 */
struct xb_tenants *xb_tenants_load(const struct xb_table_src *src,
				   struct xb_errors *errs);
void xb_tenants_free(struct xb_tenants *t);

/* Index of tenant id (exact match), or -1. */
int xb_tenants_find(const struct xb_tenants *t, const char *id);

/* Number of tenants including the built-in "unknown". */
unsigned int xb_tenants_count(const struct xb_tenants *t);

/* Tenant idx, or NULL when out of range. */
const struct xb_tenant *xb_tenants_get(const struct xb_tenants *t,
				       unsigned int idx);
/* The tenants.csv line of tenant idx (the unknown tenant's: 0). */
unsigned int xb_tenants_line(const struct xb_tenants *t, unsigned int idx);

/* Class id of name (exact match), or -1. */
int xb_tenants_class_find(const struct xb_tenants *t, const char *name);
unsigned int xb_tenants_class_count(const struct xb_tenants *t);
const char *xb_tenants_class_name(const struct xb_tenants *t,
				  unsigned int cid);

/*
 * Load tenant_prefixes.csv (a file or a text) into prefixes (value =
 * tenant index) and vlan_tenant (vlan_tenant[vid] = tenant index; the
 * caller zeroes it, which means "unknown").  Header "prefix,tenant" or
 * "vlan,tenant"; in a prefix file a first column "vlan:<id>" gives a VLAN.
 * A prefix is IPv4 or IPv6 (a bare address is a host prefix), a VLAN is
 * 1..4094, each may appear once per file, and the tenant must be in t.
 * Returns 0, or -EINVAL when any row is bad (all errors are in errs), or
 * -ENOMEM.  Control plane only.
 */
int xb_tenant_prefixes_load(const struct xb_table_src *src,
			    const struct xb_tenants *t,
			    struct xb_lpm_builder *prefixes,
			    uint16_t vlan_tenant[4096], struct xb_errors *errs);
/* The same, also giving the line of each VLAN's row (vlan_line[vid], 0 =
 * none) and tagging each prefix with its line as its origin
 * (xb_lpm_builder_add_origin), for explain and the rule hit counters. */
int xb_tenant_prefixes_load_lines(const struct xb_table_src *src,
				  const struct xb_tenants *t,
				  struct xb_lpm_builder *prefixes,
				  uint16_t vlan_tenant[4096],
				  uint32_t vlan_line[4096],
				  struct xb_errors *errs);

#endif /* XB_TENANT_H */
