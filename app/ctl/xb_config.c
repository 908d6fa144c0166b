/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "xb_hostport.h"
#include "xb_ini.h"

const char *const xb_table_keys[XB_TABLE_MAX] = {
	[XB_TABLE_COUNTRIES] = "countries",
	[XB_TABLE_TENANTS] = "tenants",
	[XB_TABLE_TENANT_PREFIXES] = "tenant_prefixes",
	[XB_TABLE_CATEGORIES] = "categories",
	[XB_TABLE_APPROVALS] = "approvals",
	[XB_TABLE_CATEGORY_RULES] = "category_rules",
	[XB_TABLE_DOMAINS] = "domains",
	[XB_TABLE_QOS] = "qos",
	[XB_TABLE_TARIFFS] = "tariffs",
	[XB_TABLE_BANDS] = "bands",
};

/* Every key this file understands, so a typo is reported, not ignored. */
static const struct {
	const char *section;
	const char *keys[16];
} known_keys[] = {
	{"general", {"home_net"}},
	{"ports", {"pairs", "queues", "mtu", "mbufs", "public"}},
	{"flows", {"capacity", "tcp_timeout", "tcp_closed_timeout",
		   "udp_timeout", "other_timeout"}},
	{"dataplane", {"non_ip", "fragments", "fragment_timeout"}},
	{"tables", {"geo", "countries", "tenants", "tenant_prefixes",
		    "categories", "approvals", "category_rules", "domains",
		    "qos", "tariffs", "bands"}},
	{"tariff", {"utc_offset"}},
	{"telemetry", {"enabled"}},
	{"ipfix", {"collector", "active_timeout"}},
	{"prometheus", {"listen"}},
	{"state", {"dir"}},
	{"events", {"file", "key"}},
	{"flowlog", {"file"}},
	{"afxdp", {"host_macs", "host_addresses"}},
	{"names", {"quic_decrypt_budget"}},
	{"cluster", {"dsn", "gateway", "grant_min", "grant_max", "validity",
		     "period_ms", "on_unreachable"}},
};

/*
 * rte_cfgfile keeps no line numbers: the line of [section] key (of
 * [section] when key is NULL or not there) from the INI reader, which
 * keeps them.  Only for messages, so reading the file again is fine.
 */
static unsigned int
find_line(const char *path, const char *section, const char *key)
{
	struct xb_ini *ini = xb_ini_load(path, NULL);
	unsigned int line = 0;

	if (ini == NULL)
		return 0;
	if (key != NULL)
		line = xb_ini_line(ini, section, key);
	if (line == 0)
		line = xb_ini_line(ini, section, NULL);
	xb_ini_free(ini);
	return line;
}

