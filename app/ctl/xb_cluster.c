/* SPDX-License-Identifier: BSD-3-Clause */
/* Several gateways as one channel: see xb_cluster.h and CLUSTER.md. */
#include "xb_cluster.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <rte_common.h>
#include <rte_log.h>

#include "xb_app.h"
#include "xb_billing.h"
#include "xb_grant.h"
#include "xb_log.h"
#include "xb_ruleset.h"
#include "xb_shares.h"
#include "xb_usage.h"

#define CONNECT_TIMEOUT "2"      /* s, libpq's connect_timeout */
#define TCP_USER_TIMEOUT "3000"  /* ms: a silent peer counts as gone */
/* Every statement's answer must come within ROUND_TRIP_MS, or PostgreSQL
 * counts as unreachable (exec_bounded()); the server gives up on a
 * statement a little earlier, so that a slow one ends with an error
 * rather than as a lost answer. */
#define ROUND_TRIP_MS 5000
#define STATEMENT_TIMEOUT_MS 4000
#define RETRY_NS 500000000ull    /* between connection attempts */
#define SPENT_RECHECK_NS 5000000000ull /* a spent pool asked again (raised quota?) */
#define HEARTBEAT_NS 1000000000ull

/* A tenant as the cluster sees it (by name: reloads renumber tenants). */
struct ct_tenant {
	char id[32];
	char tenant_class[32];
	uint64_t quota;
	struct xb_grant_tenant g;  /* the month in force (xb_grant.h) */
	/* the request channel (state under c->mu) */
	int req;                  /* 0 idle, 1 posted, 2 answered */
	uint32_t req_month;
	uint64_t req_quota, req_ask, req_seq;
	uint64_t ans_granted, ans_pool_left;
	/* allowances given while unreachable, to register as forced grants,
	 * one entry per month (an outage may span a month's end): [0] the
	 * older.  A third month's allowance waits until [0] is registered. */
	struct {
		uint64_t bytes;
		uint32_t month;
		uint64_t seq;
	} owed[2];
};

struct ship_rec {
	uint32_t month;
	char tenant[32], country[4], category[32], band[32], currency[4];
	uint64_t price, packets, bytes;
};

struct xb_cluster {
	struct xb_cluster_cfg cfg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	/* under mu */
	char sha[65];
	uint32_t generation;
	bool attempted, reachable;
	uint64_t epoch, next_seq;
	struct ct_tenant *t;
	unsigned int nt, ct;
	struct ship_rec *outbox;  /* the latest checkpoint, sorted */
	unsigned int noutbox;
	uint64_t outbox_seq;      /* checkpoint number (this process) */
	uint64_t pending_since_ns; /* when the oldest unshipped checkpoint came */
	uint64_t outbox_ns;       /* when the latest came */
	uint64_t shipped_seq;
	struct xb_cluster_gw_info *gws;
	unsigned int ngws;
	bool mismatch;
	char mismatch_gw[64], mismatch_sha[65];
	struct xb_cluster_status st;
	/* main lcore only */
	bool main_reachable;      /* what the main lcore last acted on */
	bool main_mismatch;
	uint32_t map_generation;  /* ruleset the map below is for */
	const struct xb_ruleset *map_rs;
	unsigned int *map;        /* rs tenant index -> t[] */
	unsigned int nmap;
	uint64_t last_poll_ns;
	uint64_t ckpt_count;
	/* aggregate meter shares (xb_shares.h); the thread runs its rounds */
	struct xb_shares *shares;
	/* thread only */
	PGconn *pg;
	struct ship_rec *acked;
	unsigned int nacked;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- schema ---------------------------------------------------------- */

static PGconn *
connect_dsn(const char *dsn, const char *app_name)
{
	/* Our defaults first: the dsn's own settings override them. */
	const char *keys[] = {"connect_timeout", "tcp_user_timeout",
			      "application_name", "dbname", NULL};
	const char *vals[] = {CONNECT_TIMEOUT, TCP_USER_TIMEOUT, app_name, dsn,
			      NULL};

	return PQconnectdbParams(keys, vals, 1);
}

int
xb_cluster_init_schema(const char *dsn, const char *sql, char *err,
		       size_t errlen)
{
	PGconn *pg = connect_dsn(dsn, "xbgw --cluster-init");
	PGresult *r;
	char *text;
	int rc = -1;

	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return -1;
	}
	/* One transaction: either the whole schema or nothing; the advisory
	 * lock makes concurrent --cluster-init runs take turns. */
	if (asprintf(&text,
		     "SET client_min_messages = warning; BEGIN; "
		     "SELECT pg_advisory_xact_lock(7828597); %s\n; COMMIT;",
		     sql) < 0) {
		snprintf(err, errlen, "out of memory");
		PQfinish(pg);
		return -1;
	}
	r = PQexec(pg, text);
	free(text);
	if (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK)
		rc = 0;
	else
		snprintf(err, errlen, "schema: %s", PQerrorMessage(pg));
	PQclear(r);
	PQfinish(pg);
	return rc;
}

int
xb_cluster_ruleset_sha(const struct xb_config *cfg, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char h[32], buf[65536];
	unsigned int hl = 0;
	int rc = 0;

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	for (unsigned int i = 0; i < cfg->ngeo + XB_TABLE_MAX; i++) {
		const char *p = i < cfg->ngeo ? cfg->geo[i]
					      : cfg->table[i - cfg->ngeo];
		FILE *f;
		size_t n;

		if (p[0] == '\0')
			continue;
		if ((f = fopen(p, "rb")) == NULL) {
			rc = -1;
			continue;
		}
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			EVP_DigestUpdate(md, buf, n);
		fclose(f);
		/* A separator: moving bytes between files changes the hash. */
		EVP_DigestUpdate(md, "\0", 1);
	}
	EVP_DigestFinal_ex(md, h, &hl);
	EVP_MD_CTX_free(md);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return rc;
}

