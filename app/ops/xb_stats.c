/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_stats.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>

#include "xb_app.h"
#include "xb_billing.h"
#include "xb_json.h"
#include "xb_linktype.h"
#include "xb_names.h"
#include "xb_policy.h"
#include "xb_rules.h"
#include "xb_stats_afxdp.h"
#include "xb_tally.h"
#include "xb_usage.h"

static void
usage_json(void *ctx, const struct xb_usage_rec *r)
{
	struct xb_json *j = ctx;
	char month[12];

	snprintf(month, sizeof(month), "%04u-%02u", r->month / 100 % 10000,
		 r->month % 100);
	xb_json_object_begin(j, NULL);
	xb_json_str(j, "month", month);
	xb_json_str(j, "tenant", r->tenant);
	xb_json_str(j, "country", r->country);
	xb_json_str(j, "category", r->category);
	xb_json_str(j, "band", r->band);
	xb_json_u64(j, "packets", r->packets);
	xb_json_u64(j, "bytes", r->bytes);
	xb_json_micros(j, "charge", (int64_t)r->charge_micros);
	xb_json_str(j, "currency", r->currency);
	xb_json_micros(j, "price_per_gb", (int64_t)r->price_micros_per_gb);
	xb_json_object_end(j);
}

/* The statistics document's "usage" array: every record of this run. */
static void
write_usage(const struct xb_app *app, struct xb_json *j)
{
	xb_json_array_begin(j, "usage");
	xb_billing_foreach(app, usage_json, j);
	xb_json_array_end(j);
}

static uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
add(struct xb_counters *sum, const struct xb_counters *c)
{
	sum->rx_pkts += rd(&c->rx_pkts);
	sum->rx_bytes += rd(&c->rx_bytes);
	sum->tx_pkts += rd(&c->tx_pkts);
	sum->tx_bytes += rd(&c->tx_bytes);
	for (unsigned int i = 0; i < XB_DROP_MAX; i++)
		sum->drop[i] += rd(&c->drop[i]);
	sum->not_ip += rd(&c->not_ip);
	sum->reassembled += rd(&c->reassembled);
	sum->busy_cycles += rd(&c->busy_cycles);
	sum->busy_bursts += rd(&c->busy_bursts);
	sum->polls += rd(&c->polls);
	sum->flows_new += rd(&c->flows_new);
	sum->flows_stateless += rd(&c->flows_stateless);
	for (unsigned int k = 0; k < XB_FLOW_CLASS_MAX; k++)
		sum->flows_evicted[k] += rd(&c->flows_evicted[k]);
	sum->flows_refused += rd(&c->flows_refused);
	sum->flows_remembered += rd(&c->flows_remembered);
	sum->flows_forgotten += rd(&c->flows_forgotten);
	sum->flows_restored += rd(&c->flows_restored);
	sum->reclassified += rd(&c->reclassified);
	sum->names_found += rd(&c->names_found);
	sum->names_cksum_bad += rd(&c->names_cksum_bad);
	sum->flowlog_lost += rd(&c->flowlog_lost);
	sum->meter_yellow += rd(&c->meter_yellow);
	sum->over_quota += rd(&c->over_quota);
	sum->dscp_remarked += rd(&c->dscp_remarked);
	sum->usage_late_pkts += rd(&c->usage_late_pkts);
	sum->usage_late_bytes += rd(&c->usage_late_bytes);
	sum->usage_held_pkts += rd(&c->usage_held_pkts);
	sum->usage_held_bytes += rd(&c->usage_held_bytes);
	for (unsigned int a = 0; a < XB_ACT_MAX; a++) {
		sum->by_action_pkts[a] += rd(&c->by_action_pkts[a]);
		sum->by_action_bytes[a] += rd(&c->by_action_bytes[a]);
	}
}

void
xb_stats_sum(const struct xb_app *app, struct xb_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < app->nworkers; i++)
		add(out, &app->workers[i]->c);
}

static uint64_t
drops_total(const struct xb_counters *c)
{
	uint64_t d = 0;

	for (unsigned int i = 0; i < XB_DROP_MAX; i++)
		d += c->drop[i];
	return d;
}

/* Totals of reclaimed rulesets plus the live counters of the retiring
 * and active ones.  Called from the main lcore, which is also the only
 * thread that reclaims rulesets, so none can be freed under it. */
