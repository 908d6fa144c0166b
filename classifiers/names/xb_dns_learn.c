/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS learning: queries in flight per worker, answers checked against
 * them before they reach the shared cache (see xb_dns_learn.h).
 *
 * Thread safety: a learner belongs to one worker; no function takes a
 * lock.  Its counters are plain 64-bit words with that one writer.
 */
#include "xb_dns_learn.h"
#include "xb_siphash.h"

#include <stdlib.h>
#include <string.h>

#include "xb_bytes.h"
#include "xb_dns.h"

#define WAYS 4
#define DNS_PORT 53
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_FLAG_TC 0x0200u

/* A query in flight: what its answer must repeat. */
struct pending {
	uint64_t expires_ns; /* 0: free */
	uint64_t qhash;      /* keyed hash of the question */
	uint64_t tenant;     /* the client's, when it asked */
	uint16_t id;
	uint8_t family, proto;
	uint16_t client_port, server_port;
	uint8_t client[16], server[16];
};
_Static_assert(sizeof(struct pending) == 64, "a query in flight is one line");

struct xb_dns_learner {
	struct xb_dns_learn_stats st;
	struct xb_dns_cache *cache;
	unsigned int writer;
	uint32_t set_mask;
	struct xb_siphash_key key; /* the sets' and questions' hash */
	struct pending *tab; /* WAYS per set */
};

/* The question an answer must repeat (the name compares as stored:
 * lower-cased, so a resolver's 0x20 case randomisation still matches). */
static uint64_t
question_hash(const struct xb_dns_learner *l, const struct xb_dns_question *q)
{
	uint8_t b[4 + XB_NAME_MAX];

	xb_put_be16(b, q->qtype);
	xb_put_be16(b + 2, q->qclass);
	memcpy(b + 4, q->name.str, q->name.len);
	return xb_siphash13(&l->key, b, 4u + q->name.len);
}

/* Where a query of the flow with transaction id id sits. */
static struct pending *
set_of(const struct xb_dns_learner *l, const struct xb_dns_flow *fl,
       uint16_t id)
{
	uint8_t key[40];
	size_t alen = fl->family == 6 ? 16 : 4;

	key[0] = fl->family;
	key[1] = fl->proto;
	xb_put_be16(key + 2, fl->client_port);
	xb_put_be16(key + 4, fl->server_port);
	xb_put_be16(key + 6, id);
	memcpy(key + 8, fl->client, alen);
	memcpy(key + 8 + alen, fl->server, alen);
	return &l->tab[(size_t)(xb_siphash13(&l->key, key, 8 + 2 * alen) &
				l->set_mask) * WAYS];
}

static bool
same_query(const struct pending *p, const struct xb_dns_flow *fl, uint16_t id)
{
	size_t alen = fl->family == 6 ? 16 : 4;

	return p->id == id && p->family == fl->family &&
	       p->proto == fl->proto && p->client_port == fl->client_port &&
	       p->server_port == fl->server_port &&
	       memcmp(p->client, fl->client, alen) == 0 &&
	       memcmp(p->server, fl->server, alen) == 0;
}

struct xb_dns_learner *
xb_dns_learner_create(struct xb_dns_cache *cache, unsigned int writer,
		      unsigned int pending, uint64_t seed)
{
	struct xb_dns_learner *l;
	uint32_t sets = 1;

	if (cache == NULL || pending == 0 || pending > (1u << 20))
		return NULL;
	while (sets * WAYS < pending)
		sets <<= 1;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->tab = calloc((size_t)sets * WAYS, sizeof(*l->tab));
	if (l->tab == NULL) {
		free(l);
		return NULL;
	}
	l->cache = cache;
	l->writer = writer;
	l->set_mask = sets - 1;
	xb_siphash_key_from_seed(&l->key, seed);
	return l;
}

void
xb_dns_learner_free(struct xb_dns_learner *l)
{
	if (l == NULL)
		return;
	free(l->tab);
	free(l);
}

/* Remember a query on its way out (a resent one replaces itself). */
static void
remember_query(struct xb_dns_learner *l, const struct xb_dns_flow *fl,
	       const struct xb_dns_question *q, uint64_t now_ns)
{
	struct pending *set = set_of(l, fl, q->id), *p = NULL;

	for (int i = 0; i < WAYS && p == NULL; i++)
		if (set[i].expires_ns > now_ns && same_query(&set[i], fl, q->id))
			p = &set[i];
	for (int i = 0; i < WAYS && p == NULL; i++)
		if (set[i].expires_ns <= now_ns)
			p = &set[i];
	if (p == NULL) {
		/* A limit: the query that would expire first makes room;
		 * its answer will not be learnt. */
		p = &set[0];
		for (int i = 1; i < WAYS; i++)
			if (set[i].expires_ns < p->expires_ns)
				p = &set[i];
		l->st.pending_full++;
	}
	memset(p, 0, sizeof(*p));
	p->expires_ns = now_ns + XB_DNS_QUERY_TIMEOUT_NS;
	p->qhash = question_hash(l, q);
	p->tenant = fl->tenant;
	p->id = q->id;
	p->family = fl->family;
	p->proto = fl->proto;
	p->client_port = fl->client_port;
	p->server_port = fl->server_port;
	memcpy(p->client, fl->client, fl->family == 6 ? 16 : 4);
	memcpy(p->server, fl->server, fl->family == 6 ? 16 : 4);
	l->st.queries++;
}

