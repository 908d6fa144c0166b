/* SPDX-License-Identifier: BSD-3-Clause */
/* Durable usage records: see xb_usage.h for the format and the argument. */
#include "xb_usage.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "xb_csv.h"
#include "xb_table.h"
#include "xb_tariff.h"

#define MAX_OPEN_MONTHS XB_USAGE_MAX_OPEN_MONTHS
#define TRAILER "# sha256 "
#define TRAILER_LEN (sizeof(TRAILER) - 1 + 64 + 1)
#define EVENTS_LINE "# events "

struct month {
	uint32_t month; /* 0: slot free */
	bool dirty;
	struct xb_usage_rec *recs;
	unsigned int n, cap;
	uint32_t *slots; /* open addressing: record index + 1, 0 = empty */
	unsigned int nslots;
	/* The event-log head in the month's file (written or loaded). */
	uint64_t anchor_seq;
	char anchor_hash[65];
};

struct xb_usage {
	char dir[PATH_MAX - 64]; /* room for /usage-YYYY-MM.csv.corrupt */
	struct month months[MAX_OPEN_MONTHS];
	uint64_t anchor_seq; /* 0: no event-log head to write */
	char anchor_hash[65];
};

static const char *const usage_cols[] = {
	"month", "tenant", "country", "category", "band", "packets", "bytes",
	"price_micros_per_gb", "charge_micros", "currency", NULL
};

struct xb_usage *
xb_usage_create(const char *dir)
{
	struct xb_usage *u;

	if (dir != NULL && strlen(dir) >= PATH_MAX - 64) {
		errno = EINVAL;
		return NULL;
	}
	if (dir != NULL && dir[0] != '\0' && mkdir(dir, 0750) < 0 &&
	    errno != EEXIST)
		return NULL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	/* No directory: a table in memory only (no [state] dir configured);
	 * opening starts every month empty and checkpoints write nothing. */
	snprintf(u->dir, sizeof(u->dir), "%s", dir != NULL ? dir : "");
	return u;
}

