/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tariffs: time bands (bands.csv) and prices (tariffs.csv).
 *
 * bands.csv: band,start,end
 *   band  identifier (1..31 of [A-Za-z0-9_.-]), unique, at most
 *         XB_TARIFF_BANDS_MAX bands;
 *   start, end  local time HH:MM (local = UTC + [tariff] utc_offset);
 *         start 00:00..23:59, end 00:00..24:00; the band holds the minutes
 *         [start, end); end < start wraps midnight (20:00,08:00); end ==
 *         start means the whole day.  Every minute of the day must belong
 *         to exactly one band: gaps and overlaps are errors.
 *
 * tariffs.csv: tenant_class,country,category,band,price_per_gb,currency
 *   tenant_class  a class of tenants.csv (including "unknown") or *
 *   country       a country code, a group of countries.csv (ASEAN) or *
 *   category      a category of categories.csv (including
 *                 "unclassified") or *
 *   band          a band of bands.csv or *
 *   price_per_gb  decimal, at most 6 decimals, 0..XB_TARIFF_PRICE_MAX
 *                 currency units per GB (10^9 frame bytes)
 *   currency      ISO 4217 code, three upper-case letters (USD, CNY, SGD..)
 *
 * Specificity (the most specific matching row wins): rows are compared
 * column by column from left to right, so the column order is the order of
 * importance: tenant_class first, then country, then category, then band.
 * In each column a named value beats *, and in the country column a code
 * beats a group beats *.  So (sme,*,*,*) beats (*,SG,finance,peak), and
 * among rows with the same tenant_class, (x,SG,*,*) beats
 * (x,ASEAN,finance,peak).  Rows equally specific for a packet: the earlier
 * row in the file wins (a later exact duplicate is dead but not an error).
 * A combination no row matches has no price: it is billed 0 in currency
 * XB_TARIFF_NO_CURRENCY ("XXX", ISO 4217's "no currency").
 *
 * Money: integer micro-units (10^-6 of the currency unit), never floats.
 * A charge is computed from a usage record's byte total and its price as
 *     charge_micros = floor((bytes * price_micros_per_gb + 5 * 10^8) / 10^9)
 * with a 128-bit intermediate, i.e. rounded half-up once per usage record
 * (not per packet or per fold, so rounding never accumulates).
 *
 * Calendar: months for quotas and usage records are local-time months
 * (UTC + utc_offset), the same clock as the bands, so "November" is the
 * operator's November.
 *
 * Thread safety: xb_tariff_load/free on the control plane; a loaded tariff
 * is immutable and any thread may call the getters; xb_tariff_band() is the
 * per-packet (or per-burst) call: no allocation, no locks, two divisions by
 * constants and one byte load.
 */
#ifndef XB_TARIFF_H
#define XB_TARIFF_H

#include <stdint.h>

#include "xb_errors.h"
#include "xb_table.h"

struct xb_countries;
struct xb_categories;
struct xb_tenants;

#define XB_TARIFF_BANDS_MAX 32
#define XB_TARIFF_BAND_NAME_MAX 31
#define XB_TARIFF_PRICE_MAX 1000000u /* currency units per GB */
#define XB_TARIFF_NO_CURRENCY "XXX"
#define XB_TARIFF_GB 1000000000ull /* bytes in a GB */
#define XB_TARIFF_UTC_OFFSET_MAX (14 * 3600) /* seconds, either side */

/*
 * The part of the tariff read on the packet path.  A struct xb_tariff
 * begins with this (checked at build time); nothing else is public.
 */
struct xb_tariff_hot {
	uint32_t day_shift_s;       /* utc_offset_s + 86400 (always > 0) */
	uint8_t minute_band[1440];  /* local minute of day -> band index */
};

struct xb_tariff;

/*
 * Load bands.csv and tariffs.csv (files or texts, xb_table.h; both files
 * are read before either is parsed, so one that cannot be read stops the
 * other's rows from reporting every band unknown).  utc_offset_s: local
 * time minus UTC in seconds (|offset| <= 14 h).  The other tables give the
 * names the tariff rows may use; they must outlive nothing (the tariff
 * copies what it needs).  Every problem is recorded in errs as
 * "file:line: message" and NULL is returned when there was any.  Control
 * plane only.
 */
struct xb_tariff *xb_tariff_load(const struct xb_table_src *bands,
				 const struct xb_table_src *tariffs,
				 int32_t utc_offset_s,
				 const struct xb_countries *countries,
				 const struct xb_categories *categories,
				 const struct xb_tenants *tenants,
				 struct xb_errors *errs);

void xb_tariff_free(struct xb_tariff *t);

/*
 * Band in force at now_ns (UTC nanoseconds since the Unix epoch: the wall
 * clock, or the capture's timestamps with --clock capture).  Per packet /
 * per burst; any thread.
 */
static inline unsigned int
xb_tariff_band(const struct xb_tariff *t, uint64_t now_ns)
{
	const struct xb_tariff_hot *h = (const struct xb_tariff_hot *)t;
	uint64_t sod = (now_ns / 1000000000u + h->day_shift_s) % 86400u;

	return h->minute_band[sod / 60u];
}

/*
 * xb_tariff_band() plus the span it holds for: bands change only on local
 * minute boundaries, so the band is the same for [*from_ns, *until_ns),
 * the minute holding now_ns.  Callers keep it and ask again once now
 * leaves the span, instead of per packet.  Any thread.
 */
static inline unsigned int
xb_tariff_band_minute(const struct xb_tariff *t, uint64_t now_ns,
		      uint64_t *from_ns, uint64_t *until_ns)
{
	const struct xb_tariff_hot *h = (const struct xb_tariff_hot *)t;
	uint64_t now_s = now_ns / 1000000000u;
	uint64_t local_s = now_s + h->day_shift_s;

	*from_ns = (now_s - local_s % 60u) * 1000000000u;
	*until_ns = *from_ns + 60ull * 1000000000u;
	return h->minute_band[local_s % 86400u / 60u];
}

unsigned int xb_tariff_band_count(const struct xb_tariff *t);
/* Name of band idx, NULL when out of range. */
const char *xb_tariff_band_name(const struct xb_tariff *t, unsigned int idx);
/* Index of band name, or -1. */
int xb_tariff_band_find(const struct xb_tariff *t, const char *name);
int32_t xb_tariff_utc_offset(const struct xb_tariff *t);

/*
 * Price per GB of traffic of a tenant class to a country in a category
 * during a band (indexes of the tables given to xb_tariff_load and of
 * xb_tariff_band()).  Sets *price_micros_per_gb (micro-units per 10^9
 * bytes) and *currency (a 3-letter string living as long as t).  Returns
 * 0, -ENOENT when no row matches (price 0, currency "XXX"), -EINVAL when
 * an index is out of range (same outputs).  A table lookup over a dense
 * array built at load; any thread, no allocation.
 */
int xb_tariff_price(const struct xb_tariff *t, uint16_t tenant_class,
		    uint16_t country, uint16_t category, unsigned int band,
		    uint64_t *price_micros_per_gb, const char **currency);

/* The tariffs.csv line of the row chosen for that combination, 0 if none
 * (for explaining a price to an operator). */
unsigned int xb_tariff_price_line(const struct xb_tariff *t,
				  uint16_t tenant_class, uint16_t country,
				  uint16_t category, unsigned int band);

/*
 * Charge in micro-units for bytes at price_micros_per_gb, rounded half-up:
 * floor((bytes * price + 5e8) / 1e9) in 128-bit arithmetic.  Saturates at
 * UINT64_MAX (never reached below 1.8 * 10^19 micro-units, e.g. 10^18 bytes
 * at up to 18,446 units per GB).  Pure; any thread.
 */
uint64_t xb_tariff_charge(uint64_t bytes, uint64_t price_micros_per_gb);

/*
 * Local calendar month of now_ns as YYYYMM (e.g. 202611), with local =
 * UTC + utc_offset_s.  Pure; any thread.
 */
uint32_t xb_month_of(uint64_t now_ns, int32_t utc_offset_s);

/* The month after yyyymm (202612 -> 202701). */
uint32_t xb_month_next(uint32_t yyyymm);

/* UTC nanoseconds at which local month yyyymm begins. */
uint64_t xb_month_start_ns(uint32_t yyyymm, int32_t utc_offset_s);

/* Is code a known ISO 4217 currency code (three upper-case letters)? */
int xb_currency_valid(const char *code);

#endif /* XB_TARIFF_H */