struct learn_arg {
	struct xb_dns_learner *l;
	uint64_t tenant;
	uint8_t family; /* the question's: A -> 4, AAAA -> 6 */
	uint64_t now_ns;
	int n;
};

static void
learn_addr(void *argp, uint8_t family, const uint8_t *addr, uint32_t ttl_s,
	   const struct xb_name *qname)
{
	struct learn_arg *a = argp;

	if (family != a->family)
		return; /* only records of the type asked for */
	xb_dns_cache_put(a->l->cache, a->l->writer, a->tenant, family, addr,
			 qname, ttl_s, a->now_ns);
	a->n++;
}

/* An answer on its way in: learnt when it answers a query in flight. */
static int
take_answer(struct xb_dns_learner *l, const struct xb_dns_flow *fl,
	    const struct xb_dns_question *q, const uint8_t *msg, uint32_t mlen,
	    uint64_t now_ns)
{
	struct pending *set = set_of(l, fl, q->id), *p = NULL;
	struct learn_arg arg;

	for (int i = 0; i < WAYS && p == NULL; i++)
		if (set[i].expires_ns > now_ns && same_query(&set[i], fl, q->id))
			p = &set[i];
	if (p == NULL) {
		l->st.rejected_no_query++;
		return 0;
	}
	if (p->qhash != question_hash(l, q) || p->tenant != fl->tenant) {
		/* Not the answer to that query: the query waits on for its
		 * own. */
		l->st.rejected_question++;
		return 0;
	}
	p->expires_ns = 0; /* one answer per query */
	l->st.answers_learnt++;
	if ((q->flags & (XB_DNS_OPCODE_MASK | XB_DNS_RCODE_MASK | DNS_FLAG_TC)) ||
	    q->qclass != DNS_CLASS_IN ||
	    (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_AAAA))
		return 0; /* an error, a truncated answer, or no addresses */
	arg = (struct learn_arg){l, fl->tenant,
				 q->qtype == DNS_TYPE_A ? 4 : 6, now_ns, 0};
	xb_dns_answers(msg, mlen, learn_addr, &arg);
	return arg.n;
}

int
xb_dns_learn_packet(struct xb_dns_learner *l, const struct xb_dns_flow *fl,
		    enum xb_dns_path path, const uint8_t *payload, uint32_t len,
		    uint64_t now_ns)
{
	struct xb_dns_question q;
	const uint8_t *msg = payload;
	uint32_t mlen = len;

	if (payload == NULL || (fl->family != 4 && fl->family != 6))
		return 0;
	if (fl->proto == 6) {
		/* One whole message behind its length; a message spread over
		 * segments is not learnt (its answer stays unlearnt). */
		if (len < 2 || xb_be16(payload) > len - 2)
			return 0;
		msg = payload + 2;
		mlen = xb_be16(payload);
	} else if (fl->proto != 17) {
		return 0;
	}
	if (xb_dns_question(msg, mlen, &q) < 0)
		return 0; /* not a DNS message we could pair */
	if (!(q.flags & XB_DNS_FLAG_QR)) {
		if (path == XB_DNS_TO_SERVER && fl->server_port == DNS_PORT &&
		    !(q.flags & XB_DNS_OPCODE_MASK))
			remember_query(l, fl, &q, now_ns);
		return 0;
	}
	if (path != XB_DNS_FROM_SERVER || fl->server_port != DNS_PORT) {
		l->st.rejected_direction++;
		return 0;
	}
	return take_answer(l, fl, &q, msg, mlen, now_ns);
}

bool
xb_dns_learn_lookup(struct xb_dns_learner *l, uint64_t tenant, uint8_t family,
		    const uint8_t *addr, uint64_t now_ns, struct xb_name *out)
{
	if (!xb_dns_cache_lookup(l->cache, tenant, family, addr, now_ns, out))
		return false;
	l->st.hits++;
	return true;
}

void
xb_dns_learn_stats_add(const struct xb_dns_learner *l,
		       struct xb_dns_learn_stats *st)
{
	const uint64_t *src = (const uint64_t *)&l->st;
	uint64_t *dst = (uint64_t *)st;

	/* The struct is 64-bit counters only. */
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