static void
month_free(struct month *m)
{
	free(m->recs);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

void
xb_usage_free(struct xb_usage *u)
{
	if (u == NULL)
		return;
	for (unsigned int i = 0; i < MAX_OPEN_MONTHS; i++)
		month_free(&u->months[i]);
	free(u);
}

static struct month *
find_month(const struct xb_usage *u, uint32_t yyyymm)
{
	for (unsigned int i = 0; i < MAX_OPEN_MONTHS; i++)
		if (u->months[i].month == yyyymm && yyyymm != 0)
			return (struct month *)&u->months[i];
	return NULL;
}

bool
xb_usage_is_open(const struct xb_usage *u, uint32_t yyyymm)
{
	return find_month(u, yyyymm) != NULL;
}

void
xb_usage_path(const struct xb_usage *u, uint32_t yyyymm, char *buf,
	      unsigned int size)
{
	snprintf(buf, size, "%s/usage-%04u-%02u.csv", u->dir,
		 (yyyymm / 100) % 10000, yyyymm % 100);
}

/* ---- the in-memory table ---- */

static uint32_t
fnv(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return (h ^ 0xff) * 16777619u; /* field separator */
}

static uint32_t
key_hash(const struct xb_usage_rec *r)
{
	uint32_t h = 2166136261u;

	h = fnv(h, r->tenant);
	h = fnv(h, r->country);
	h = fnv(h, r->category);
	h = fnv(h, r->band);
	h = fnv(h, r->currency);
	for (int i = 0; i < 8; i++)
		h = (h ^ (uint8_t)(r->price_micros_per_gb >> (8 * i))) *
		    16777619u;
	return h;
}

static int
key_cmp(const struct xb_usage_rec *a, const struct xb_usage_rec *b)
{
	int c;

	if ((c = strcmp(a->tenant, b->tenant)) != 0 ||
	    (c = strcmp(a->country, b->country)) != 0 ||
	    (c = strcmp(a->category, b->category)) != 0 ||
	    (c = strcmp(a->band, b->band)) != 0 ||
	    (c = strcmp(a->currency, b->currency)) != 0)
		return c;
	return a->price_micros_per_gb < b->price_micros_per_gb ? -1 :
	       a->price_micros_per_gb > b->price_micros_per_gb;
}

static int
rec_qsort_cmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

static int
rehash(struct month *m, unsigned int nslots)
{
	uint32_t *s = calloc(nslots, sizeof(uint32_t));

	if (s == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < m->n; i++) {
		uint32_t h = key_hash(&m->recs[i]) & (nslots - 1);

		while (s[h] != 0)
			h = (h + 1) & (nslots - 1);
		s[h] = i + 1;
	}
	free(m->slots);
	m->slots = s;
	m->nslots = nslots;
	return 0;
}

/* Record for key k (only key fields read), created empty when missing. */
static struct xb_usage_rec *
lookup_or_add(struct month *m, const struct xb_usage_rec *k, bool *created)
{
	uint32_t h;

	*created = false;
	if ((m->n + 1) * 2 > m->nslots &&
	    rehash(m, m->nslots ? m->nslots * 2 : 64) < 0)
		return NULL;
	h = key_hash(k) & (m->nslots - 1);
	while (m->slots[h] != 0) {
		struct xb_usage_rec *r = &m->recs[m->slots[h] - 1];

		if (key_cmp(r, k) == 0)
			return r;
		h = (h + 1) & (m->nslots - 1);
	}
	if (m->n == m->cap) {
		unsigned int cap = m->cap ? m->cap * 2 : 64;
		struct xb_usage_rec *nr = realloc(m->recs, cap * sizeof(*nr));

		if (nr == NULL)
			return NULL;
		m->recs = nr;
		m->cap = cap;
	}
	m->recs[m->n] = *k;
	m->recs[m->n].month = m->month;
	m->recs[m->n].packets = 0;
	m->recs[m->n].bytes = 0;
	m->recs[m->n].charge_micros = 0;
	m->slots[h] = ++m->n;
	*created = true;
	return &m->recs[m->n - 1];
}

static bool
name_ok(const char *s, size_t min, size_t max)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r' || (unsigned char)s[i] < 0x20)
			return false;
	return s[0] != '#' && s[0] != ' ';
}

static int
fill_key(struct xb_usage_rec *k, const char *tenant, const char *country,
	 const char *category, const char *band, uint64_t price,
	 const char *currency)
{
	if (!name_ok(tenant, 1, XB_USAGE_ID_MAX) ||
	    !name_ok(country, 1, 3) ||
	    !name_ok(category, 1, XB_USAGE_ID_MAX) ||
	    !name_ok(band, 1, XB_USAGE_ID_MAX) || !name_ok(currency, 3, 3))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	strcpy(k->tenant, tenant);
	strcpy(k->country, country);
	strcpy(k->category, category);
	strcpy(k->band, band);
	strcpy(k->currency, currency);
	k->price_micros_per_gb = price;
	return 0;
}

int
xb_usage_add(struct xb_usage *u, uint32_t yyyymm, const char *tenant,
	     const char *country, const char *category, const char *band,
	     uint64_t price_micros_per_gb, const char *currency,
	     uint64_t packets, uint64_t bytes)
{
	struct month *m = find_month(u, yyyymm);
	struct xb_usage_rec k, *r;
	bool created;

	if (m == NULL)
		return -ENOENT;
	if (fill_key(&k, tenant, country, category, band, price_micros_per_gb,
		     currency) < 0)
		return -EINVAL;
	if (packets == 0 && bytes == 0)
		return 0;
	r = lookup_or_add(m, &k, &created);
	if (r == NULL)
		return -ENOMEM;
	r->packets += packets;
	r->bytes += bytes;
	r->charge_micros = xb_tariff_charge(r->bytes, r->price_micros_per_gb);
	m->dirty = true;
	return 0;
}