static void
cfg_error(struct xb_errors *errs, const char *path, const char *section,
	  const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
cfg_error(struct xb_errors *errs, const char *path, const char *section,
	  const char *key, const char *fmt, ...)
{
	char body[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	xb_errors_add(errs, path, find_line(path, section, key), "[%s] %s: %s",
		      section, key ? key : "", body);
}

static int
resolve_path(const char *base_dir, const char *value, char *out, size_t size)
{
	int n;

	if (value[0] == '/')
		n = snprintf(out, size, "%s", value);
	else
		n = snprintf(out, size, "%s/%s", base_dir, value);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
get_uint(struct rte_cfgfile *f, const char *path, const char *section,
	 const char *key, uint32_t min, uint32_t max, uint32_t *out,
	 struct xb_errors *errs)
{
	const char *v = rte_cfgfile_get_entry(f, section, key);
	char *end;
	unsigned long long x;

	if (v == NULL)
		return 0;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *trim(end) != '\0' || x < min ||
	    x > max || v[0] == '-') {
		cfg_error(errs, path, section, key,
			  "got \"%s\", expected an integer %u..%u", v, min, max);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

/* A byte count of [cluster]: digits, at least min. */
static void
get_bytes(struct rte_cfgfile *f, const char *path, const char *key,
	  uint64_t min, uint64_t *out, struct xb_errors *errs)
{
	const char *v = rte_cfgfile_get_entry(f, "cluster", key);
	char *end;
	unsigned long long x;

	if (v == NULL)
		return;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *trim(end) != '\0' || v[0] == '-' ||
	    x < min || x > (1ull << 50)) {
		cfg_error(errs, path, "cluster", key,
			  "got \"%s\", expected bytes %" PRIu64 "..%llu", v, min,
			  1ull << 50);
		return;
	}
	*out = x;
}

/* on_unreachable = CLASS:terminate|CLASS:continue:BYTES[,..] */
static void
parse_unreachable(const char *path, const char *v, struct xb_cluster_cfg *c,
		  struct xb_errors *errs)
{
	char buf[1024], *save = NULL, *item;

	snprintf(buf, sizeof(buf), "%s", v);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *cls = trim(item), *act = strchr(cls, ':'), *end;
		unsigned long long n = 0;

		if (act != NULL)
			*act++ = '\0';
		if (act == NULL || cls[0] == '\0' || strlen(cls) > 31 ||
		    (strcmp(act, "terminate") != 0 &&
		     strncmp(act, "continue:", 9) != 0)) {
			cfg_error(errs, path, "cluster", "on_unreachable",
				  "got \"%s%s%s\", expected CLASS:terminate or CLASS:continue:BYTES",
				  cls, act ? ":" : "", act ? act : "");
			continue;
		}
		if (strncmp(act, "continue:", 9) == 0) {
			errno = 0;
			n = strtoull(act + 9, &end, 10);
			if (errno != 0 || end == act + 9 || *end != '\0' ||
			    act[9] == '-' || n > (1ull << 50)) {
				cfg_error(errs, path, "cluster", "on_unreachable",
					  "%s: got \"%s\", expected continue:BYTES (0..%llu)",
					  cls, act + 9, 1ull << 50);
				continue;
			}
		}
		for (unsigned int i = 0; i < c->nunreachable; i++)
			if (strcmp(c->unreachable[i].tenant_class, cls) == 0) {
				cfg_error(errs, path, "cluster", "on_unreachable",
					  "class \"%s\" given twice", cls);
				cls = NULL;
				break;
			}
		if (cls == NULL)
			continue;
		if (c->nunreachable == XB_CLUSTER_CLASSES_MAX) {
			cfg_error(errs, path, "cluster", "on_unreachable",
				  "too many classes (expected at most %u)",
				  XB_CLUSTER_CLASSES_MAX);
			return;
		}
		snprintf(c->unreachable[c->nunreachable].tenant_class, 32, "%s",
			 cls);
		c->unreachable[c->nunreachable].keep_going = act[0] == 'c';
		c->unreachable[c->nunreachable].allowance = n;
		c->nunreachable++;
	}
}

/* [cluster]: present means enabled; dsn and gateway are then required. */
static void
parse_cluster(struct rte_cfgfile *f, const char *path,
	      struct xb_cluster_cfg *c, struct xb_errors *errs)
{
	const char *v;

	memset(c, 0, sizeof(*c));
	c->grant_min = 100000;      /* 0.1 MB: a few dozen large frames */
	c->grant_max = 100000000;   /* 0.1 GB */
	c->validity_s = 30;
	c->period_ms = 200;
	if (!rte_cfgfile_has_section(f, "cluster"))
		return;
	c->enabled = true;
	v = rte_cfgfile_get_entry(f, "cluster", "dsn");
	if (v == NULL)
		cfg_error(errs, path, "cluster", NULL,
			  "no dsn (expected dsn = <libpq connection string>)");
	else if (strlen(v) >= sizeof(c->dsn))
		cfg_error(errs, path, "cluster", "dsn",
			  "too long (expected at most %zu bytes)",
			  sizeof(c->dsn) - 1);
	else
		snprintf(c->dsn, sizeof(c->dsn), "%s", v);
	v = rte_cfgfile_get_entry(f, "cluster", "gateway");
	if (v == NULL) {
		cfg_error(errs, path, "cluster", NULL,
			  "no gateway (expected gateway = NAME, unique in the cluster)");
	} else {
		size_t n = strlen(v), i;

		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '-' &&
			    v[i] != '_' && v[i] != '.')
				break;
		if (n == 0 || n > 63 || i < n)
			cfg_error(errs, path, "cluster", "gateway",
				  "got \"%s\", expected 1..63 letters, digits, '-', '_' or '.'",
				  v);
		else
			snprintf(c->gateway, sizeof(c->gateway), "%s", v);
	}
	get_bytes(f, path, "grant_min", 1514, &c->grant_min, errs);
	get_bytes(f, path, "grant_max", 1514, &c->grant_max, errs);
	if (c->grant_max < c->grant_min)
		cfg_error(errs, path, "cluster", "grant_max",
			  "got %" PRIu64 ", expected at least grant_min (%" PRIu64 ")",
			  c->grant_max, c->grant_min);
	get_uint(f, path, "cluster", "validity", 2, 86400, &c->validity_s, errs);
	get_uint(f, path, "cluster", "period_ms", 10, 10000, &c->period_ms, errs);
	v = rte_cfgfile_get_entry(f, "cluster", "on_unreachable");
	if (v != NULL)
		parse_unreachable(path, v, c, errs);
}

static bool
is_pci_prefix(const char *s, size_t *len)
{
	/* DDDD:BB:DD.F or BB:DD.F */
	static const char *const shapes[] = {"xxxx:xx:xx.x", "xx:xx.x"};

	for (unsigned int i = 0; i < 2; i++) {
		const char *shape = shapes[i];
		size_t n = strlen(shape), k;

		for (k = 0; k < n; k++) {
			char c = s[k];

			if (c == '\0')
				break;
			if (shape[k] == 'x' ? !isxdigit((unsigned char)c)
					    : c != shape[k])
				break;
		}
		if (k == n && (s[n] == ':' || s[n] == '\0')) {
			*len = n;
			return true;
		}
	}
	return false;
}

int
xb_config_split_pair(const char *text, struct xb_port_pair *pair)
{
	size_t left;
	const char *colon;

	if (!is_pci_prefix(text, &left)) {
		colon = strchr(text, ':');
		if (colon == NULL)
			return -1;
		left = (size_t)(colon - text);
	}
	if (text[left] != ':' || left == 0 || left >= XB_PORT_NAME_MAX ||
	    strlen(text + left + 1) == 0 ||
	    strlen(text + left + 1) >= XB_PORT_NAME_MAX)
		return -1;
	memcpy(pair->inside, text, left);
	pair->inside[left] = '\0';
	snprintf(pair->outside, sizeof(pair->outside), "%s", text + left + 1);
	return strchr(pair->outside, ':') != NULL &&
			       !is_pci_prefix(pair->outside, &left)
		       ? -1
		       : 0;
}

unsigned int
xb_config_list(const char *path, const char *value,
	       const struct xb_config_list *l, void *ctx,
	       struct xb_errors *errs)
{
	char list[4096];
	unsigned int n = 0;
	char *p = list;

	snprintf(list, sizeof(list), "%s", value);
	if (l->auto_word != NULL)
		*l->auto_word = false;
	while (*p != '\0') {
		char *item = p;
		size_t len = strcspn(p, ",");
		const char *why = NULL;

		p += len;
		if (*p == ',')
			*p++ = '\0';
		if (len == 0)
			continue; /* nothing between two commas */
		item = trim(item);
		if (*item == '\0' && l->skip_blank)
			continue;
		if (l->auto_word != NULL && strcmp(item, "auto") == 0) {
			*l->auto_word = true;
			continue;
		}
		if (n == l->max) {
			if (l->than != NULL)
				cfg_error(errs, path, l->section, l->key,
					  "more %s (%u) than %s (%u)", l->what,
					  n + 1, l->than, l->max);
			else
				cfg_error(errs, path, l->section, l->key,
					  "too many %s (expected at most %u)",
					  l->what, l->max);
			break;
		}
		if (l->item(ctx, item, n, &why) == 0) {
			n++;
			continue;
		}
		if (l->expected == NULL)
			cfg_error(errs, path, l->section, l->key, "%s",
				  why != NULL ? why : "refused");
		else if (why == NULL)
			cfg_error(errs, path, l->section, l->key,
				  "got \"%s\", expected %s", item, l->expected);
		else
			cfg_error(errs, path, l->section, l->key,
				  "got \"%s\", expected %s (%s)", item,
				  l->expected, why);
		if (l->by_position)
			n++;
		if (l->stop_at_error)
			break;
	}
	return n;
}

/* The lists of the main config: what their items are, where they go. */
struct list_ctx {
	struct xb_config *cfg;
	const char *dir; /* of the config file: relative paths start there */
};

static int
geo_item(void *vctx, const char *item, unsigned int idx, const char **why)
{
	const struct list_ctx *c = vctx;

	*why = "path too long";
	return resolve_path(c->dir, item, c->cfg->geo[idx], PATH_MAX);
}

static int
home_net_item(void *vctx, const char *item, unsigned int idx,
	      const char **why)
{
	const struct list_ctx *c = vctx;

	return xb_prefix_parse(item, &c->cfg->home_net[idx], why);
}

static int
pair_item(void *vctx, const char *item, unsigned int idx, const char **why)
{
	const struct list_ctx *c = vctx;

	(void)why;
	return xb_config_split_pair(item, &c->cfg->pairs[idx]);
}

static int
public_item(void *vctx, const char *item, unsigned int idx,
	    const char **why)
{
	const struct list_ctx *c = vctx;

	(void)why;
	if (*item == '\0' || strlen(item) >= XB_PORT_NAME_MAX)
		return -1;
	snprintf(c->cfg->pairs[idx].public_, XB_PORT_NAME_MAX, "%s", item);
	return 0;
}

static int
mac_item(void *vctx, const char *item, unsigned int idx, const char **why)
{
	const struct list_ctx *c = vctx;
	unsigned int b[6];
	char extra;

	(void)why;
	if (sscanf(item, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &extra) != 6 ||
	    strlen(item) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		c->cfg->afxdp.macs[idx][i] = (uint8_t)b[i];
	return 0;
}

static int
addr_item(void *vctx, const char *item, unsigned int idx, const char **why)
{
	const struct list_ctx *c = vctx;
	struct xb_afxdp_host_addr *a = &c->cfg->afxdp.addrs[idx];

	(void)why;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, item, a->addr) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, item, a->addr) == 1)
		a->family = 6;
	else
		return -1;
	return 0;
}