/* ---- the ledger's records -------------------------------------------- */

static int
rec_cmp(const void *a, const void *b)
{
	const struct ship_rec *x = a, *y = b;
	int c;

	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	if ((c = strcmp(x->tenant, y->tenant)) != 0 ||
	    (c = strcmp(x->country, y->country)) != 0 ||
	    (c = strcmp(x->category, y->category)) != 0 ||
	    (c = strcmp(x->band, y->band)) != 0)
		return c;
	if (x->price != y->price)
		return x->price < y->price ? -1 : 1;
	return strcmp(x->currency, y->currency);
}

struct collect {
	struct ship_rec *r;
	unsigned int n, cap;
};

static void
collect_rec(void *ctx, const struct xb_usage_rec *u)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		unsigned int cap = c->cap ? 2 * c->cap : 256;
		void *p = realloc(c->r, cap * sizeof(*c->r));

		if (p == NULL)
			return;
		c->r = p;
		c->cap = cap;
	}
	struct ship_rec *s = &c->r[c->n++];

	memset(s, 0, sizeof(*s));
	s->month = u->month;
	snprintf(s->tenant, sizeof(s->tenant), "%s", u->tenant);
	snprintf(s->country, sizeof(s->country), "%s", u->country);
	snprintf(s->category, sizeof(s->category), "%s", u->category);
	snprintf(s->band, sizeof(s->band), "%s", u->band);
	snprintf(s->currency, sizeof(s->currency), "%s", u->currency);
	s->price = u->price_micros_per_gb;
	s->packets = u->packets;
	s->bytes = u->bytes;
}

void
xb_cluster_ship(struct xb_cluster *c, struct xb_app *app)
{
	struct collect col = {0};

	if (c == NULL)
		return;
	/* Totals of every record of this run, as just checkpointed: the
	 * files are the outbox, this is their latest state. */
	xb_billing_foreach(app, collect_rec, &col);
	qsort(col.r, col.n, sizeof(*col.r), rec_cmp);
	pthread_mutex_lock(&c->mu);
	free(c->outbox);
	c->outbox = col.r;
	c->noutbox = col.n;
	c->outbox_ns = mono_ns();
	if (c->outbox_seq == c->shipped_seq)
		c->pending_since_ns = c->outbox_ns;
	c->outbox_seq = ++c->ckpt_count;
	c->st.ledger_pending = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* ---- the thread: every network call happens here ---------------------- */

/* Wait until sock is ready for events or deadline (monotonic ns) passes:
 * true when ready. */
static bool
wait_socket(int sock, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = mono_ns();
		struct pollfd pfd = {.fd = sock, .events = events};
		int n;

		if (now >= deadline)
			return false;
		n = poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000));
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* PQexecParams with a deadline.  PQexecParams itself waits for an answer
 * forever when the path to PostgreSQL goes silent while the TCP peer
 * still acknowledges what it is sent (a proxy or pooler that hangs; a
 * server stalled in a synchronous commit): tcp_user_timeout sees nothing
 * unacknowledged, keepalives are answered.  So the statement is sent on
 * the non-blocking connection and every wait is a poll() bounded by
 * ROUND_TRIP_MS.  Returns the statement's result (an error result when
 * the server reported one), or NULL when it failed or timed out (logged
 * and counted here; the connection is then unusable: the callers return
 * -1 and the thread drops it). */
static PGresult *
exec_bounded(struct xb_cluster *c, const char *what, const char *sql,
	     int nparams, const char *const *params)
{
	uint64_t deadline = mono_ns() + ROUND_TRIP_MS * 1000000ull;
	int sock = PQsocket(c->pg), f;
	PGresult *res = NULL, *r;
	const char *why = NULL;

	if (!PQsendQueryParams(c->pg, sql, nparams, NULL, params, NULL, NULL,
			       0)) {
		why = PQerrorMessage(c->pg);
		goto fail;
	}
	/* Send it all (a checkpoint may exceed the socket's buffer); read
	 * meanwhile, as libpq asks, in case the server answers early. */
	while ((f = PQflush(c->pg)) != 0) {
		if (f < 0) {
			why = PQerrorMessage(c->pg);
			goto fail;
		}
		if (!wait_socket(sock, POLLIN | POLLOUT, deadline))
			goto fail;
		if (!PQconsumeInput(c->pg)) {
			why = PQerrorMessage(c->pg);
			goto fail;
		}
	}
	/* Every result up to the end of the statement: the first, unless a
	 * later one is an error. */
	for (;;) {
		while (PQisBusy(c->pg)) {
			if (!wait_socket(sock, POLLIN, deadline))
				goto fail;
			if (!PQconsumeInput(c->pg)) {
				why = PQerrorMessage(c->pg);
				goto fail;
			}
		}
		if ((r = PQgetResult(c->pg)) == NULL) {
			if (res != NULL)
				return res;
			why = "no result\n";
			goto fail;
		}
		if (res == NULL ||
		    PQresultStatus(r) == PGRES_FATAL_ERROR) {
			PQclear(res);
			res = r;
		} else {
			PQclear(r);
		}
	}
fail:
	PQclear(res);
	pthread_mutex_lock(&c->mu);
	c->st.errors++;
	pthread_mutex_unlock(&c->mu);
	if (why != NULL)
		XB_LOG(WARNING, "cluster: %s: %s", what, why);
	else
		XB_LOG(WARNING, "cluster: %s: no answer within %d ms\n", what,
		       ROUND_TRIP_MS);
	return NULL;
}

