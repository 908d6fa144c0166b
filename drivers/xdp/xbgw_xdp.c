/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbgw's XDP steering program for AF_XDP ports (kernel-owned NICs).
 *
 * Frames addressed to the host itself stay with the kernel (management
 * SSH, routing daemons, ARP/ND for the host's addresses): destination MAC
 * in xbgw_host_macs, destination IPv4/IPv6 (or the address an ARP request
 * or IPv6 neighbour solicitation asks for) in xbgw_host_addrs.  Everything
 * else is transit traffic of the bump in the wire and goes to xbgw's
 * AF_XDP socket on the RX queue it arrived on; when no socket is bound
 * there (xbgw stopped) it falls back to the kernel.  Frames too short to
 * parse go to xbgw, which counts them as malformed.
 *
 * Every read is bounds-checked against data_end (the verifier insists).
 * Build: clang -O2 -g -target bpf -c xbgw_xdp.c (drivers/meson.build).
 */
#include <linux/bpf.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xbgw_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XBGW_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XBGW_XDP_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} xbgw_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XBGW_XDP_MAX_HOST_MACS);
	__type(key, struct xbgw_mac_key);
	__type(value, __u8);
} xbgw_host_macs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XBGW_XDP_MAX_HOST_ADDRS);
	__type(key, struct xbgw_addr_key);
	__type(value, __u8);
} xbgw_host_addrs SEC(".maps");

/* ARP for Ethernet/IPv4 (linux/if_arp.h drags in libc headers). */
struct xbgw_arp_ipv4 {
	__be16 ar_hrd, ar_pro;
	__u8 ar_hln, ar_pln;
	__be16 ar_op;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
} __attribute__((packed));

struct xbgw_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline void
count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&xbgw_counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline int
to_kernel(__u32 reason)
{
	count(reason);
	count(XBGW_XDP_TO_KERNEL);
	return XDP_PASS;
}

static __always_inline int
host_addr(__u8 family, const void *addr, __u32 len)
{
	struct xbgw_addr_key k = {.family = family};

	__builtin_memcpy(k.addr, addr, len == 4 ? 4 : 16);
	return bpf_map_lookup_elem(&xbgw_host_addrs, &k) != NULL;
}

SEC("xdp")
int
xbgw_xdp_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xbgw_mac_key mk = {};
	void *l3;
	__u16 proto;
	int act;

	if ((void *)(eth + 1) > end)
		goto xsk;
	__builtin_memcpy(mk.addr, eth->h_dest, ETH_ALEN);
	if (bpf_map_lookup_elem(&xbgw_host_macs, &mk))
		return to_kernel(XBGW_XDP_HOST_MAC);
	proto = eth->h_proto;
	l3 = eth + 1;
	/* Up to two VLAN tags (802.1Q / QinQ). */
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct xbgw_vlan_hdr *vh = l3;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			goto xsk;
		proto = vh->proto;
		l3 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			goto xsk;
		if (host_addr(4, &ip->daddr, 4))
			return to_kernel(XBGW_XDP_HOST_IP);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			goto xsk;
		if (host_addr(6, &ip6->daddr, 16))
			return to_kernel(XBGW_XDP_HOST_IP);
		/* Neighbour solicitation (to a solicited-node multicast
		 * address) for a host address: ICMPv6 right after the fixed
		 * header, the target 8 bytes into the message. */
		if (ip6->nexthdr == IPPROTO_ICMPV6) {
			__u8 *icmp = (__u8 *)(ip6 + 1);

			if ((void *)(icmp + 24) > end)
				goto xsk;
			if (icmp[0] == 135 && host_addr(6, icmp + 8, 16))
				return to_kernel(XBGW_XDP_HOST_ND);
		}
	} else if (proto == bpf_htons(ETH_P_ARP)) {
		struct xbgw_arp_ipv4 *arp = l3;

		if ((void *)(arp + 1) > end)
			goto xsk;
		if (arp->ar_pro == bpf_htons(ETH_P_IP) && arp->ar_pln == 4 &&
		    host_addr(4, arp->tpa, 4))
			return to_kernel(XBGW_XDP_HOST_ARP);
	}
xsk:
	act = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	if (act == XDP_REDIRECT)
		count(XBGW_XDP_TO_XSK);
	else
		to_kernel(XBGW_XDP_NO_XSK);
	return act;
}

char _license[] SEC("license") = "Dual BSD/GPL";
