/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where addresses come from.  Destinations: per country, the prefixes of
 * prefix,country CSV files (xbgw's own geo tables), and for any country
 * they leave without prefixes of a family, a built-in list of real
 * allocations, so that the build never depends on the geo files.
 * Sources: the client (tenant) prefixes of --src-prefixes.  And random or
 * numbered addresses inside a prefix.
 */
#ifndef GEN_PREFIXES_H
#define GEN_PREFIXES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_rng.h"
#include "xb_prefix.h"

#define MAX_COUNTRIES 64
#define MAX_SRC 64

struct pfx_list {
	struct xb_prefix *v;
	size_t n, cap;
};

struct country {
	char cc[3]; /* upper case */
	struct pfx_list v4, v6;
};

struct countries {
	struct country c[MAX_COUNTRIES];
	unsigned int n;
};

/* The country cc of cs (case-insensitive), or NULL. */
struct country *country_find(struct countries *cs, const char *cc);

/*
 * Fill dst with the countries of the list "BN,KH,..." and other with
 * those of others (duplicates ignored), then their prefixes: from each
 * file of files ("F[,F..]", may be NULL; a file that cannot be opened is
 * reported and skipped), then the built-in list for what the files left
 * out.  0, or -1 after messages on stderr (a bad country code, a bad row
 * in a file, a country of dst without any prefix).
 */
int destinations_load(struct countries *dst, struct countries *other,
		      const char *list, const char *others, const char *files);

/* A random address of family (4 or 6) in a random country of cs that has
 * prefixes of it (country first, then prefix, both uniform) into addr,
 * and that country's code into *cc when cc is not NULL.  false when no
 * country of cs has such a prefix (r then untouched). */
bool pick_dst(struct rng *r, struct countries *cs, int family, uint8_t *addr,
	      const char **cc);

/* The same in the country cc only; false when cs lacks it or it has no
 * prefix of family. */
bool pick_dst_cc(struct rng *r, struct countries *cs, const char *cc,
		 int family, uint8_t *addr);

/* The client prefixes. */
struct sources {
	struct xb_prefix src4[MAX_SRC], src6[MAX_SRC];
	unsigned int nsrc4, nsrc6;
	uint64_t hosts4; /* usable IPv4 hosts over src4, capped at 2^24 */
};

/*
 * Add the prefixes of list "P[,P..]" (IPv4 /30 or shorter, IPv6 /120 or
 * shorter, at most MAX_SRC of each) to s; the list must hold IPv4 ones
 * unless v6_share is 100 and IPv6 ones if v6_share > 0.  0, or -1 after
 * a message on stderr.
 */
int sources_load(struct sources *s, const char *list, unsigned int v6_share);

/* p with its host part set to host (host < 2^(width - len)) into out. */
void addr_host(const struct xb_prefix *p, uint64_t host, uint8_t *out);

#endif /* GEN_PREFIXES_H */