static const struct xb_config_list geo_list = {
	.section = "tables", .key = "geo", .what = "files",
	.max = XB_MAX_GEO, .skip_blank = true, .by_position = true,
	.item = geo_item,
};
static const struct xb_config_list home_net_list = {
	.section = "general", .key = "home_net", .what = "prefixes",
	.expected = "a prefix", .max = XB_MAX_HOME_NET, .item = home_net_item,
};
static const struct xb_config_list pairs_list = {
	.section = "ports", .key = "pairs", .what = "pairs",
	.expected = "IN:OUT port names", .max = XB_MAX_PAIRS,
	.item = pair_item,
};
/* One port per pair, in the pairs' order: max is the number of pairs. */
static const struct xb_config_list public_list = {
	.section = "ports", .key = "public", .what = "ports",
	.expected = "a port name", .than = "pairs", .by_position = true,
	.item = public_item,
};
/* auto_word is set to the hosts' macs_auto / addrs_auto. */
static const struct xb_config_list macs_list = {
	.section = "afxdp", .key = "host_macs", .what = "MACs",
	.expected = "auto or a MAC such as 02:00:00:00:00:01",
	.max = XB_AFXDP_MAX_HOST, .stop_at_error = true, .item = mac_item,
};
static const struct xb_config_list addrs_list = {
	.section = "afxdp", .key = "host_addresses", .what = "addresses",
	.expected = "auto or an IPv4/IPv6 address", .max = XB_AFXDP_MAX_HOST,
	.stop_at_error = true, .item = addr_item,
};

