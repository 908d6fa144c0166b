/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One run of the generator: the options, the one seeded RNG, the address
 * sources, the names and the output capture.  main() fills it; a mode
 * (gen_sample.h, gen_bench.h) turns it into frames.
 */
#ifndef GEN_H
#define GEN_H

#include <stddef.h>
#include <stdint.h>

#include "gen_capture.h"
#include "gen_opts.h"
#include "gen_prefixes.h"
#include "gen_rng.h"

struct gen {
	struct opts o;
	struct rng r;
	struct countries dst;   /* destination countries (--countries) */
	struct countries other; /* sample: the others (--other-countries) */
	struct sources src;
	unsigned int tuple_bits; /* benchmark modes: see bench_prepare() */
	char **names; /* --names: server names */
	size_t nnames;
	struct capture out;
	uint64_t flows_made;
};

#endif /* GEN_H */
