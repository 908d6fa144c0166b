/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_afxdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "xb_log.h"
#include "xb_port.h"

struct afxdp_port {
	struct xb_afxdp_stats id; /* counters unused here */
	int counters_fd;
};

static struct afxdp_port ports[XB_MAX_PORTS_AFXDP];
static unsigned int nports;

static const char *const counter_names[XBGW_XDP_COUNTERS] = {
	[XBGW_XDP_TO_XSK] = "to_xsk",
	[XBGW_XDP_TO_KERNEL] = "to_kernel",
	[XBGW_XDP_HOST_MAC] = "host_mac",
	[XBGW_XDP_HOST_IP] = "host_ip",
	[XBGW_XDP_HOST_ARP] = "host_arp",
	[XBGW_XDP_HOST_ND] = "host_nd",
	[XBGW_XDP_NO_XSK] = "no_socket",
};

const char *
xb_afxdp_counter_name(unsigned int idx)
{
	return idx < XBGW_XDP_COUNTERS ? counter_names[idx] : "?";
}

void
xb_afxdp_hosts_default(struct xb_afxdp_hosts *h)
{
	memset(h, 0, sizeof(*h));
	h->macs_auto = true;
	h->addrs_auto = true;
}

bool
xb_afxdp_is_port(uint16_t port)
{
	struct rte_eth_dev_info dev;

	return rte_eth_dev_info_get(port, &dev) == 0 &&
	       dev.driver_name != NULL &&
	       strcmp(dev.driver_name, "net_af_xdp") == 0;
}

static int
put_mac(int fd, const uint8_t mac[6])
{
	struct xbgw_mac_key k;
	uint8_t one = 1;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, mac, 6);
	return bpf_map_update_elem(fd, &k, &one, BPF_ANY);
}

static int
put_addr(int fd, uint8_t family, const void *addr)
{
	struct xbgw_addr_key k;
	uint8_t one = 1;

	memset(&k, 0, sizeof(k));
	k.family = family;
	memcpy(k.addr, addr, family == 4 ? 4 : 16);
	return bpf_map_update_elem(fd, &k, &one, BPF_ANY);
}

/* The interface's own addresses ("auto"). */
static int
put_iface_addrs(int fd, const char *iface, unsigned int *n)
{
	struct ifaddrs *all, *a;
	int rc = 0;

	if (getifaddrs(&all) != 0)
		return -errno;
	for (a = all; a != NULL && rc == 0; a = a->ifa_next) {
		if (a->ifa_addr == NULL || strcmp(a->ifa_name, iface) != 0)
			continue;
		if (a->ifa_addr->sa_family == AF_INET) {
			rc = put_addr(fd, 4,
				      &((struct sockaddr_in *)(void *)a->ifa_addr)
					       ->sin_addr);
			(*n)++;
		} else if (a->ifa_addr->sa_family == AF_INET6) {
			rc = put_addr(fd, 6,
				      &((struct sockaddr_in6 *)(void *)a->ifa_addr)
					       ->sin6_addr);
			(*n)++;
		}
	}
	freeifaddrs(all);
	return rc;
}