static void
check_unknown_keys(struct rte_cfgfile *f, const char *path,
		   struct xb_errors *errs)
{
	int nsec = rte_cfgfile_num_sections(f, NULL, 0);
	char (*names)[CFG_NAME_LEN];

	if (nsec <= 0)
		return;
	names = calloc((size_t)nsec, sizeof(*names));
	if (names == NULL)
		return;
	char *ptrs[nsec];
	for (int i = 0; i < nsec; i++)
		ptrs[i] = names[i];
	rte_cfgfile_sections(f, ptrs, nsec);
	for (int i = 0; i < nsec; i++) {
		int known = -1;

		for (unsigned int s = 0; s < (unsigned int)RTE_DIM(known_keys); s++)
			if (strcmp(names[i], known_keys[s].section) == 0)
				known = (int)s;
		if (known < 0) {
			xb_errors_add(errs, path, find_line(path, names[i], NULL),
				      "unknown section [%s]", names[i]);
			continue;
		}
		int n = rte_cfgfile_section_num_entries(f, names[i]);
		if (n <= 0)
			continue;
		struct rte_cfgfile_entry entries[n];
		rte_cfgfile_section_entries(f, names[i], entries, n);
		for (int e = 0; e < n; e++) {
			bool ok = false;

			for (unsigned int k = 0; k < 16 && known_keys[known].keys[k];
			     k++)
				if (strcmp(entries[e].name,
					   known_keys[known].keys[k]) == 0)
					ok = true;
			if (!ok)
				cfg_error(errs, path, names[i], entries[e].name,
					  "unknown key");
		}
	}
	free(names);
}