static void
live_tallies(const struct xb_app *app, struct xb_tally t[3])
{
	xb_tally_copy(&t[0], &app->by_country);
	xb_tally_copy(&t[1], &app->by_category);
	xb_tally_copy(&t[2], &app->by_tenant);
	xb_rules_fold_live(app, &t[0], &t[1], &t[2]);
}

/* The DNS answer cache: what the workers' learners remembered, learnt and
 * refused, what the shared cache's partitions hold and evicted. */
static void
write_dns_cache(const struct xb_app *app, struct xb_json *j)
{
	struct xb_dns_learn_stats l = {0};
	struct xb_dns_cache_stats c = {0};

	for (unsigned int i = 0; i < app->nworkers; i++) {
		if (app->workers[i]->dns != NULL)
			xb_dns_learn_stats_add(app->workers[i]->dns, &l);
		if (app->dns_cache != NULL)
			xb_dns_cache_stats_add(app->dns_cache, i, &c);
	}
	xb_json_object_begin(j, "dns_cache");
	xb_json_u64(j, "queries", l.queries);
	xb_json_u64(j, "answers_learnt", l.answers_learnt);
	xb_json_u64(j, "learnt", c.learnt);
	xb_json_u64(j, "rejected_no_query", l.rejected_no_query);
	xb_json_u64(j, "rejected_question", l.rejected_question);
	xb_json_u64(j, "rejected_direction", l.rejected_direction);
	xb_json_u64(j, "pending_full", l.pending_full);
	xb_json_u64(j, "evicted", c.evicted);
	xb_json_u64(j, "hits", l.hits);
	xb_json_object_end(j);
}

/* QUIC counters of struct xb_name_stats under "names" / "quic": what was
 * looked past, the crypto that ran, each cause of an unnamed QUIC flow. */
static const struct {
	const char *key;
	size_t off;
} quic_counters[] = {
	{"datagrams_skipped", offsetof(struct xb_name_stats, quic_skipped)},
	{"implausible", offsetof(struct xb_name_stats, quic_implausible)},
	{"decrypted", offsetof(struct xb_name_stats, quic_decrypted)},
	{"key_schedules", offsetof(struct xb_name_stats, quic_derived)},
	{"budget_denied", offsetof(struct xb_name_stats, quic_budget_denied)},
	{"no_initial_watched", offsetof(struct xb_name_stats, quic_no_initial)},
	{"unnamed_truncated", offsetof(struct xb_name_stats, quic_truncated)},
	{"unnamed_no_keys", offsetof(struct xb_name_stats, quic_no_keys)},
	{"unnamed_beyond_window", offsetof(struct xb_name_stats, quic_beyond)},
	{"unnamed_no_hello", offsetof(struct xb_name_stats, quic_no_hello)},
	{"unnamed_datagram_limit",
	 offsetof(struct xb_name_stats, quic_dgram_limit)},
	{"unnamed_slot_lost", offsetof(struct xb_name_stats, quic_slot_lost)},
};

/* Name extraction: what the flows showed, and every limit it hit (each
 * one a strict verdict: unnamed). */
static void
write_names(const struct xb_app *app, const struct xb_counters *s,
	    struct xb_json *j)
{
	struct xb_name_stats t = {0};
	uint64_t quic[sizeof(quic_counters) / sizeof(quic_counters[0])] = {0};

