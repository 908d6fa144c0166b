# SPDX-License-Identifier: BSD-3-Clause
"""QUIC v1 client Initials made by hand, for the QUIC evasion tests
(issue 15): the Initial key schedule (RFC 9001 5.2: HKDF-SHA256 from the
client's Destination Connection ID), AES-128-GCM payload protection and
AES-128-ECB header protection (RFC 9001 5.3, 5.4), CRYPTO frames at any
offsets, coalesced packets, junk.

The key schedule is checked against RFC 9001 Appendix A (keys, and the
header protection mask of A.2) when the module is imported, so a test
never runs on wrong crypto.  Needs python3-cryptography (AES); HKDF is
the standard library's HMAC.
"""
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import craft

V1 = 0x00000001
SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand_label(secret, label, length):
    """TLS 1.3 HKDF-Expand-Label with an empty context."""
    full = b"tls13 " + label.encode()
    info = struct.pack("!HB", length, len(full)) + full + b"\0"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def initial_keys(dcid):
    """(key, iv, hp) of the client's Initial packets for DCID dcid (v1)."""
    secret = hkdf_expand_label(hkdf_extract(SALT_V1, dcid), "client in", 32)
    return (hkdf_expand_label(secret, "quic key", 16),
            hkdf_expand_label(secret, "quic iv", 12),
            hkdf_expand_label(secret, "quic hp", 16))


def hp_mask(hp, sample):
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    return enc.update(sample) + enc.finalize()


def _self_check():
    """RFC 9001 A.1 keys and the A.2 header protection mask."""
    key, iv, hp = initial_keys(bytes.fromhex("8394c8f03e515708"))
    assert key.hex() == "1f369613dd76d5467730efcbe3b1a22d", key.hex()
    assert iv.hex() == "fa044b2f42a3fd3b46fb255c", iv.hex()
    assert hp.hex() == "9f50449e04a0e810283a1e9933adedd2", hp.hex()
    mask = hp_mask(hp, bytes.fromhex("d1b1c98dd7689fb8ec11d242b123dc9b"))
    assert mask[:5].hex() == "437b9aec36", mask.hex()


_self_check()


def varint(v):
    """QUIC variable-length integer, shortest form."""
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack("!H", 0x4000 | v)
    if v < 0x40000000:
        return struct.pack("!I", 0x80000000 | v)
    return struct.pack("!Q", 0xc000000000000000 | v)


def crypto_frame(off, data):
    return b"\x06" + varint(off) + varint(len(data)) + data


def hello(sni, **kw):
    """A ClientHello handshake message (what QUIC's CRYPTO stream holds)."""
    return craft.client_hello_body(sni, **kw)


def initial(dcid, frames, pn=0, size=1200, scid=b"", token=b"",
            corrupt=False):
    """A protected v1 client Initial of exactly size bytes (at least what
    its frames need) with frames (bytes) then PADDING; 4-byte packet
    number.  corrupt: flip a ciphertext bit (fails authentication)."""
    key, iv, hp = initial_keys(dcid)
    head = (bytes([0xc3]) + struct.pack("!I", V1) + bytes([len(dcid)]) +
            dcid + bytes([len(scid)]) + scid + varint(len(token)) + token)
    hlen = len(head) + 2 + 4  # 2-byte Length varint, 4-byte pn
    plen = max(size - hlen - 16, len(frames))
    payload = frames + bytes(plen - len(frames))
    hdr = head + struct.pack("!H", 0x4000 | (4 + plen + 16)) + \
        struct.pack("!I", pn)
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    ct = AESGCM(key).encrypt(nonce, payload, hdr)
    if corrupt:
        ct = ct[:20] + bytes([ct[20] ^ 1]) + ct[21:]
    pn_off = len(head) + 2
    pkt = bytearray(hdr + ct)
    mask = hp_mask(hp, bytes(pkt[pn_off + 4:pn_off + 20]))
    pkt[0] ^= mask[0] & 0x0f
    for i in range(4):
        pkt[pn_off + i] ^= mask[1 + i]
    return bytes(pkt)


def hello_initial(dcid, sni, size=1200, **kw):
    """One Initial carrying a whole ClientHello for sni at CRYPTO offset 0."""
    return initial(dcid, crypto_frame(0, hello(sni)), size=size, **kw)


def split_initials(dcid, sni, parts=3, pad_to=None):
    """The ClientHello of sni cut into parts CRYPTO ranges, one Initial
    each (packet numbers 0..parts-1), in stream order."""
    hs = hello(sni, pad_to=pad_to)
    step = (len(hs) + parts - 1) // parts
    return [initial(dcid, crypto_frame(i * step, hs[i * step:(i + 1) * step]),
                    pn=i)
            for i in range(parts)]


def new_dcid():
    return os.urandom(8)


def junk(size=200, long_header=False):
    """A datagram that is no client Initial: random bytes, with a first
    byte of a short header (or of a long header of no known version)."""
    b = bytearray(os.urandom(size))
    if long_header:
        b[0] = 0xc0
        b[1:5] = b"\x1a\x2a\x3a\x4a"
    else:
        b[0] = 0x40 | (b[0] & 0x3f)
    return bytes(b)


def short_header(size=60):
    """A 1-RTT packet as either side sends after the handshake."""
    return bytes([0x40 | 0x01]) + os.urandom(size - 1)
