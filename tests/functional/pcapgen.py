# SPDX-License-Identifier: BSD-3-Clause
"""Tiny pcap writer for functional tests (valid IPv4/IPv6 UDP/TCP frames)."""
import ipaddress
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_frame(src, dst, sport, dport, payload=b"xbgw", dscp=0, size=None):
    """An Ethernet/IP/UDP frame; size pads the payload to that frame size."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    hdr = 14 + (20 if s.version == 4 else 40) + 8
    if size is not None and size > hdr + len(payload):
        payload = payload + b"\0" * (size - hdr - len(payload))
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if s.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, dscp << 2, 20 + len(udp), 1, 0,
                         64, 17, 0, s.packed, d.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00"
    else:
        ip = struct.pack("!IHBB16s16s", (6 << 28) | (dscp << 22), len(udp), 17,
                         64, s.packed, d.packed)
        eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x86\xdd"
    return eth + ip + udp


def write_pcap(path, frames):
    """frames: list of (timestamp_ns, bytes); returns path."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
        for ts, fr in frames:
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(fr), len(fr)))
            f.write(fr)
    return path


# Classic pcap magic, as a file's first 4 bytes: its byte order and the
# nanoseconds in a unit of its timestamps' fraction.
MAGIC = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\x4d\x3c\xb2\xa1": ("<", 1),
         b"\xa1\xb2\xc3\xd4": (">", 1000), b"\xa1\xb2\x3c\x4d": (">", 1)}


def read_pcap(path):
    """A classic pcap (either byte order, us or ns), read without libpcap:
    (its 24-byte file header, [(ts_ns, frame), ...])."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] not in MAGIC:
        raise ValueError("%s: not a classic pcap" % path)
    e, scale = MAGIC[data[:4]]
    records, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        records.append((sec * 10**9 + frac * scale,
                        data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return data[:24], records


def read_frames(path):
    """The frames of a classic pcap, in order (see read_pcap)."""
    return [fr for _, fr in read_pcap(path)[1]]