/* A statement's result: true when it succeeded; a failure is logged and
 * counted (NULL: exec_bounded() already did). */
static bool
pg_ok(struct xb_cluster *c, PGresult *r, const char *what)
{
	ExecStatusType s;

	if (r == NULL)
		return false;
	s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return true;
	pthread_mutex_lock(&c->mu);
	c->st.errors++;
	pthread_mutex_unlock(&c->mu);
	XB_LOG(WARNING, "cluster: %s: %s", what, PQerrorMessage(c->pg));
	return false;
}

static void
set_reachable(struct xb_cluster *c, bool up)
{
	pthread_mutex_lock(&c->mu);
	c->attempted = true;
	c->reachable = up;
	c->st.reachable = up;
	pthread_mutex_unlock(&c->mu);
}

static void
drop_connection(struct xb_cluster *c)
{
	PQfinish(c->pg);
	c->pg = NULL;
	set_reachable(c, false);
}

static bool
ensure_connected(struct xb_cluster *c)
{
	char sha[65], app_name[96];
	uint32_t gen;
	PGresult *r;

	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
		return true;
	if (c->pg != NULL)
		drop_connection(c);
	snprintf(app_name, sizeof(app_name), "xbgw %s", c->cfg.gateway);
	c->pg = connect_dsn(c->cfg.dsn, app_name);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		XB_LOG(DEBUG, "cluster: cannot connect: %s",
		       PQerrorMessage(c->pg));
		drop_connection(c);
		return false;
	}
	/* Non-blocking: exec_bounded() bounds every wait.  The server's own
	 * bound, set here rather than in the startup options (which a dsn's
	 * `options` would replace, and which poolers may refuse). */
	PQsetnonblocking(c->pg, 1);
	{
		char sto[64];

		snprintf(sto, sizeof(sto), "SET statement_timeout = %d",
			 STATEMENT_TIMEOUT_MS);
		r = exec_bounded(c, "statement_timeout", sto, 0, NULL);
		if (!pg_ok(c, r, "statement_timeout")) {
			PQclear(r);
			drop_connection(c);
			return false;
		}
		PQclear(r);
	}
	pthread_mutex_lock(&c->mu);
	memcpy(sha, c->sha, sizeof(sha));
	gen = c->generation;
	pthread_mutex_unlock(&c->mu);
	if (c->epoch == 0) {
		/* First contact of this process: a new epoch, and the
		 * reservations of the previous one closed. */
		char g[24];
		const char *p[3] = {c->cfg.gateway, sha, g};

		snprintf(g, sizeof(g), "%u", gen);
		r = exec_bounded(c, "gateway start",
				 "SELECT xb_gateway_start($1, $2, $3)", 3, p);
		if (!pg_ok(c, r, "gateway start")) {
			PQclear(r);
			drop_connection(c);
			return false;
		}
		pthread_mutex_lock(&c->mu);
		c->epoch = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		c->st.epoch = c->epoch;
		pthread_mutex_unlock(&c->mu);
		PQclear(r);
		XB_LOG(NOTICE, "cluster: gateway %s joined as epoch %" PRIu64 "\n",
		       c->cfg.gateway, c->epoch);
	}
	set_reachable(c, true);
	return true;
}

/* One grant round trip: 0, or -1 (connection gone; the request stays
 * posted with its seq, and a replay gets the first answer). */