unsigned int
xb_usage_count(const struct xb_usage *u, uint32_t yyyymm)
{
	const struct month *m = find_month(u, yyyymm);

	return m ? m->n : 0;
}

const struct xb_usage_rec *
xb_usage_get(const struct xb_usage *u, uint32_t yyyymm, unsigned int i)
{
	const struct month *m = find_month(u, yyyymm);

	return m && i < m->n ? &m->recs[i] : NULL;
}

uint64_t
xb_usage_tenant_bytes(const struct xb_usage *u, uint32_t yyyymm,
		      const char *tenant)
{
	const struct month *m = find_month(u, yyyymm);
	uint64_t sum = 0;

	if (m == NULL)
		return 0;
	for (unsigned int i = 0; i < m->n; i++)
		if (strcmp(m->recs[i].tenant, tenant) == 0)
			sum += m->recs[i].bytes;
	return sum;
}

/* ---- files ---- */

static void
sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		mdlen = 0; /* leaves a hex string that never verifies */
	memset(hex, '0', 64);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void __attribute__((format(printf, 2, 3)))
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static int
write_all_sync(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	int err = 0;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	return err;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int
month_write(struct xb_usage *u, struct month *m, bool closed,
	    struct xb_errors *errs)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], prev[PATH_MAX + 8];
	char hex[65];
	struct buf b = { 0 };
	int rc;

	/* Key order: deterministic files; the hash index follows. */
	qsort(m->recs, m->n, sizeof(*m->recs), rec_qsort_cmp);
	if (m->nslots && (rc = rehash(m, m->nslots)) < 0)
		return rc;
	xb_usage_path(u, m->month, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(prev, sizeof(prev), "%s.prev", path);
	bprintf(&b, "# xbgw usage records, see README (Usage records)\n");
	for (unsigned int i = 0; usage_cols[i]; i++)
		bprintf(&b, "%s%s", i ? "," : "", usage_cols[i]);
	bprintf(&b, "\n");
	for (unsigned int i = 0; i < m->n; i++) {
		const struct xb_usage_rec *r = &m->recs[i];

		bprintf(&b,
			"%04u-%02u,%s,%s,%s,%s,%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%s\n",
			m->month / 100, m->month % 100, r->tenant, r->country,
			r->category, r->band, r->packets, r->bytes,
			r->price_micros_per_gb, r->charge_micros, r->currency);
	}
	if (closed)
		bprintf(&b, "# closed\n");
	if (u->anchor_seq != 0)
		bprintf(&b, EVENTS_LINE "%" PRIu64 " %s\n", u->anchor_seq,
			u->anchor_hash);
	if (!b.oom)
		sha256_hex(b.p, b.len, hex);
	bprintf(&b, TRAILER "%s\n", hex);
	if (b.oom) {
		free(b.p);
		xb_errors_add(errs, path, 0, "out of memory");
		return -ENOMEM;
	}
	rc = write_all_sync(tmp, b.p, b.len);
	free(b.p);
	if (rc < 0) {
		xb_errors_add(errs, tmp, 0, "cannot write: %s", strerror(-rc));
		unlink(tmp);
		return rc;
	}
	/* Keep the current checkpoint as .prev (a hard link: usage-M.csv
	 * itself never disappears). */
	if (unlink(prev) < 0 && errno != ENOENT) {
		rc = -errno;
	} else if (link(path, prev) < 0 && errno != ENOENT) {
		rc = -errno;
	}
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc == 0)
		rc = fsync_dir(u->dir);
	if (rc < 0) {
		xb_errors_add(errs, path, 0, "cannot checkpoint: %s",
			      strerror(-rc));
		unlink(tmp);
		return rc;
	}
	m->dirty = false;
	m->anchor_seq = u->anchor_seq;
	memcpy(m->anchor_hash, u->anchor_hash, sizeof(m->anchor_hash));
	return 0;
}

static bool
anchor_stale(const struct xb_usage *u, const struct month *m)
{
	return u->anchor_seq != 0 &&
	       (m->anchor_seq != u->anchor_seq ||
		strcmp(m->anchor_hash, u->anchor_hash) != 0);
}