static void
parse_offset(const char *path, const char *v, int32_t *out,
	     struct xb_errors *errs)
{
	int h, m;
	char sign, extra;

	if (sscanf(v, "%c%2d:%2d%c", &sign, &h, &m, &extra) != 3 ||
	    (sign != '+' && sign != '-') || h > 14 || m > 59 || h < 0 ||
	    m < 0 || strlen(v) != 6) {
		cfg_error(errs, path, "tariff", "utc_offset",
			  "got \"%s\", expected +HH:MM or -HH:MM", v);
		return;
	}
	*out = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
}

int
xb_config_load(const char *path, struct xb_config *cfg, struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);
	struct xb_ini *ini;
	struct rte_cfgfile *f;
	char dir_buf[PATH_MAX], *dir;
	struct list_ctx lc = { .cfg = cfg };
	const char *v;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	cfg->queues = 1;
	cfg->mtu = 1500;
	cfg->mbufs = 0; /* 0: sized from queues and ports */
	cfg->flow_capacity = 262144;
	cfg->tcp_timeout_s = 300;
	cfg->tcp_closed_timeout_s = 10;
	cfg->udp_timeout_s = 60;
	cfg->other_timeout_s = 30;
	cfg->non_ip_drop = false;
	cfg->frag_datagrams = 1024;
	cfg->frag_timeout_s = 2;
	cfg->utc_offset_s = 8 * 3600;
	cfg->telemetry = true;
	cfg->ipfix_active_timeout_s = 60;
	cfg->quic_decrypt_budget = 50000; /* XB_QUIC_DERIVE_BUDGET_DEFAULT */

	/* Every line's problem is recorded, and what parsed is read on. */
	ini = xb_ini_load(path, errs);
	if (ini == NULL)
		return -1;
	f = xb_ini_cfgfile(ini);
	cfg->read = true;
	snprintf(dir_buf, sizeof(dir_buf), "%s", path);
	dir = dirname(dir_buf);
	lc.dir = dir;

	check_unknown_keys(f, path, errs);

	/* [tables] */
	if (!rte_cfgfile_has_section(f, "tables")) {
		xb_errors_add(errs, path, 0, "missing section [tables]");
	} else {
		v = rte_cfgfile_get_entry(f, "tables", "geo");
		if (v != NULL)
			cfg->ngeo = xb_config_list(path, v, &geo_list, &lc,
						   errs);
		for (unsigned int t = 0; t < XB_TABLE_MAX; t++) {
			v = rte_cfgfile_get_entry(f, "tables", xb_table_keys[t]);
			if (v == NULL || v[0] == '\0')
				continue;
			if (resolve_path(dir, v, cfg->table[t], PATH_MAX) < 0)
				cfg_error(errs, path, "tables", xb_table_keys[t],
					  "path too long");
		}
	}

	/* [general] home_net */
	v = rte_cfgfile_get_entry(f, "general", "home_net");
	if (v != NULL) {
		cfg->home_net_set = true;
		cfg->nhome_net = xb_config_list(path, v, &home_net_list, &lc,
						errs);
	}

	/* [ports] */
	v = rte_cfgfile_get_entry(f, "ports", "pairs");
	if (v != NULL)
		cfg->npairs = xb_config_list(path, v, &pairs_list, &lc, errs);
	v = rte_cfgfile_get_entry(f, "ports", "public");
	if (v != NULL) {
		struct xb_config_list l = public_list;

		l.max = cfg->npairs;
		xb_config_list(path, v, &l, &lc, errs);
	}
	get_uint(f, path, "ports", "queues", 1, 64, &cfg->queues, errs);
	get_uint(f, path, "ports", "mtu", 68, 9600, &cfg->mtu, errs);
	get_uint(f, path, "ports", "mbufs", 1024, 16777216, &cfg->mbufs, errs);

	/* [flows] */
	get_uint(f, path, "flows", "capacity", 1024, 1u << 26,
		 &cfg->flow_capacity, errs);
	get_uint(f, path, "flows", "tcp_timeout", 1, 86400, &cfg->tcp_timeout_s,
		 errs);
	get_uint(f, path, "flows", "tcp_closed_timeout", 0, 3600,
		 &cfg->tcp_closed_timeout_s, errs);
	get_uint(f, path, "flows", "udp_timeout", 1, 86400, &cfg->udp_timeout_s,
		 errs);
	get_uint(f, path, "flows", "other_timeout", 1, 86400,
		 &cfg->other_timeout_s, errs);

	/* [dataplane] */
	v = rte_cfgfile_get_entry(f, "dataplane", "non_ip");
	if (v != NULL) {
		if (strcmp(v, "forward") == 0)
			cfg->non_ip_drop = false;
		else if (strcmp(v, "drop") == 0)
			cfg->non_ip_drop = true;
		else
			cfg_error(errs, path, "dataplane", "non_ip",
				  "got \"%s\", expected forward or drop", v);
	}
	/* Each datagram holds up to 8 fragments (RTE_LIBRTE_IP_FRAG_MAX_FRAG)
	 * of the RX pool while it waits: the pool grows by the worst case. */
	get_uint(f, path, "dataplane", "fragments", 16, 65536,
		 &cfg->frag_datagrams, errs);
	get_uint(f, path, "dataplane", "fragment_timeout", 1, 60,
		 &cfg->frag_timeout_s, errs);

	/* [tariff] */
	v = rte_cfgfile_get_entry(f, "tariff", "utc_offset");
	if (v != NULL)
		parse_offset(path, v, &cfg->utc_offset_s, errs);

	v = rte_cfgfile_get_entry(f, "telemetry", "enabled");
	if (v != NULL) {
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			cfg->telemetry = true;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			cfg->telemetry = false;
		else
			cfg_error(errs, path, "telemetry", "enabled",
				  "got \"%s\", expected yes or no", v);
	}
	v = rte_cfgfile_get_entry(f, "ipfix", "collector");
	if (v != NULL)
		snprintf(cfg->ipfix_collector, sizeof(cfg->ipfix_collector),
			 "%s", v);
	get_uint(f, path, "ipfix", "active_timeout", 0, 86400,
		 &cfg->ipfix_active_timeout_s, errs);
	get_uint(f, path, "names", "quic_decrypt_budget", 0, 100000000,
		 &cfg->quic_decrypt_budget, errs);
	parse_cluster(f, path, &cfg->cluster, errs);
	v = rte_cfgfile_get_entry(f, "prometheus", "listen");
	if (v != NULL)
		snprintf(cfg->prometheus_listen,
			 sizeof(cfg->prometheus_listen), "%s", v);
	v = rte_cfgfile_get_entry(f, "state", "dir");
	if (v != NULL && resolve_path(dir, v, cfg->state_dir, PATH_MAX) < 0)
		cfg_error(errs, path, "state", "dir", "path too long");
	v = rte_cfgfile_get_entry(f, "events", "file");
	if (v != NULL && resolve_path(dir, v, cfg->events_file, PATH_MAX) < 0)
		cfg_error(errs, path, "events", "file", "path too long");
	v = rte_cfgfile_get_entry(f, "events", "key");
	if (v != NULL && resolve_path(dir, v, cfg->events_key, PATH_MAX) < 0) {
		cfg_error(errs, path, "events", "key", "path too long");
	} else if (v != NULL) {
		unsigned char key[XB_CONFIG_KEY_MAX];
		char why[PATH_MAX + 128];
		size_t klen;
		bool loose;

		if (cfg->events_file[0] == '\0')
			cfg_error(errs, path, "events", "key",
				  "a key without [events] file (got key, expected file = PATH as well)");
		else if (xb_config_read_key(cfg->events_key, true, key, &klen,
					    &loose, why, sizeof(why)) < 0)
			cfg_error(errs, path, "events", "key", "%s", why);
		explicit_bzero(key, sizeof(key));
	}
	v = rte_cfgfile_get_entry(f, "flowlog", "file");
	if (v != NULL && resolve_path(dir, v, cfg->flowlog_file, PATH_MAX) < 0)
		cfg_error(errs, path, "flowlog", "file", "path too long");

	/* [afxdp]: a list given replaces "auto" unless it says auto too */
	xb_afxdp_hosts_default(&cfg->afxdp);
	v = rte_cfgfile_get_entry(f, "afxdp", "host_macs");
	if (v != NULL) {
		struct xb_config_list l = macs_list;

		l.auto_word = &cfg->afxdp.macs_auto;
		cfg->afxdp.nmacs = xb_config_list(path, v, &l, &lc, errs);
	}
	v = rte_cfgfile_get_entry(f, "afxdp", "host_addresses");
	if (v != NULL) {
		struct xb_config_list l = addrs_list;

		l.auto_word = &cfg->afxdp.addrs_auto;
		cfg->afxdp.naddrs = xb_config_list(path, v, &l, &lc, errs);
	}

	xb_ini_free(ini);
	return xb_errors_count(errs) == before ? 0 : -1;
}