static int
grant_one(struct xb_cluster *c, const char *tenant, uint64_t seq,
	  uint32_t month, uint64_t quota, uint64_t ask, bool forced,
	  uint64_t *granted, uint64_t *left)
{
	char e[24], s[24], m[16], q[24], a[24];
	const char *p[8] = {c->cfg.gateway, e, s, tenant, m, q, a,
			    forced ? "t" : "f"};
	uint64_t t0 = mono_ns();
	PGresult *r;

	snprintf(e, sizeof(e), "%" PRIu64, c->epoch);
	snprintf(s, sizeof(s), "%" PRIu64, seq);
	snprintf(m, sizeof(m), "%u", month);
	snprintf(q, sizeof(q), "%" PRIu64, quota);
	snprintf(a, sizeof(a), "%" PRIu64, ask);
	r = exec_bounded(c, "grant",
			 "SELECT granted, pool_left FROM xb_grant($1, $2, $3, $4, $5, $6, $7, $8)",
			 8, p);
	if (!pg_ok(c, r, "grant") || PQntuples(r) != 1) {
		PQclear(r);
		return -1;
	}
	*granted = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	*left = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	pthread_mutex_lock(&c->mu);
	c->st.rtt_us = (mono_ns() - t0) / 1000;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* Posted grant requests and owed allowances, one round trip each. */
static int
run_grants(struct xb_cluster *c)
{
	for (unsigned int i = 0;; i++) {
		char id[32];
		uint64_t seq, ask, quota, tq, granted, left;
		uint64_t owed[2], owed_seq[2];
		uint32_t month, owed_month[2];
		bool req = false;

		pthread_mutex_lock(&c->mu);
		if (i >= c->nt) {
			pthread_mutex_unlock(&c->mu);
			return 0;
		}
		struct ct_tenant *t = &c->t[i];

		if (t->req == 1) {
			if (t->req_seq == 0)
				t->req_seq = ++c->next_seq;
			req = true;
		}
		for (int k = 0; k < 2; k++) {
			if (t->owed[k].bytes > 0 && t->owed[k].seq == 0)
				t->owed[k].seq = ++c->next_seq;
			owed[k] = t->owed[k].bytes;
			owed_month[k] = t->owed[k].month;
			owed_seq[k] = t->owed[k].seq;
		}
		memcpy(id, t->id, sizeof(id));
		seq = t->req_seq;
		ask = t->req_ask;
		quota = t->req_quota;
		month = t->req_month;
		tq = t->quota;
		pthread_mutex_unlock(&c->mu);

		for (int k = 0; k < 2; k++) {
			if (owed[k] == 0)
				continue;
			if (grant_one(c, id, owed_seq[k], owed_month[k], tq,
				      owed[k], true, &granted, &left) < 0)
				return -1;
			/* Registered: the entry is free again (the main lcore
			 * leaves a posted entry alone: it has not grown). */
			pthread_mutex_lock(&c->mu);
			t = &c->t[i];
			t->owed[k].bytes -= owed[k];
			t->owed[k].seq = 0;
			pthread_mutex_unlock(&c->mu);
		}
		if (!req)
			continue;
		if (grant_one(c, id, seq, month, quota, ask, false, &granted,
			      &left) < 0)
			return -1;
		pthread_mutex_lock(&c->mu);
		t = &c->t[i];
		t->ans_granted = granted;
		t->ans_pool_left = left;
		t->req = 2;
		t->req_seq = 0;
		c->st.grants++;
		pthread_mutex_unlock(&c->mu);
	}
}

/* A PostgreSQL array literal being built ({a,b,...}), for one parameter
 * of a multi-row statement. */
struct pg_array {
	char *s;
	size_t len, cap;
	bool oom;
};

static void
arr_put(struct pg_array *a, const char *p, size_t n)
{
	if (a->oom)
		return;
	if (a->len + n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 4096;

		while (cap < a->len + n + 2)
			cap *= 2;
		char *q = realloc(a->s, cap);

		if (q == NULL) {
			a->oom = true;
			return;
		}
		a->s = q;
		a->cap = cap;
	}
	memcpy(a->s + a->len, p, n);
	a->len += n;
	a->s[a->len] = '\0';
}

static void
arr_sep(struct pg_array *a)
{
	arr_put(a, a->len == 0 ? "{" : ",", 1);
}

/* A text element, quoted: quotes and backslashes escaped. */
static void
arr_text(struct pg_array *a, const char *v)
{
	arr_sep(a);
	arr_put(a, "\"", 1);
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			arr_put(a, "\\", 1);
		arr_put(a, p, 1);
	}
	arr_put(a, "\"", 1);
}

static void
arr_u64(struct pg_array *a, uint64_t v)
{
	char b[24];

	arr_sep(a);
	arr_put(a, b, (size_t)snprintf(b, sizeof(b), "%" PRIu64, v));
}

/* The literal (an empty array when nothing was added); NULL on OOM. */
static const char *
arr_end(struct pg_array *a)
{
	if (a->len == 0)
		arr_put(a, "{", 1);
	arr_put(a, "}", 1);
	return a->oom ? NULL : a->s;
}

/* Ship the latest checkpoint: the rows that changed since the last one
 * PostgreSQL acknowledged, in one statement (xb_ledger_ship: one round
 * trip, one transaction, whatever the number of rows). */
