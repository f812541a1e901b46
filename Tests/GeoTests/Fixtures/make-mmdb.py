#!/usr/bin/env python3
"""Writes a small MaxMind DB file (format 2.0, "MaxMind DB File Format Specification") for the
Geo tests: an IPv4 tree with 24-bit records mapping a few documentation prefixes to a country
and an autonomous system, as GeoLite2-Country and GeoLite2-ASN files do.

    make-mmdb.py OUT.mmdb
"""
import struct
import sys


def control(kind, size):
    """A field's control byte, then the extended type byte (types above 7), then any size bytes:
    sizes under 29 fit in the control byte; 29 adds one byte holding size - 29."""
    assert size < 285
    low, extra = (size, b"") if size < 29 else (29, bytes([size - 29]))
    if kind <= 7:
        return bytes([(kind << 5) | low]) + extra
    return bytes([low, kind - 7]) + extra


KINDS = {"uint16": 5, "uint32": 6, "uint64": 9}


def encode(value):
    if isinstance(value, tuple):  # ("uint16", 2): an integer of a given type, as metadata needs
        kind, number = value
        data = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
        return control(KINDS[kind], len(data)) + data
    if isinstance(value, str):
        data = value.encode()
        return control(2, len(data)) + data
    if isinstance(value, bool):
        return control(14, int(value))
    if isinstance(value, int):
        data = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
        kind = 6 if value < 2**32 else 9
        return control(kind, len(data)) + data
    if isinstance(value, dict):
        out = control(7, len(value))
        for key, item in value.items():
            out += encode(key) + encode(item)
        return out
    if isinstance(value, list):
        out = control(11, len(value))
        for item in value:
            out += encode(item)
        return out
    raise TypeError(value)


def build(entries, database_type):
    # Data section: each distinct record once.
    data = b""
    offsets = []
    for _, record in entries:
        offsets.append(len(data))
        data += encode(record)
    # Binary trie over the 32 address bits; leaves point into the data section.
    nodes = [[None, None]]
    for index, (cidr, _) in enumerate(entries):
        address, length = cidr.split("/")
        bits = struct.unpack("!I", bytes(map(int, address.split("."))))[0]
        node = 0
        for depth in range(int(length)):
            bit = (bits >> (31 - depth)) & 1
            if depth == int(length) - 1:
                nodes[node][bit] = ("data", offsets[index])
            else:
                if not isinstance(nodes[node][bit], int):
                    nodes.append([None, None])
                    nodes[node][bit] = len(nodes) - 1
                node = nodes[node][bit]
    count = len(nodes)

    def record(value):
        if value is None:
            return count                     # "no data"
        if isinstance(value, int):
            return value                     # another node
        return count + 16 + value[1]         # data pointer: past the 16-byte separator

    tree = b""
    for left, right in nodes:
        tree += record(left).to_bytes(3, "big") + record(right).to_bytes(3, "big")
    metadata = {
        "binary_format_major_version": ("uint16", 2), "binary_format_minor_version": ("uint16", 0),
        "build_epoch": ("uint64", 1763942400), "database_type": database_type,
        "description": {"en": "circuit-audit test database"}, "ip_version": ("uint16", 4), "languages": ["en"],
        "node_count": ("uint32", count), "record_size": ("uint16", 24),
    }
    return tree + b"\x00" * 16 + data + b"\xab\xcd\xefMaxMind.com" + encode(metadata)


if __name__ == "__main__":
    entries = [
        ("203.0.113.0/25", {"country": {"iso_code": "HK"}, "autonomous_system_number": 10099,
                            "autonomous_system_organization": "China Unicom Global"}),
        ("36.110.0.0/16", {"country": {"iso_code": "CN"}, "autonomous_system_number": 4134,
                             "autonomous_system_organization": "CHINANET-BACKBONE"}),
        ("192.0.2.0/24", {"registered_country": {"iso_code": "DE"}}),
    ]
    with open(sys.argv[1], "wb") as handle:
        handle.write(build(entries, "circuit-audit-Test-Country-ASN"))