	for (unsigned int i = 0; i < app->nworkers; i++) {
		struct xb_name_stats w;

		if (app->workers[i]->names == NULL)
			continue;
		xb_name_stats_get(app->workers[i]->names, &w);
		t.give_up += w.give_up;
		t.slot_reclaimed += w.slot_reclaimed;
		t.slot_lost += w.slot_lost;
		t.unnamed += w.unnamed;
		t.evasive += w.evasive;
		t.budget_spent += w.budget_spent;
		t.big_exhausted += w.big_exhausted;
		t.ech += w.ech;
		t.verified += w.verified;
		t.quic_decrypt_fail += w.quic_decrypt_fail;
		for (size_t k = 0; k < RTE_DIM(quic_counters); k++)
			quic[k] += *(const uint64_t *)((const char *)&w +
						       quic_counters[k].off);
	}
	xb_json_object_begin(j, "names");
	xb_json_u64(j, "found", s->names_found);
	xb_json_u64(j, "none_expected", t.give_up);
	xb_json_u64(j, "unnamed", t.unnamed);
	xb_json_u64(j, "evasive", t.evasive);
	xb_json_u64(j, "verified", t.verified);
	xb_json_u64(j, "ech", t.ech);
	xb_json_u64(j, "slot_reclaimed", t.slot_reclaimed);
	xb_json_u64(j, "slot_lost", t.slot_lost);
	xb_json_u64(j, "budget_spent", t.budget_spent);
	xb_json_u64(j, "big_buffer_exhausted", t.big_exhausted);
	xb_json_u64(j, "quic_decrypt_fail", t.quic_decrypt_fail);
	xb_json_u64(j, "nic_checksum_bad", s->names_cksum_bad);
	xb_json_object_begin(j, "quic");
	for (size_t k = 0; k < RTE_DIM(quic_counters); k++)
		xb_json_u64(j, quic_counters[k].key, quic[k]);
	xb_json_object_end(j);
	xb_json_object_end(j);
}

/* "rules": the hits of every row of every rule table in the active
 * ruleset (since it was loaded), unused rows included, at 0. */
static void
write_rules(struct xb_json *j)
{
	const struct xb_ruleset *rs = xb_rules_active();

	xb_json_array_begin(j, "rules");
	for (unsigned int t = 0; rs != NULL && t < XB_RULES_MAX; t++) {
		const struct xb_rows *rows = rs->rows[t];

		for (unsigned int i = 0; rows != NULL && i < rows->n; i++) {
			xb_json_object_begin(j, NULL);
			xb_json_str(j, "table", xb_rule_table_file(t));
			xb_json_u64(j, "line", rows->r[i].line);
			xb_json_u64(j, "hits",
				    xb_ruleset_hits(rs, (enum xb_rule_table)t,
						    rows->r[i].line));
			xb_json_object_end(j);
		}
	}
	xb_json_array_end(j);
}

static void
skip_json(void *ctx, const char *key, uint64_t n)
{
	xb_json_u64(ctx, key, n);
}

/* Replay input (drivers/xb_capture.h): frames of the files by link type,
 * how many became Ethernet frames, and those left out by reason. */
static void
write_replay(const struct xb_app *app, struct xb_json *j)
{
	const struct xb_capture *cap = &app->cap;
	char key[32];

	if (app->opt.nreplay == 0)
		return;
	xb_json_object_begin(j, "replay");
	xb_json_u64(j, "frames", cap->frames_read);
	xb_json_u64(j, "loaded", cap->count);
	xb_json_u64(j, "converted", cap->converted);
	xb_json_object_begin(j, "linktypes");
	for (unsigned int i = 0; i < cap->nlinktypes; i++) {
		const char *name = xb_linktype_name(cap->linktypes[i].linktype);

		if (name == NULL) {
			snprintf(key, sizeof(key), "linktype_%" PRIu32,
				 cap->linktypes[i].linktype);
			name = key;
		}
		xb_json_u64(j, name, cap->linktypes[i].frames);
	}
	xb_json_object_end(j);
	xb_json_object_begin(j, "skipped");
	xb_capture_each_skip(cap, skip_json, j);
	xb_json_object_end(j);
	xb_json_object_end(j);
}

static void
skip_report(void *ctx, const char *key, uint64_t n)
{
	fprintf(ctx, " %s %" PRIu64, key, n);
}