uint64_t
xb_usage_anchor_of_files(const struct xb_usage *u, char hash[65])
{
	uint64_t best = 0;

	for (unsigned int i = 0; i < MAX_OPEN_MONTHS; i++) {
		const struct month *m = &u->months[i];

		if (m->month != 0 && m->anchor_seq > best) {
			best = m->anchor_seq;
			memcpy(hash, m->anchor_hash, 65);
		}
	}
	return best;
}

int
xb_usage_set_anchor(struct xb_usage *u, uint64_t seq, const char *hash)
{
	if (seq == 0) {
		u->anchor_seq = 0;
		u->anchor_hash[0] = '\0';
		return 0;
	}
	if (hash == NULL || strlen(hash) != 64)
		return -EINVAL;
	for (int i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)hash[i]))
			return -EINVAL;
		u->anchor_hash[i] = (char)tolower((unsigned char)hash[i]);
	}
	u->anchor_hash[64] = '\0';
	u->anchor_seq = seq;
	return 0;
}

int
xb_usage_checkpoint(struct xb_usage *u, struct xb_errors *errs)
{
	int rc = 0;

	if (u->dir[0] == '\0')
		return 0;
	for (unsigned int i = 0; i < MAX_OPEN_MONTHS; i++) {
		struct month *m = &u->months[i];
		int r;

		if (m->month == 0 || (!m->dirty && !anchor_stale(u, m)))
			continue;
		r = month_write(u, m, false, errs);
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}

int
xb_usage_close(struct xb_usage *u, uint32_t yyyymm, struct xb_errors *errs)
{
	struct month *m = find_month(u, yyyymm);
	int rc;

	if (m == NULL)
		return -ENOENT;
	rc = u->dir[0] == '\0' ? 0 : month_write(u, m, true, errs);
	if (rc == 0)
		month_free(m);
	return rc;
}

/* ---- loading ---- */

struct load_ctx {
	struct month *m;
	char want_month[16];
};

static int
usage_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct load_ctx *lc = ctx;
	struct xb_usage_rec k, *r;
	uint64_t packets, bytes, price, charge;
	bool created;
	int bad = 0;

	if (strcmp(row->cols[0], lc->want_month) != 0) {
		xb_csv_error(errs, row, 0, "got \"%s\", expected %s",
			     row->cols[0], lc->want_month);
		bad = 1;
	}
	bad |= xb_csv_get_u64(row, 5, 0, UINT64_MAX, &packets, errs) < 0;
	bad |= xb_csv_get_u64(row, 6, 0, UINT64_MAX, &bytes, errs) < 0;
	bad |= xb_csv_get_u64(row, 7, 0, UINT64_MAX, &price, errs) < 0;
	bad |= xb_csv_get_u64(row, 8, 0, UINT64_MAX, &charge, errs) < 0;
	if (bad)
		return 0;
	if (fill_key(&k, row->cols[1], row->cols[2], row->cols[3],
		     row->cols[4], price, row->cols[9]) < 0) {
		xb_errors_add(errs, row->file, row->line,
			      "bad name in key (expected 1..31 bytes, country 1..3, currency 3)");
		return 0;
	}
	if (charge != xb_tariff_charge(bytes, price)) {
		xb_csv_error(errs, row, 8,
			     "got %" PRIu64 ", expected %" PRIu64
			     " (bytes x price, rounded half-up)",
			     charge, xb_tariff_charge(bytes, price));
		return 0;
	}
	r = lookup_or_add(lc->m, &k, &created);
	if (r == NULL) {
		xb_errors_add(errs, row->file, row->line, "out of memory");
		return -1;
	}
	if (!created) {
		xb_errors_add(errs, row->file, row->line,
			      "duplicate record for %s,%s,%s,%s", k.tenant,
			      k.country, k.category, k.band);
		return 0;
	}
	r->packets = packets;
	r->bytes = bytes;
	r->charge_micros = charge;
	return 0;
}