static int
run_ledger(struct xb_cluster *c)
{
	enum { MONTH, TENANT, COUNTRY, CATEGORY, BAND, PRICE, CURRENCY,
	       PACKETS, BYTES, NCOL };
	struct pg_array col[NCOL] = {{0}};
	const char *p[2 + NCOL];
	struct ship_rec *box;
	unsigned int n, rows = 0;
	uint64_t seq, lseq;
	char ls[24];
	PGresult *r;
	int rc = -1;

	pthread_mutex_lock(&c->mu);
	if (c->outbox_seq == c->shipped_seq || c->outbox == NULL) {
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	n = c->noutbox;
	seq = c->outbox_seq;
	box = malloc((n ? n : 1) * sizeof(*box));
	if (box != NULL)
		memcpy(box, c->outbox, n * sizeof(*box));
	pthread_mutex_unlock(&c->mu);
	if (box == NULL)
		return 0;
	/* Newer than every checkpoint of an earlier process of this
	 * gateway (a larger epoch). */
	lseq = c->epoch << 32 | (seq & 0xffffffffu);
	snprintf(ls, sizeof(ls), "%" PRIu64, lseq);
	for (unsigned int i = 0, j = 0; i < n; i++) {
		const struct ship_rec *x = &box[i];

		while (j < c->nacked && rec_cmp(&c->acked[j], x) < 0)
			j++;
		if (j < c->nacked && rec_cmp(&c->acked[j], x) == 0 &&
		    c->acked[j].bytes == x->bytes &&
		    c->acked[j].packets == x->packets)
			continue; /* unchanged since acknowledged */
		arr_u64(&col[MONTH], x->month);
		arr_text(&col[TENANT], x->tenant);
		arr_text(&col[COUNTRY], x->country);
		arr_text(&col[CATEGORY], x->category);
		arr_text(&col[BAND], x->band);
		arr_u64(&col[PRICE], x->price);
		arr_text(&col[CURRENCY], x->currency);
		arr_u64(&col[PACKETS], x->packets);
		arr_u64(&col[BYTES], x->bytes);
		rows++;
	}
	p[0] = c->cfg.gateway;
	p[1] = ls;
	for (int k = 0; k < NCOL; k++)
		if ((p[2 + k] = arr_end(&col[k])) == NULL) {
			rc = 0; /* no memory: the next round retries */
			goto out;
		}
	r = exec_bounded(c, "ledger",
			 "SELECT xb_ledger_ship($1, $2, $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::bigint[])",
			 2 + NCOL, p);
	if (!pg_ok(c, r, "ledger")) {
		PQclear(r);
		goto out;
	}
	PQclear(r);
	free(c->acked);
	c->acked = box;
	box = NULL;
	c->nacked = n;
	pthread_mutex_lock(&c->mu);
	c->shipped_seq = seq;
	c->st.ledger_rows += rows;
	c->st.ledger_seq = lseq;
	c->st.ledger_shipments++;
	c->st.ledger_pending = c->outbox_seq != seq;
	if (c->st.ledger_pending) /* a newer one came meanwhile */
		c->pending_since_ns = c->outbox_ns;
	pthread_mutex_unlock(&c->mu);
	rc = 0;
out:
	for (int k = 0; k < NCOL; k++)
		free(col[k].s);
	free(box);
	return rc;
}

/* One round of meter shares (xb_shares.h): the posted meters' demand,
 * target and applied share to xb_meter_share(), one round trip; the
 * shares granted and the other gateways' demands back.  0, or -1
 * (connection gone: every meter is sent again next time). */
static int
run_shares(struct xb_cluster *c)
{
	struct xb_shares_req *r = xb_shares_take(c->shares);
	struct pg_array col[4] = {{0}};
	const char *arr[4];
	uint32_t *granted = NULL, *others_n = NULL;
	uint64_t *others_sum = NULL;
	PGresult *res = NULL;
	bool answered = false;
	char live[16];
	int rc = -1;

	if (r == NULL)
		return 0;
	snprintf(live, sizeof(live), "%u", c->cfg.validity_s);
	for (unsigned int j = 0; j < r->n; j++) {
		arr_text(&col[0], r->key[j]);
		arr_u64(&col[1], r->demand[j]);
		arr_u64(&col[2], r->target[j]);
		arr_u64(&col[3], r->applied[j]);
	}
	for (int k = 0; k < 4; k++)
		arr[k] = arr_end(&col[k]);
	granted = calloc(r->n, sizeof(*granted));
	others_n = calloc(r->n, sizeof(*others_n));
	others_sum = calloc(r->n, sizeof(*others_sum));
	if (arr[0] == NULL || arr[1] == NULL || arr[2] == NULL ||
	    arr[3] == NULL || granted == NULL || others_n == NULL ||
	    others_sum == NULL) {
		rc = 0; /* no memory: the meters go again next round */
		goto out;
	}
	{
		const char *p[6] = {c->cfg.gateway, arr[0], arr[1], arr[2],
				    arr[3], live};

		res = exec_bounded(c, "meter shares",
				   "SELECT meter_id, granted_ppm, others_demand FROM xb_meter_share($1, $2::text[], $3::bigint[], $4::integer[], $5::integer[], $6::integer)",
				   6, p);
	}
	if (!pg_ok(c, res, "meter shares") ||
	    PQntuples(res) != (int)r->n)
		goto out;
	for (unsigned int j = 0; j < r->n; j++) {
		/* Rows come back in the order asked (one per meter). */
		const char *o = PQgetvalue(res, (int)j, 2);

		granted[j] = (uint32_t)strtoul(PQgetvalue(res, (int)j, 1),
					       NULL, 10);
		for (char *e; *o != '\0' && *o != '}';) {
			if (*o == '{' || *o == ',') {
				o++;
				continue;
			}
			others_sum[j] += strtoull(o, &e, 10);
			others_n[j]++;
			if (e == o)
				break;
			o = e;
		}
	}
	xb_shares_answer(c->shares, r, granted, others_n, others_sum);
	answered = true;
	rc = 0;
out:
	if (!answered) /* every meter is sent again next round */
		xb_shares_failed(c->shares);
	PQclear(res);
	for (int i = 0; i < 4; i++)
		free(col[i].s);
	free(granted);
	free(others_n);
	free(others_sum);
	xb_shares_req_free(r);
	return rc;
}

/* A gateway that stops gives its meter shares back (best effort: if
 * PostgreSQL is away they count until validity_s expires them). */
static void
release_shares(struct xb_cluster *c)
{
	const char *p[1] = {c->cfg.gateway};
	PGresult *r = exec_bounded(c, "meter release",
				   "SELECT xb_meter_release($1)", 1, p);

	pg_ok(c, r, "meter release");
	PQclear(r);
}

/* Heartbeat (expires silent gateways' reservations) and the gateways'
 * list with their ruleset hashes. */
static int
run_heartbeat(struct xb_cluster *c)
{
	char e[24], g[24], v[24], sha[65];
	const char *p[5] = {c->cfg.gateway, e, sha, g, v};
	struct xb_cluster_gw_info *gws;
	bool mismatch = false;
	char mgw[64] = "", msha[65] = "";
	PGresult *r;
	int n;

	pthread_mutex_lock(&c->mu);
	memcpy(sha, c->sha, sizeof(sha));
	snprintf(g, sizeof(g), "%u", c->generation);
	pthread_mutex_unlock(&c->mu);
	snprintf(e, sizeof(e), "%" PRIu64, c->epoch);
	snprintf(v, sizeof(v), "%u", c->cfg.validity_s);
	r = exec_bounded(c, "heartbeat",
			 "SELECT xb_heartbeat($1, $2, $3, $4, $5)", 5, p);
	if (!pg_ok(c, r, "heartbeat")) {
		PQclear(r);
		return -1;
	}
	PQclear(r);
	{
		const char *q[1] = {v};

		r = exec_bounded(c, "gateways",
				 "SELECT gateway, epoch, ruleset_sha256, generation, last_seen, reservations_bytes, last_checkpoint, "
				 "last_seen >= extract(epoch FROM now())::bigint - $1::bigint FROM xb_cluster_gateways ORDER BY gateway",
				 1, q);
	}
	if (!pg_ok(c, r, "gateways")) {
		PQclear(r);
		return -1;
	}
	n = PQntuples(r);
	gws = calloc(n ? n : 1, sizeof(*gws));
	for (int i = 0; gws != NULL && i < n; i++) {
		struct xb_cluster_gw_info *x = &gws[i];

		snprintf(x->gateway, sizeof(x->gateway), "%s", PQgetvalue(r, i, 0));
		x->epoch = strtoull(PQgetvalue(r, i, 1), NULL, 10);
		snprintf(x->ruleset_sha256, sizeof(x->ruleset_sha256), "%s",
			 PQgetvalue(r, i, 2));
		x->generation = strtoull(PQgetvalue(r, i, 3), NULL, 10);
		x->last_seen = strtoull(PQgetvalue(r, i, 4), NULL, 10);
		x->reservations_bytes = strtoull(PQgetvalue(r, i, 5), NULL, 10);
		x->last_checkpoint = strtoull(PQgetvalue(r, i, 6), NULL, 10);
		/* Only live gateways count: one retired long ago may keep
		 * an old hash. */
		if (!mismatch && PQgetvalue(r, i, 7)[0] == 't' &&
		    strcmp(x->ruleset_sha256, sha) != 0) {
			mismatch = true;
			snprintf(mgw, sizeof(mgw), "%s", x->gateway);
			snprintf(msha, sizeof(msha), "%s", x->ruleset_sha256);
		}
	}
	PQclear(r);
	pthread_mutex_lock(&c->mu);
	if (gws != NULL) {
		free(c->gws);
		c->gws = gws;
		c->ngws = (unsigned int)n;
		c->st.gateways = (unsigned int)n;
	}
	c->mismatch = mismatch;
	c->st.mismatch = mismatch;
	memcpy(c->mismatch_gw, mgw, sizeof(mgw));
	memcpy(c->mismatch_sha, msha, sizeof(msha));
	pthread_mutex_unlock(&c->mu);
	return 0;
}

static void *
cluster_thread(void *arg)
{
	struct xb_cluster *c = arg;
	uint64_t last_try = 0, last_beat = 0;

	for (;;) {
		uint64_t now = mono_ns();
		struct timespec until;
		bool stop;

		pthread_mutex_lock(&c->mu);
		stop = c->stop;
		pthread_mutex_unlock(&c->mu);
		if (c->pg != NULL || now - last_try >= RETRY_NS || stop) {
			last_try = now;
			if (ensure_connected(c)) {
				if (run_grants(c) < 0 || run_ledger(c) < 0 ||
				    run_shares(c) < 0 ||
				    (now - last_beat >= HEARTBEAT_NS &&
				     run_heartbeat(c) < 0))
					drop_connection(c);
				else if (now - last_beat >= HEARTBEAT_NS)
					last_beat = now;
			}
		}
		if (stop) {
			if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
				release_shares(c);
			break;
		}
		/* Woken by a request or a checkpoint, else every period. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)c->cfg.period_ms * 1000000L / 4;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&c->mu);
		if (!c->stop)
			pthread_cond_timedwait(&c->cv, &c->mu, &until);
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

/* ---- life cycle ------------------------------------------------------- */

struct xb_cluster *
xb_cluster_start(const struct xb_cluster_cfg *cfg, const char *ruleset_sha,
		 uint32_t generation, char *err, size_t errlen)
{
	struct xb_cluster *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	snprintf(c->sha, sizeof(c->sha), "%s", ruleset_sha);
	c->generation = generation;
	c->main_reachable = true;
	if ((c->shares = xb_shares_create(cfg->period_ms)) == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, cluster_thread, c) != 0) {
		snprintf(err, errlen, "cluster: cannot start its thread");
		xb_shares_free(c->shares);
		free(c);
		return NULL;
	}
	pthread_setname_np(c->thread, "xb-cluster");
	return c;
}

void
xb_cluster_stop(struct xb_cluster *c, double timeout_s)
{
	uint64_t deadline = mono_ns() + (uint64_t)(timeout_s * 1e9);

	if (c == NULL)
		return;
	/* Give the thread a chance to ship the last checkpoint and owed
	 * allowances; what it cannot is in the usage files (the outbox). */
	for (;;) {
		bool pending = false;

		pthread_mutex_lock(&c->mu);
		pending = c->outbox_seq != c->shipped_seq;
		for (unsigned int i = 0; i < c->nt && !pending; i++)
			pending = c->t[i].owed[0].bytes > 0 ||
				  c->t[i].owed[1].bytes > 0;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		if (!pending || mono_ns() > deadline)
			break;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	PQfinish(c->pg);
	free(c->t);
	free(c->map);
	free(c->outbox);
	free(c->acked);
	free(c->gws);
	xb_shares_free(c->shares); /* the workers have stopped */
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

struct xb_shares *
xb_cluster_shares(struct xb_cluster *c)
{
	return c != NULL ? c->shares : NULL;
}

void
xb_cluster_set_ruleset(struct xb_cluster *c, const char *sha,
		       uint32_t generation)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	snprintf(c->sha, sizeof(c->sha), "%s", sha);
	c->generation = generation;
	pthread_mutex_unlock(&c->mu);
}

/* ---- the main lcore's side ----------------------------------------- */

/* The slot of tenant id (created when missing); c->mu held. */
static struct ct_tenant *
slot_of(struct xb_cluster *c, const char *id)
{
	for (unsigned int i = 0; i < c->nt; i++)
		if (strcmp(c->t[i].id, id) == 0)
			return &c->t[i];
	if (c->nt == c->ct) {
		unsigned int cap = c->ct ? 2 * c->ct : 64;
		void *p = realloc(c->t, cap * sizeof(*c->t));

		if (p == NULL)
			return NULL;
		c->t = p;
		c->ct = cap;
	}
	struct ct_tenant *t = &c->t[c->nt++];

	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->g.pool_left = UINT64_MAX;
	return t;
}

uint64_t
xb_cluster_held(struct xb_cluster *c, const char *tenant, uint32_t month,
		uint64_t used_now)
{
	struct ct_tenant *t;
	uint64_t held = 0;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	t = slot_of(c, tenant);
	if (t != NULL) {
		xb_grant_month(&t->g, month, used_now);
		held = xb_grant_held(t->g.granted, t->g.used_base, used_now);
	}
	pthread_mutex_unlock(&c->mu);
	return held;
}

static const struct xb_cluster_cfg *
cfg_of(const struct xb_cluster *c)
{
	return &c->cfg;
}

/* continue:<bytes> of the tenant's class, 0 for terminate. */
static uint64_t
allowance_of(const struct xb_cluster *c, const char *tenant_class)
{
	const struct xb_cluster_cfg *cfg = cfg_of(c);

	for (unsigned int i = 0; i < cfg->nunreachable; i++)
		if (strcmp(cfg->unreachable[i].tenant_class, tenant_class) == 0)
			return cfg->unreachable[i].keep_going
				       ? cfg->unreachable[i].allowance
				       : 0;
	return 0;
}

/* rs tenant index -> slot; c->mu held. */
static int
map_ruleset(struct xb_cluster *c, const struct xb_ruleset *rs)
{
	if (c->map_rs == rs && c->map_generation == rs->generation)
		return 0;
	free(c->map);
	c->map = calloc(rs->ntenants ? rs->ntenants : 1, sizeof(*c->map));
	c->nmap = 0;
	if (c->map == NULL)
		return -1;
	for (unsigned int i = 0; i < rs->ntenants; i++) {
		const struct xb_tenant *x = xb_tenants_get(rs->tenants, i);
		struct ct_tenant *t = slot_of(c, x->id);

		if (t == NULL)
			return -1;
		t->quota = x->quota_bytes;
		snprintf(t->tenant_class, sizeof(t->tenant_class), "%s",
			 xb_tenants_class_name(rs->tenants, x->class_id));
		c->map[i] = (unsigned int)(t - c->t);
	}
	c->nmap = rs->ntenants;
	c->map_rs = rs;
	c->map_generation = rs->generation;
	return 0;
}

/* The owed[] entry for an allowance of month: one of that month the
 * thread has not posted yet (seq 0: a posted entry must be registered
 * as it was sent, its seq makes the replay idempotent), else a free one;
 * -1 when none (both in flight or holding other months: no allowance
 * this time; the tenant follows terminate until one is registered). */
static int
owed_entry(const struct ct_tenant *t, uint32_t month)
{
	for (int k = 0; k < 2; k++)
		if (t->owed[k].bytes > 0 && t->owed[k].month == month &&
		    t->owed[k].seq == 0)
			return k;
	for (int k = 0; k < 2; k++)
		if (t->owed[k].bytes == 0 && t->owed[k].seq == 0)
			return k;
	return -1;
}

unsigned int
xb_cluster_poll(struct xb_cluster *c, struct xb_app *app,
		struct xb_ruleset *rs, uint64_t now_ns, char other[64],
		char other_sha[65])
{
	unsigned int news = 0;
	uint32_t month;
	bool wake = false, reachable, outage_starts;
	uint64_t horizon;

	if (c == NULL || rs == NULL || !xb_quota_is_cluster(rs->quota))
		return 0;
	if (now_ns - c->last_poll_ns < 10000000ull) /* 10 ms */
		return 0;
	c->last_poll_ns = now_ns;
	month = xb_quota_month(rs->quota);
	pthread_mutex_lock(&c->mu);
	if (map_ruleset(c, rs) < 0) {
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	reachable = !c->attempted || c->reachable;
	outage_starts = c->main_reachable && !reachable;
	if (outage_starts) {
		news |= XB_CLUSTER_UNREACHABLE;
		c->st.outages++;
	} else if (!c->main_reachable && reachable) {
		news |= XB_CLUSTER_BACK;
	}
	c->main_reachable = reachable;
	if (c->mismatch != c->main_mismatch) {
		news |= c->mismatch ? XB_CLUSTER_MISMATCH : XB_CLUSTER_MATCH;
		snprintf(other, 64, "%s", c->mismatch_gw);
		snprintf(other_sha, 65, "%s", c->mismatch_sha);
		c->main_mismatch = c->mismatch;
	}
	/* Ask in time: the poll interval plus the round trip (at least a
	 * millisecond: a Unix socket answers in tens of microseconds). */
	horizon = (uint64_t)c->cfg.period_ms * 1000000ull / 4 + 10000000ull +
		  (c->st.rtt_us > 1000 ? c->st.rtt_us : 1000) * 1000ull;
	for (unsigned int i = 0; i < c->nmap && month != 0; i++) {
		struct ct_tenant *t = &c->t[c->map[i]];
		uint64_t local, lw;

		if (t->quota == 0)
			continue;
		if (t->g.month != month)
			xb_grant_month(&t->g, month,
				       xb_billing_tenant_bytes(app, month, t->id));
		if (t->req == 2) {
			t->req = 0;
			if (xb_grant_answer(&t->g, rs->quota, (uint16_t)i,
					    t->req_month, t->ans_granted,
					    t->ans_pool_left, now_ns))
				c->st.granted_bytes += t->ans_granted;
		}
		/* continue:<bytes>: once per outage and month (a month that
		 * begins during an outage starts with nothing held), granted
		 * here and now, registered as a forced grant once back. */
		if (!reachable && !t->g.allowance_given) {
			uint64_t a = allowance_of(c, t->tenant_class);
			int k = owed_entry(t, month);

			t->g.allowance_given = true;
			if (a > 0 && k >= 0) {
				xb_grant_allowance(&t->g, rs->quota, (uint16_t)i,
						   a);
				t->owed[k].bytes += a;
				t->owed[k].month = month;
				c->st.allowance_bytes += a;
				wake = true;
			}
		}
		if (reachable)
			t->g.allowance_given = false;
		local = xb_quota_remaining(rs->quota, (uint16_t)i);
		xb_grant_rate_update(&t->g.rate,
				     t->g.granted > local ? t->g.granted - local
							  : 0,
				     now_ns);
		if (t->req != 0 || !reachable)
			continue;
		if (t->g.spent && now_ns - t->g.spent_at_ns < SPENT_RECHECK_NS)
			continue;
		lw = xb_grant_low_water(t->g.rate.bytes_per_s, horizon,
					c->cfg.grant_min);
		if (local >= lw && !t->g.spent)
			continue;
		if (t->g.spent)
			t->g.spent_at_ns = now_ns;
		t->req = 1;
		t->req_month = month;
		t->req_quota = t->quota;
		t->req_ask = xb_grant_ask(lw, t->g.pool_left,
					  c->ngws ? c->ngws : 1,
					  c->cfg.grant_min, c->cfg.grant_max);
		wake = true;
	}
	if (wake)
		pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return news;
}

void
xb_cluster_status(struct xb_cluster *c, struct xb_cluster_status *st)
{
	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	*st = c->st;
	st->reachable = c->reachable;
	st->ledger_lag_ns = c->outbox_seq != c->shipped_seq
				    ? mono_ns() - c->pending_since_ns
				    : 0;
	pthread_mutex_unlock(&c->mu);
}

/* The host part of the dsn, for display (never the password). */
static void
dsn_host(const char *dsn, char *out, size_t len)
{
	PQconninfoOption *o = PQconninfoParse(dsn, NULL);

	snprintf(out, len, "%s", "");
	for (PQconninfoOption *p = o; p != NULL && p->keyword != NULL; p++)
		if (strcmp(p->keyword, "host") == 0 && p->val != NULL)
			snprintf(out, len, "%s", p->val);
	PQconninfoFree(o);
}

struct xb_cluster_view *
xb_cluster_snapshot(struct xb_cluster *c)
{
	struct xb_cluster_view *v;

	if (c == NULL || (v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	snprintf(v->gateway, sizeof(v->gateway), "%s", c->cfg.gateway);
	dsn_host(c->cfg.dsn, v->dsn_host, sizeof(v->dsn_host));
	pthread_mutex_lock(&c->mu);
	v->epoch = c->epoch;
	v->reachable = c->reachable;
	memcpy(v->ruleset_sha256, c->sha, sizeof(v->ruleset_sha256));
	v->generation = c->generation;
	v->gws = calloc(c->ngws ? c->ngws : 1, sizeof(*v->gws));
	v->tenants = calloc(c->nt ? c->nt : 1, sizeof(*v->tenants));
	if (v->gws != NULL) {
		memcpy(v->gws, c->gws, c->ngws * sizeof(*v->gws));
		v->ngws = c->ngws;
	}
	for (unsigned int i = 0; v->tenants != NULL && i < c->nt; i++) {
		const struct ct_tenant *t = &c->t[i];
		struct xb_cluster_tenant_info *x;

		if (t->quota == 0 || t->g.month == 0)
			continue;
		x = &v->tenants[v->ntenants++];
		snprintf(x->tenant, sizeof(x->tenant), "%s", t->id);
		x->month = t->g.month;
		x->pool_left = t->g.pool_left;
		x->reserved_here = t->g.granted -
				   (t->g.rate.last_used < t->g.granted
					    ? t->g.rate.last_used
					    : t->g.granted);
	}
	pthread_mutex_unlock(&c->mu);
	return v;
}

void
xb_cluster_view_free(struct xb_cluster_view *v)
{
	if (v == NULL)
		return;
	free(v->gws);
	free(v->tenants);
	free(v);
}