void
xb_stats_write_json(const struct xb_app *app, FILE *f, bool pretty)
{
	struct xb_counters s;
	struct xb_json j;

	xb_stats_sum(app, &s);
	xb_json_init(&j, f, pretty);
	xb_json_object_begin(&j, NULL);
	xb_json_object_begin(&j, "packets");
	xb_json_u64(&j, "rx", s.rx_pkts);
	xb_json_u64(&j, "tx", s.tx_pkts);
	xb_json_object_begin(&j, "drop");
	for (unsigned int i = 0; i < XB_DROP_MAX; i++)
		xb_json_u64(&j, xb_drop_names[i], s.drop[i]);
	xb_json_object_end(&j);
	xb_json_u64(&j, "not_ip", s.not_ip);
	xb_json_u64(&j, "reassembled", s.reassembled);
	xb_json_object_end(&j);
	xb_json_object_begin(&j, "bytes");
	xb_json_u64(&j, "rx", s.rx_bytes);
	xb_json_u64(&j, "tx", s.tx_bytes);
	xb_json_object_end(&j);
	{
		struct xb_tally t[3];
		static const char *const keys[3] = {"by_country", "by_category",
						    "by_tenant"};

		live_tallies(app, t);
		for (int k = 0; k < 3; k++) {
			xb_json_object_begin(&j, keys[k]);
			for (unsigned int i = 0; i < t[k].n; i++) {
				xb_json_object_begin(&j, t[k].e[i].name);
				xb_json_u64(&j, "packets", t[k].e[i].packets);
				xb_json_u64(&j, "bytes", t[k].e[i].bytes);
				xb_json_object_end(&j);
			}
			xb_json_object_end(&j);
			xb_tally_free(&t[k]);
		}
	}
	xb_json_object_begin(&j, "by_action");
	for (unsigned int a = 0; a < XB_ACT_MAX; a++) {
		xb_json_object_begin(&j, xb_action_name(a));
		xb_json_u64(&j, "packets", s.by_action_pkts[a]);
		xb_json_u64(&j, "bytes", s.by_action_bytes[a]);
		xb_json_object_end(&j);
	}
	xb_json_object_end(&j);
	xb_json_object_begin(&j, "policing");
	xb_json_u64(&j, "meter_yellow", s.meter_yellow);
	xb_json_u64(&j, "over_quota", s.over_quota);
	xb_json_u64(&j, "dscp_remarked", s.dscp_remarked);
	xb_json_object_end(&j);
	write_usage(app, &j);
	{
		uint64_t lp, lb;

		/* Billed in the current month for an earlier (closed) one:
		 * stamped before the worker's month, or folded after its
		 * month closed; held: stamped in a later month while a stop
		 * cut the worker's month switch short. */
		xb_billing_late(app, &lp, &lb);
		xb_json_object_begin(&j, "usage_late");
		xb_json_u64(&j, "packets", s.usage_late_pkts + lp);
		xb_json_u64(&j, "bytes", s.usage_late_bytes + lb);
		xb_json_u64(&j, "held_packets", s.usage_held_pkts);
		xb_json_u64(&j, "held_bytes", s.usage_held_bytes);
		xb_json_object_end(&j);
	}
	xb_json_u64(&j, "mbufs_in_use_at_exit", app->mbufs_in_use_at_exit);
	xb_json_object_begin(&j, "flows");
	xb_json_u64(&j, "new", s.flows_new);
	xb_json_u64(&j, "stateless", s.flows_stateless);
	/* The flow table under pressure (classifiers/flow/FLOWTABLE.md):
	 * evictions by the victim's class, bare SYNs refused an entry, the
	 * memory of evicted flows. */
	xb_json_object_begin(&j, "evicted");
	for (unsigned int k = 0; k < XB_FLOW_CLASS_MAX; k++)
		xb_json_u64(&j, xb_flow_class_names[k], s.flows_evicted[k]);
	xb_json_object_end(&j);
	xb_json_u64(&j, "refused", s.flows_refused);
	xb_json_u64(&j, "remembered", s.flows_remembered);
	xb_json_u64(&j, "restored", s.flows_restored);
	xb_json_u64(&j, "forgotten", s.flows_forgotten);
	xb_json_u64(&j, "reclassified", s.reclassified);
	xb_json_u64(&j, "names_found", s.names_found);
	xb_json_u64(&j, "logged", app->flows_logged);
	xb_json_u64(&j, "log_lost", s.flowlog_lost);
	xb_json_object_end(&j);
	write_names(app, &s, &j);
	write_dns_cache(app, &j);
	xb_json_object_begin(&j, "ruleset");
	xb_json_u64(&j, "generation", app->generation);
	xb_json_u64(&j, "reloads_ok", app->reloads_ok);
	xb_json_u64(&j, "reloads_failed", app->reloads_failed);
	xb_json_object_end(&j);
	write_rules(&j);
	xb_json_array_begin(&j, "workers");
	for (unsigned int i = 0; i < app->nworkers; i++) {
		const struct xb_counters *c = &app->workers[i]->c;
		uint64_t rx = rd(&c->rx_pkts), cyc = rd(&c->busy_cycles);

		xb_json_object_begin(&j, NULL);
		xb_json_u64(&j, "lcore", app->workers[i]->lcore_id);
		xb_json_u64(&j, "rx", rx);
		xb_json_u64(&j, "busy_cycles", cyc);
		xb_json_double(&j, "cycles_per_packet",
			       rx ? (double)cyc / (double)rx : 0.0, 1);
		xb_json_object_end(&j);
	}
	xb_json_array_end(&j);
	xb_stats_afxdp_json(&j); /* "afxdp" when a port runs on AF_XDP */
	write_replay(app, &j);
	xb_json_object_end(&j);
	fputc('\n', f);
}