static const struct xb_table usage_table = {
	.header = { .variants = { usage_cols } },
	.row = usage_row,
};

/* Trailer: the last line, "# sha256 <hex>\n", over all bytes before.
 * Returns 0 with *body the length before it, or -EBADMSG (reported). */
static int
check_trailer(const char *path, const char *text, size_t len, size_t *body,
	      struct xb_errors *errs)
{
	char hex[65];
	const char *tl;
	unsigned int lines = 1;

	if (len < TRAILER_LEN || text[len - 1] != '\n') {
		xb_errors_add(errs, path, 0,
			      "torn or truncated record file (no sha256 trailer line at the end)");
		return -EBADMSG;
	}
	*body = len - TRAILER_LEN;
	tl = text + *body;
	for (size_t i = 0; i < *body; i++)
		lines += text[i] == '\n';
	if ((*body > 0 && text[*body - 1] != '\n') ||
	    memcmp(tl, TRAILER, sizeof(TRAILER) - 1) != 0) {
		xb_errors_add(errs, path, lines,
			      "torn or truncated record file (no sha256 trailer line at the end)");
		return -EBADMSG;
	}
	sha256_hex(text, *body, hex);
	if (strncasecmp(tl + sizeof(TRAILER) - 1, hex, 64) != 0) {
		xb_errors_add(errs, path, lines,
			      "corrupted record file (sha256 got %.64s in the trailer, expected %s for the content)",
			      tl + sizeof(TRAILER) - 1, hex);
		return -EBADMSG;
	}
	return 0;
}

/* The last "# events <seq> <hex>" line in text[0..len); 0 or -ENOENT. */
static int
find_anchor(const char *text, size_t len, uint64_t *seq, char hash[65])
{
	int rc = -ENOENT;

	for (size_t at = 0; at < len;) {
		const char *l = text + at;
		const char *nl = memchr(l, '\n', len - at);
		size_t ll = nl != NULL ? (size_t)(nl - l) : len - at;
		const size_t kl = sizeof(EVENTS_LINE) - 1;

		if (ll > kl && memcmp(l, EVENTS_LINE, kl) == 0) {
			char tmp[128], h[65];
			unsigned long long s;
			char extra;

			if (ll < sizeof(tmp)) {
				memcpy(tmp, l + kl, ll - kl);
				tmp[ll - kl] = '\0';
				if (sscanf(tmp, "%llu %64[0-9a-fA-F]%c", &s, h,
					   &extra) == 2 &&
				    strlen(h) == 64 && s > 0) {
					*seq = s;
					for (int i = 0; i < 65; i++)
						hash[i] = (char)tolower(
							(unsigned char)h[i]);
					rc = 0;
				}
			}
		}
		at += ll + 1;
	}
	return rc;
}

int
xb_usage_read_anchor(const char *path, uint64_t *seq, char hash[65],
		     struct xb_errors *errs)
{
	size_t len, body;
	char *text = xb_csv_read_file(path, &len, NULL);
	int rc;

	if (text == NULL)
		return errno ? -errno : -EIO;
	rc = check_trailer(path, text, len, &body, errs);
	if (rc == 0)
		rc = find_anchor(text, body, seq, hash);
	free(text);
	return rc;
}

/*
 * Read and verify one record file into m.  Returns 0, -ENOENT when the file
 * does not exist, -EBADMSG when it is torn or corrupted (reported), or
 * another negative errno.
 */
static int
load_file(const char *path, struct month *m, bool *closed,
	  struct xb_errors *errs)
{
	struct load_ctx lc;
	char *text;
	size_t len, body;
	int rc = 0;