/* ---- what the config names outside itself --------------------------- */

/*
 * [ipfix] collector, [prometheus] listen: HOST:PORT (port 1..65535; 0 too
 * for a listener: any free port), and the host resolves as the exporter
 * will resolve it (xb_ipfix_open, xb_prom_start: the same split, the same
 * getaddrinfo hints).
 */
/* Can a socket bind res's address (port 0)?  Only EADDRNOTAVAIL says no:
 * anything else is for the start to meet.  errno set when not. */
static bool
local_address(const struct addrinfo *res)
{
	struct sockaddr_storage ss;
	int fd, rc, e;

	if (res->ai_addrlen > sizeof(ss))
		return true;
	memcpy(&ss, res->ai_addr, res->ai_addrlen);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	else
		return true;
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	rc = bind(fd, (struct sockaddr *)&ss, res->ai_addrlen);
	e = errno;
	close(fd);
	errno = e;
	return rc == 0 || e != EADDRNOTAVAIL;
}

static void
check_hostport(const struct xb_config *cfg, const char *section,
	       const char *key, const char *v, bool listener,
	       struct xb_errors *errs)
{
	struct addrinfo hints = {
		.ai_socktype = listener ? SOCK_STREAM : SOCK_DGRAM,
		.ai_flags = listener ? AI_PASSIVE : 0,
	};
	struct addrinfo *res = NULL;
	char host[128], port[16];
	int rc;