int
xb_afxdp_attach(uint16_t port, const struct xb_afxdp_hosts *h, char *err,
		size_t errlen)
{
	struct rte_eth_dev_info dev;
	struct bpf_prog_info pinfo;
	uint32_t map_ids[16], plen = sizeof(pinfo), prog_id = 0;
	int prog_fd, macs_fd = -1, addrs_fd = -1, counters_fd = -1, rc;
	unsigned int nmac = 0, naddr = 0;
	struct afxdp_port *p;
	char iface[IF_NAMESIZE];

	if (!xb_afxdp_is_port(port))
		return 1;
	if (nports == XB_MAX_PORTS_AFXDP) {
		snprintf(err, errlen, "too many AF_XDP ports (at most %d)",
			 XB_MAX_PORTS_AFXDP);
		return -1;
	}
	rc = rte_eth_dev_info_get(port, &dev);
	if (rc != 0 || dev.if_index == 0 ||
	    if_indextoname(dev.if_index, iface) == NULL) {
		snprintf(err, errlen, "port %u: AF_XDP port without an interface",
			 port);
		return -1;
	}
	rc = bpf_xdp_query_id((int)dev.if_index, 0, &prog_id);
	if (rc != 0 || prog_id == 0) {
		snprintf(err, errlen, "port %u (%s): no XDP program attached%s%s",
			 port, iface, rc != 0 ? ": " : "",
			 rc != 0 ? strerror(-rc) : "");
		return -1;
	}
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0) {
		snprintf(err, errlen,
			 "port %u (%s): cannot open XDP program %u: %s (needs CAP_SYS_ADMIN / CAP_BPF)",
			 port, iface, prog_id, strerror(errno));
		return -1;
	}
	memset(&pinfo, 0, sizeof(pinfo));
	pinfo.nr_map_ids = (uint32_t)RTE_DIM(map_ids);
	pinfo.map_ids = (uint64_t)(uintptr_t)map_ids;
	rc = bpf_obj_get_info_by_fd(prog_fd, &pinfo, &plen);
	close(prog_fd);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): XDP program %u: %s", port,
			 iface, prog_id, strerror(errno));
		return -1;
	}
	if (strncmp(pinfo.name, XBGW_XDP_PROG_PREFIX,
		    strlen(XBGW_XDP_PROG_PREFIX)) != 0) {
		snprintf(err, errlen,
			 "port %u (%s): the attached XDP program is \"%s\", not xbgw's "
			 "(give the vdev xdp_prog=<share/xbgw/xbgw_xdp.o>, or detach "
			 "the other program: ip link set dev %s xdp off)",
			 port, iface, pinfo.name, iface);
		return -1;
	}
	for (uint32_t i = 0; i < pinfo.nr_map_ids && i < RTE_DIM(map_ids); i++) {
		struct bpf_map_info minfo;
		uint32_t mlen = sizeof(minfo);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		if (bpf_obj_get_info_by_fd(fd, &minfo, &mlen) == 0) {
			if (strcmp(minfo.name, XBGW_XDP_MAP_HOST_MACS) == 0) {
				macs_fd = fd;
				continue;
			}
			if (strcmp(minfo.name, XBGW_XDP_MAP_HOST_ADDRS) == 0) {
				addrs_fd = fd;
				continue;
			}
			if (strcmp(minfo.name, XBGW_XDP_MAP_COUNTERS) == 0) {
				counters_fd = fd;
				continue;
			}
		}
		close(fd);
	}
	if (macs_fd < 0 || addrs_fd < 0 || counters_fd < 0) {
		snprintf(err, errlen,
			 "port %u (%s): XDP program \"%s\" lacks the maps %s, %s, %s "
			 "(an older xbgw_xdp.o?)",
			 port, iface, pinfo.name, XBGW_XDP_MAP_HOST_MACS,
			 XBGW_XDP_MAP_HOST_ADDRS, XBGW_XDP_MAP_COUNTERS);
		rc = -1;
		goto out;
	}
	rc = 0;
	if (h->macs_auto) {
		struct rte_ether_addr mac;

		if (rte_eth_macaddr_get(port, &mac) == 0) {
			rc = put_mac(macs_fd, mac.addr_bytes);
			nmac++;
		}
	}
	for (unsigned int i = 0; rc == 0 && i < h->nmacs; i++, nmac++)
		rc = put_mac(macs_fd, h->macs[i]);
	if (rc == 0 && h->addrs_auto)
		rc = put_iface_addrs(addrs_fd, iface, &naddr);
	for (unsigned int i = 0; rc == 0 && i < h->naddrs; i++, naddr++)
		rc = put_addr(addrs_fd, h->addrs[i].family, h->addrs[i].addr);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): cannot fill the host maps: %s",
			 port, iface, strerror(rc < 0 ? -rc : errno));
		rc = -1;
		goto out;
	}
	p = &ports[nports++];
	memset(p, 0, sizeof(*p));
	p->id.port = port;
	snprintf(p->id.iface, sizeof(p->id.iface), "%s", iface);
	snprintf(p->id.prog, sizeof(p->id.prog), "%s", pinfo.name);
	p->id.prog_id = prog_id;
	p->counters_fd = counters_fd;
	counters_fd = -1;
	XB_LOG(NOTICE, "port %u (%s): XDP program %s (id %u): %u host MAC(s), %u host address(es) go to the kernel\n",
		port, iface, pinfo.name, prog_id, nmac, naddr);
out:
	close(macs_fd);
	close(addrs_fd);
	if (counters_fd >= 0)
		close(counters_fd);
	return rc;
}

unsigned int
xb_afxdp_nports(void)
{
	return nports;
}

int
xb_afxdp_read(unsigned int i, struct xb_afxdp_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();

	if (i >= nports || ncpu <= 0 || ncpu > 1024)
		return -1;
	uint64_t vals[ncpu];

	*out = ports[i].id;
	for (uint32_t k = 0; k < XBGW_XDP_COUNTERS; k++) {
		out->c[k] = 0;
		if (bpf_map_lookup_elem(ports[i].counters_fd, &k, vals) != 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			out->c[k] += vals[c];
	}
	return 0;
}

void
xb_afxdp_release(void)
{
	for (unsigned int i = 0; i < nports; i++)
		close(ports[i].counters_fd);
	nports = 0;
}