	/* A missing file is not an error to report: the month is new. */
	text = xb_csv_read_file(path, &len, NULL);
	if (text == NULL)
		return -errno;
	if (check_trailer(path, text, len, &body, errs) < 0) {
		free(text);
		return -EBADMSG;
	}
	if (find_anchor(text, body, &m->anchor_seq, m->anchor_hash) < 0)
		m->anchor_seq = 0;
	/* The final checkpoint of a month that is over has a "# closed"
	 * line after its records (the event-log anchor may follow it). */
	*closed = (body >= 9 && memcmp(text, "# closed\n", 9) == 0) ||
		  memmem(text, body, "\n# closed\n", 10) != NULL;
	lc.m = m;
	snprintf(lc.want_month, sizeof(lc.want_month), "%04u-%02u",
		 (m->month / 100) % 10000, m->month % 100);
	if (xb_table_load(&usage_table, XB_TABLE_TEXT(path, text, body), &lc,
			  errs) < 0)
		rc = -EBADMSG;
	free(text);
	return rc;
}

static void
month_reset(struct month *m, uint32_t yyyymm)
{
	month_free(m);
	m->month = yyyymm;
}

int
xb_usage_open(struct xb_usage *u, uint32_t yyyymm, struct xb_errors *errs)
{
	char path[PATH_MAX], prev[PATH_MAX + 8], bad[PATH_MAX + 16];
	struct month *m;
	bool closed = false;
	int rc, rp;

	if (yyyymm < 100001 || yyyymm % 100 < 1 || yyyymm % 100 > 12)
		return -EINVAL;
	if (find_month(u, yyyymm) != NULL)
		return XB_USAGE_RESUMED;
	m = find_month(u, 0);
	for (unsigned int i = 0; m == NULL && i < MAX_OPEN_MONTHS; i++)
		if (u->months[i].month == 0)
			m = &u->months[i];
	if (m == NULL)
		return -ENOSPC;
	month_reset(m, yyyymm);
	if (u->dir[0] == '\0')
		return XB_USAGE_NEW;
	xb_usage_path(u, yyyymm, path, sizeof(path));
	snprintf(prev, sizeof(prev), "%s.prev", path);
	rc = load_file(path, m, &closed, errs);
	if (rc == 0 && closed) {
		month_free(m);
		return -EROFS;
	}
	if (rc == 0)
		return XB_USAGE_RESUMED;
	month_reset(m, yyyymm);
	rp = load_file(prev, m, &closed, errs);
	if (rp == 0 && closed) {
		month_free(m);
		return -EROFS;
	}
	if (rc == -ENOENT && rp == -ENOENT)
		return XB_USAGE_NEW;
	if (rp == 0) {
		if (rc == -ENOENT) {
			xb_errors_add(errs, path, 0,
				      "record file missing, resumed from %s",
				      prev);
		} else {
			/* Keep the bad file aside for inspection, so the next
			 * checkpoint does not make it the .prev. */
			snprintf(bad, sizeof(bad), "%s.corrupt", path);
			rename(path, bad);
			xb_errors_add(errs, path, 0,
				      "record file unusable (kept as %s), resumed from the previous checkpoint %s",
				      bad, prev);
		}
		m->dirty = true; /* rewrite a good current file soon */
		return XB_USAGE_FROM_PREV;
	}
	month_free(m);
	if (rc == -ENOENT)
		rc = rp;
	xb_errors_add(errs, path, 0,
		      "no usable record file for the month (it and %s are bad): refusing to start the month from zero",
		      prev);
	return rc == -ENOENT ? -EBADMSG : rc;
}

uint32_t
xb_usage_latest_month(const struct xb_usage *u)
{
	uint32_t latest = 0;
	struct dirent *de;
	DIR *d;

	if (u->dir[0] == '\0' || (d = opendir(u->dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		unsigned int y, mo;
		char tail[16];
		int n = sscanf(de->d_name, "usage-%4u-%2u.cs%15s", &y, &mo, tail);

		if (n == 3 && (strcmp(tail, "v") == 0 ||
			       strcmp(tail, "v.prev") == 0) &&
		    y >= 1000 && mo >= 1 && mo <= 12 && y * 100 + mo > latest)
			latest = y * 100 + mo;
	}
	closedir(d);
	return latest;
}