void
xb_stats_progress(const struct xb_app *app, FILE *f, double elapsed_s)
{
	/* The rate over the last interval, not since the start. */
	static double last_s;
	static uint64_t last_rx;
	struct xb_counters s;
	double dt;

	xb_stats_sum(app, &s);
	dt = elapsed_s - last_s;
	fprintf(f,
		"\r[%7.1fs] rx %" PRIu64 " pkts (%.2f Mpps)  tx %" PRIu64
		"  drop %" PRIu64 "   ",
		elapsed_s, s.rx_pkts,
		dt > 0.05 ? (double)(s.rx_pkts - last_rx) / dt / 1e6 : 0.0,
		s.tx_pkts, drops_total(&s));
	fflush(f);
	if (dt > 0.05) {
		last_s = elapsed_s;
		last_rx = s.rx_pkts;
	}
}

void
xb_stats_report(const struct xb_app *app, FILE *f, double elapsed_s)
{
	struct xb_counters s;
	uint64_t d;

	xb_stats_sum(app, &s);
	d = drops_total(&s);
	fprintf(f, "\n== xbgw report ==\n");
	fprintf(f, "elapsed        %.3f s\n", elapsed_s);
	fprintf(f, "packets        rx %" PRIu64 "  tx %" PRIu64 "  drop %" PRIu64
		   "  (not IP, forwarded: %" PRIu64 ")\n",
		s.rx_pkts, s.tx_pkts, d, s.not_ip);
	fprintf(f, "bytes          rx %" PRIu64 "  tx %" PRIu64 "\n", s.rx_bytes,
		s.tx_bytes);
	fprintf(f, "conservation   rx == tx + drop: %s\n",
		s.rx_pkts == s.tx_pkts + d ? "yes" : "NO");
	fprintf(f, "mbufs in use   %u at exit (0: no leak)\n",
		app->mbufs_in_use_at_exit);
	if (app->opt.nreplay > 0) {
		fprintf(f, "replay input   %" PRIu64 " frames, %" PRIu64
			   " converted to Ethernet, %" PRIu64 " left out",
			app->cap.frames_read, app->cap.converted,
			xb_capture_skipped(&app->cap));
		if (xb_capture_skipped(&app->cap) != 0) {
			fputs(":", f);
			xb_capture_each_skip(&app->cap, skip_report, f);
		}
		fputc('\n', f);
	}
	fprintf(f, "drops by reason\n");
	for (unsigned int i = 0; i < XB_DROP_MAX; i++)
		fprintf(f, "  %-14s %" PRIu64 "\n", xb_drop_names[i], s.drop[i]);
	xb_billing_report(app, f);
	fprintf(f, "per worker core\n");
	for (unsigned int i = 0; i < app->nworkers; i++) {
		const struct xb_counters *c = &app->workers[i]->c;
		uint64_t rx = rd(&c->rx_pkts), by = rd(&c->rx_bytes);
		uint64_t cyc = rd(&c->busy_cycles);
		double cpp = rx ? (double)cyc / (double)rx : 0.0;

		fprintf(f,
			"  lcore %-3u rx %" PRIu64 " pkts  %.3f Mpps  %.3f Gbit/s"
			"  %.1f cycles/pkt (capacity %.2f Mpps)\n",
			app->workers[i]->lcore_id, rx,
			elapsed_s > 0 ? (double)rx / elapsed_s / 1e6 : 0.0,
			elapsed_s > 0 ? (double)by * 8 / elapsed_s / 1e9 : 0.0,
			cpp, cpp > 0 ? (double)app->tsc_hz / cpp / 1e6 : 0.0);
	}
	xb_stats_afxdp_report(f);
}
