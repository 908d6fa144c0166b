/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main configuration file (INI, DPDK's rte_cfgfile dialect).
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
 *   [tables]     geo = FILE[,FILE..], countries, tenants, tenant_prefixes,
 *                categories, approvals, category_rules, domains, qos,
 *                tariffs, bands (paths relative to the config file)
 *   [tariff]     utc_offset = +08:00
 *   [telemetry]  enabled = yes|no
 *   [ipfix]      collector = HOST:PORT
 *   [prometheus] listen = PORT (loopback) | HOST:PORT | [IPv6]:PORT
 *   [state]      dir = PATH
 *   [events]     file = PATH
 *   [afxdp]      host_macs = auto|MAC[,..], host_addresses = auto|ADDR[,..]
 *                (frames for these stay with the kernel; default auto:
 *                the AF_XDP interface's own MAC and addresses)
 *
 * Thread safety: control plane only.
 */
#ifndef XB_CONFIG_H
#define XB_CONFIG_H

#include <limits.h>
#include <stdbool.h>
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

struct xb_config {
	char path[PATH_MAX];
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
	/* [tariff] */
	int32_t utc_offset_s;
	/* exports */
	bool telemetry;
	char ipfix_collector[128];
	uint32_t ipfix_active_timeout_s; /* interim records of long flows */
	char prometheus_listen[128];
	char state_dir[PATH_MAX];
	char events_file[PATH_MAX];
	/* [afxdp] */
	struct xb_afxdp_hosts afxdp;
};

/*
 * Load and validate the main config.  Every problem is recorded in errs as
 * "file:line: message"; returns 0 when there was none, -1 otherwise.
 */
int xb_config_load(const char *path, struct xb_config *cfg,
		   struct xb_errors *errs);

/* Split "IN:OUT" where either side may be a PCI address holding colons. */
int xb_config_split_pair(const char *text, struct xb_port_pair *pair);

#endif /* XB_CONFIG_H */
