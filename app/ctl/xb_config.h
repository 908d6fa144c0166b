/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main configuration file (INI, DPDK's rte_cfgfile dialect, read by
 * xb_ini.h: every line's problem reported, a byte order mark accepted).
 *
 * Sections and keys (all optional but [tables]):
 *   [general]    home_net = PREFIX[,PREFIX..]   domestic side (default:
 *                RFC 1918, RFC 4193 and every tenant prefix)
 *   [ports]      pairs = IN:OUT[,IN:OUT..], queues = N, mtu = BYTES,
 *                mbufs = N, public = PORT[,PORT..] (the public-path egress
 *                of each pair, in order; without it both actions leave by
 *                OUT)
 *   [flows]      capacity = N (per worker), tcp_timeout, tcp_closed_timeout,
 *                udp_timeout, other_timeout (seconds)
 *   [dataplane]  non_ip = forward|drop (frames that are not IP after every
 *                encapsulation: forwarded untouched, or dropped as not_ip;
 *                both counted), fragments = N (IP datagrams in reassembly
 *                per worker), fragment_timeout = S (seconds a datagram's
 *                fragments wait for the rest)
 *   [tables]     geo = FILE[,FILE..], countries, tenants, tenant_prefixes,
 *                categories, approvals, category_rules, domains, qos,
 *                tariffs, bands (paths relative to the config file)
 *   [tariff]     utc_offset = +08:00
 *   [telemetry]  enabled = yes|no
 *   [ipfix]      collector = HOST:PORT
 *   [prometheus] listen = PORT (loopback) | HOST:PORT | [IPv6]:PORT
 *   [state]      dir = PATH
 *   [events]     file = PATH, key = FILE (HMAC key of the event log: the
 *                file's bytes, 32..4096 of them, mode 0600 or stricter)
 *   [flowlog]    file = PATH (the flow log, appended; --flow-log
 *                overrides it)
 *   [afxdp]      host_macs = auto|MAC[,..], host_addresses = auto|ADDR[,..]
 *                (frames for these stay with the kernel; default auto:
 *                the AF_XDP interface's own MAC and addresses)
 *   [cluster]    dsn = libpq connection string, gateway = NAME, grant_min,
 *                grant_max = BYTES, validity = S, period_ms = MS,
 *                on_unreachable = CLASS:terminate|CLASS:continue:BYTES[,..]
 *                (app/ctl/CLUSTER.md; without [cluster] a gateway stands
 *                alone)
 *
 * Thread safety: control plane only.
 */
#ifndef XB_CONFIG_H
#define XB_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_afxdp.h"
#include "xb_errors.h"
#include "xb_prefix.h"

#define XB_MAX_PAIRS 8
#define XB_MAX_GEO 16
#define XB_MAX_HOME_NET 64
#define XB_PORT_NAME_MAX 64

enum xb_table_id {
	XB_TABLE_COUNTRIES,
	XB_TABLE_TENANTS,
	XB_TABLE_TENANT_PREFIXES,
	XB_TABLE_CATEGORIES,
	XB_TABLE_APPROVALS,
	XB_TABLE_CATEGORY_RULES,
	XB_TABLE_DOMAINS,
	XB_TABLE_QOS,
	XB_TABLE_TARIFFS,
	XB_TABLE_BANDS,
	XB_TABLE_MAX
};

extern const char *const xb_table_keys[XB_TABLE_MAX];

struct xb_port_pair {
	char inside[XB_PORT_NAME_MAX];
	char outside[XB_PORT_NAME_MAX]; /* the dedicated channel */
	char public_[XB_PORT_NAME_MAX]; /* [ports] public: "" = none */
};

#define XB_CLUSTER_CLASSES_MAX 16

/* [cluster]: several gateways as one channel (app/ctl/CLUSTER.md). */
struct xb_cluster_cfg {
	bool enabled;        /* the section is there */
	char dsn[1024];      /* libpq connection string (several hosts allowed) */
	char gateway[64];    /* this gateway's name in the cluster */
	uint64_t grant_min;  /* bytes per grant request, at least */
	uint64_t grant_max;  /* bytes per grant request, at most */
	uint32_t validity_s; /* a gateway silent this long loses its reservations */
	uint32_t period_ms;  /* heartbeat, shares and ledger cadence */
	/* on_unreachable per tenant class; a class not listed: terminate */
	struct {
		char tenant_class[32];
		bool keep_going;     /* continue:<bytes> */
		uint64_t allowance;  /* bytes per gateway and outage */
	} unreachable[XB_CLUSTER_CLASSES_MAX];
	unsigned int nunreachable;
};

struct xb_config {
	char path[PATH_MAX];
	bool read; /* the file was read: what parsed of it is set below */
	/* [tables]: resolved paths; empty string = table not configured */
	char geo[XB_MAX_GEO][PATH_MAX];
	unsigned int ngeo;
	char table[XB_TABLE_MAX][PATH_MAX];
	/* [general] */
	struct xb_prefix home_net[XB_MAX_HOME_NET];
	unsigned int nhome_net;
	bool home_net_set; /* false: defaults + tenant prefixes */
	/* [ports] */
	struct xb_port_pair pairs[XB_MAX_PAIRS];
	unsigned int npairs;
	unsigned int queues;
	unsigned int mtu;
	unsigned int mbufs;
	/* [flows] */
	uint32_t flow_capacity;
	uint32_t tcp_timeout_s, tcp_closed_timeout_s, udp_timeout_s,
		other_timeout_s;
	/* [dataplane] */
	bool non_ip_drop;
	uint32_t frag_datagrams;
	uint32_t frag_timeout_s;
	/* [tariff] */
	int32_t utc_offset_s;
	/* exports */
	bool telemetry;
	char ipfix_collector[128];
	uint32_t ipfix_active_timeout_s; /* interim records of long flows */
	char prometheus_listen[128];
	char state_dir[PATH_MAX];
	char events_file[PATH_MAX];
	char events_key[PATH_MAX]; /* "" = lines carry no hmac */
	char flowlog_file[PATH_MAX]; /* [flowlog] file, "" = none */
	/* [afxdp] */
	struct xb_afxdp_hosts afxdp;
	/* [names] quic_decrypt_budget: QUIC Initial key schedules per second
	 * per worker (xb_name_set_quic_budget), 0 = no limit; default
	 * 50,000.  Beyond it new QUIC flows are `unnamed`. */
	uint32_t quic_decrypt_budget;
	struct xb_cluster_cfg cluster;
};

/*
 * Load and validate the main config.  Every problem is recorded in errs as
 * "file:line: message"; returns 0 when there was none, -1 otherwise.
 * Whatever parsed is set in cfg even then (cfg->read: the file could be
 * read at all), so the tables whose paths parsed can still be checked.
 * Reads only the file: what it names is xb_config_check_env()'s.
 */
int xb_config_load(const char *path, struct xb_config *cfg,
		   struct xb_errors *errs);

/* Size limits of an HMAC key file, bytes. */
#define XB_CONFIG_KEY_MIN 32
#define XB_CONFIG_KEY_MAX 4096

/*
 * Read an HMAC key file ([events] key, --events-key): a regular file of
 * XB_CONFIG_KEY_MIN..XB_CONFIG_KEY_MAX bytes, used as they are (a trailing
 * newline is part of the key).  A file group or others may read or write
 * is refused when strict (the live config), only reported in *why with
 * *loose set otherwise (an auditor's copy).  Returns 0 with the key in
 * key[0..*len), or -1 with the reason in why.  key must hold
 * XB_CONFIG_KEY_MAX bytes; the caller wipes it after use.  Any thread.
 */
int xb_config_read_key(const char *path, bool strict, unsigned char *key,
		       size_t *len, bool *loose, char *why, size_t whylen);

/*
 * What the config names outside itself, as a start will use it, short of
 * binding ports: [ipfix] collector and [prometheus] listen parse as
 * HOST:PORT (xb_hostport.h) and their host resolves; [state] dir and the
 * directory of [events] file exist or can be created (every missing
 * level), and are writable; [events] file, when it exists, is a file that
 * can be read and appended to.  Each problem is recorded in errs as
 * "file:line: [section] key: got X, expected Y (why)", the same message
 * in either mode.  XB_CONFIG_CHECK (--check-config) creates nothing: a
 * directory to be created needs its nearest existing parent writable;
 * XB_CONFIG_START creates the missing directories (mkdir -p, mode 0750).
 * Returns 0, or -1 when anything was recorded.  Control plane only.
 */
enum xb_config_mode {
	XB_CONFIG_CHECK,
	XB_CONFIG_START,
};
int xb_config_check_env(const struct xb_config *cfg, enum xb_config_mode mode,
			struct xb_errors *errs);

/* Split "IN:OUT" where either side may be a PCI address holding colons. */
int xb_config_split_pair(const char *text, struct xb_port_pair *pair);

/*
 * A comma-separated list value of the main config: [tables] geo, [general]
 * home_net, [ports] pairs and public, [afxdp] host_macs and host_addresses
 * are each read with xb_config_list() and one such description.
 */
struct xb_config_list {
	const char *section, *key; /* messages: "file:line: [section] key: " */
	const char *what;          /* the items, plural ("files", "prefixes") */
	/* A refused item is reported as "got \"<item>\", expected <expected>"
	 * followed by " (<why>)" when the item function gives a reason; with
	 * no expected, as the reason alone. */
	const char *expected;
	/*
	 * At most max items take a place; one more is an error that ends the
	 * list: "too many <what> (expected at most <max>)", or, when than is
	 * set (the list must not outrun another one), "more <what> (<n>) than
	 * <than> (<max>)".
	 */
	unsigned int max;
	const char *than;
	bool skip_blank;    /* an item of blanks only is skipped, not parsed */
	bool by_position;   /* a bad item takes its place too (items go to
			     * places by position) */
	bool stop_at_error; /* the first bad item ends the list */
	/* Non-NULL: the word "auto" is allowed anywhere in the list and takes
	 * no place; *auto_word says whether the list had it. */
	bool *auto_word;
	/*
	 * Parse one item (trimmed, NUL-terminated) into place idx (0 ..
	 * max - 1) of whatever ctx holds.  Returns 0, or -1 when the item is
	 * refused, optionally with a reason in *why (a static string).
	 */
	int (*item)(void *ctx, const char *item, unsigned int idx,
		    const char **why);
};

/*
 * Read value (at most 4095 bytes are looked at) as the list l describes:
 * items are separated by commas, trimmed of blanks, and nothing between
 * two commas (or before the first, after the last) is no item; each item
 * goes to l->item, and each problem is recorded in errs as
 * "path:line: [section] key: ...", path being the config file (the line
 * of the key is looked up there).  Returns the number of places taken.
 */
unsigned int xb_config_list(const char *path, const char *value,
			    const struct xb_config_list *l, void *ctx,
			    struct xb_errors *errs);

#endif /* XB_CONFIG_H */