	if ((listener ? xb_hostport_split_listen(v, host, sizeof(host), port,
						  sizeof(port))
		      : xb_hostport_split(v, host, sizeof(host), port,
					  sizeof(port), 0)) < 0) {
		cfg_error(errs, cfg->path, section, key,
			  listener ? "got \"%s\", expected PORT, HOST:PORT or [IPv6]:PORT with a port of 0..65535"
				   : "got \"%s\", expected HOST:PORT or [IPv6]:PORT with a port of 1..65535",
			  v);
		return;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		cfg_error(errs, cfg->path, section, key,
			  "got \"%s\", expected a host that resolves (%s)", v,
			  rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return;
	}
	/* A listener binds the first address: is it one of this host's?
	 * Bound with port 0 (any), so the configured port stays free. */
	if (listener && !local_address(res)) {
		cfg_error(errs, cfg->path, section, key,
			  "got \"%s\", expected an address of this host (%s)",
			  v, strerror(errno));
	}
	freeaddrinfo(res);
}

/*
 * Can directory dir be used (created when missing)?  0, or -1 with *why
 * set.  A directory that exists must be one, and writable; a missing one
 * needs its nearest existing parent to be a writable directory.  With
 * create, the missing levels are made (0750), parents first.
 */
static int
dir_usable(const char *dir, bool create, char *why, size_t whylen)
{
	char p[PATH_MAX];
	struct stat st;
	size_t len;
	char *slash;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p)) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	if (stat(p, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(why, whylen, "%s: not a directory", p);
			return -1;
		}
		if (access(p, W_OK | X_OK) != 0) {
			snprintf(why, whylen, "%s: %s", p, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT && errno != ENOTDIR) {
		snprintf(why, whylen, "%s: %s", p, strerror(errno));
		return -1;
	}
	/* Missing (or under a file): find the nearest level that exists. */
	for (;;) {
		char parent[PATH_MAX];

		slash = strrchr(p, '/');
		if (slash == NULL)
			snprintf(parent, sizeof(parent), ".");
		else if (slash == p)
			snprintf(parent, sizeof(parent), "/");
		else
			snprintf(parent, sizeof(parent), "%.*s",
				 (int)(slash - p), p);
		if (stat(parent, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				snprintf(why, whylen, "%s: not a directory",
					 parent);
				return -1;
			}
			if (access(parent, W_OK | X_OK) != 0) {
				snprintf(why, whylen, "%s: %s", parent,
					 strerror(errno));
				return -1;
			}
			break;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(why, whylen, "%s: %s", parent,
				 strerror(errno));
			return -1;
		}
		if (slash == NULL || slash == p)
			break;
		*slash = '\0';
	}
	if (!create)
		return 0;
	/* mkdir -p */
	snprintf(p, sizeof(p), "%s", dir);
	for (char *q = p + 1;; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		char c = *q;

		*q = '\0';
		if (mkdir(p, 0750) < 0 && errno != EEXIST) {
			snprintf(why, whylen, "%s: %s", p, strerror(errno));
			return -1;
		}
		*q = c;
		if (c == '\0')
			break;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void
check_log_file(const struct xb_config *cfg, const char *section,
	       const char *path, bool create, struct xb_errors *errs)
{
	char buf[PATH_MAX], why[PATH_MAX + 64];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	if (dir_usable(dirname(buf), create, why, sizeof(why)) < 0) {
		cfg_error(errs, cfg->path, section, "file",
			  "got \"%s\", expected a file in a directory that exists or can be created (%s)",
			  path, why);
		return;
	}
	if (stat(path, &st) != 0)
		return; /* created at start (append) */
	if (!S_ISREG(st.st_mode))
		cfg_error(errs, cfg->path, section, "file",
			  "got \"%s\", expected a file (not a directory or device)",
			  path);
	else if (access(path, R_OK | W_OK) != 0)
		cfg_error(errs, cfg->path, section, "file",
			  "got \"%s\", expected a file that can be read and appended to (%s)",
			  path, strerror(errno));
}

int
xb_config_check_env(const struct xb_config *cfg, enum xb_config_mode mode,
		    struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);
	bool create = mode == XB_CONFIG_START;
	char why[PATH_MAX + 64];

	if (cfg->ipfix_collector[0] != '\0')
		check_hostport(cfg, "ipfix", "collector", cfg->ipfix_collector,
			       false, errs);
	if (cfg->prometheus_listen[0] != '\0')
		check_hostport(cfg, "prometheus", "listen",
			       cfg->prometheus_listen, true, errs);
	if (cfg->state_dir[0] != '\0' &&
	    dir_usable(cfg->state_dir, create, why, sizeof(why)) < 0)
		cfg_error(errs, cfg->path, "state", "dir",
			  "got \"%s\", expected a writable directory that exists or can be created (%s)",
			  cfg->state_dir, why);
	if (cfg->events_file[0] != '\0')
		check_log_file(cfg, "events", cfg->events_file, create, errs);
	if (cfg->flowlog_file[0] != '\0')
		check_log_file(cfg, "flowlog", cfg->flowlog_file, create, errs);
	return xb_errors_count(errs) == before ? 0 : -1;
}

int
xb_config_read_key(const char *path, bool strict, unsigned char *key,
		   size_t *len, bool *loose, char *why, size_t whylen)
{
	struct stat st;
	size_t got = 0;
	int fd;

	*len = 0;
	*loose = false;
	why[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s: cannot read the key: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		*loose = true;
		snprintf(why, whylen,
			 "%s: group or others may access the key (mode %04o, expected 0600 or 0400: chmod 600 %s)",
			 path, (unsigned int)(st.st_mode & 07777), path);
		if (strict) {
			close(fd);
			return -1;
		}
	}
	while (got < XB_CONFIG_KEY_MAX) {
		ssize_t r = read(fd, key + got, XB_CONFIG_KEY_MAX - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whylen, "%s: cannot read the key: %s",
				 path, strerror(errno));
			close(fd);
			explicit_bzero(key, got);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got == XB_CONFIG_KEY_MAX) {
		char extra;

		if (read(fd, &extra, 1) == 1) {
			snprintf(why, whylen,
				 "%s: key too long (got more than %u bytes, expected %u..%u)",
				 path, XB_CONFIG_KEY_MAX, XB_CONFIG_KEY_MIN,
				 XB_CONFIG_KEY_MAX);
			close(fd);
			explicit_bzero(key, got);
			return -1;
		}
	}
	close(fd);
	if (got < XB_CONFIG_KEY_MIN) {
		snprintf(why, whylen,
			 "%s: key too short (got %zu bytes, expected %u..%u, e.g. head -c 32 /dev/urandom > %s)",
			 path, got, XB_CONFIG_KEY_MIN, XB_CONFIG_KEY_MAX, path);
		explicit_bzero(key, got);
		return -1;
	}
	*len = got;
	return 0;
}
