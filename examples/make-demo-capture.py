#!/usr/bin/env python3
"""Writes examples/gateway/traffic.pcap: the example gateway's traffic, built packet by packet
from the protocols' specifications (WireGuard whitepaper §5.4, RFC 8446 ClientHello, RFC 7296
IKEv2, RFC 7348 VXLAN, RFC 2784 GRE). Deterministic: the same bytes every run.

Only headers and the protocol messages detection needs; payloads are pseudo-random filler.
"""
import os
import random
import struct
import sys

rng = random.Random(2026)
packets = []
clock = [1_763_960_400.0]  # 2025-11-24T05:00:00Z


def filler(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def ipv4(src, dst, proto, payload, ident=[1]):
    ident[0] += 1
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident[0] & 0xFFFF, 0, 64, proto, 0,
                         bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return header + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, payload=b"", flags=0x18, seq=1):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 0x50, flags, 65535, 0, 0) + payload


def frame(ip_packet):
    return bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip_packet


def emit(ip_packet, gap=0.01):
    clock[0] += gap
    packets.append((clock[0], frame(ip_packet)))


def wireguard_handshake(client, cport, server, sport):
    sender = rng.getrandbits(32)
    emit(ipv4(client, server, 17, udp(cport, sport, b"\x01\x00\x00\x00" + struct.pack("<I", sender) + filler(140))))
    emit(ipv4(server, client, 17, udp(sport, cport, b"\x02\x00\x00\x00" + struct.pack("<II", rng.getrandbits(32), sender) + filler(80))))
    for counter in range(3):
        emit(ipv4(client, server, 17, udp(cport, sport, b"\x04\x00\x00\x00" + struct.pack("<IQ", 7, counter) + filler(64))))


def client_hello(server_name):
    def ext(kind, body):
        return struct.pack("!HH", kind, len(body)) + body
    name = server_name.encode()
    extensions = ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    extensions += ext(16, struct.pack("!H", 3) + b"\x02h2") + ext(43, b"\x04\x03\x04\x03\x03")
    body = b"\x03\x03" + filler(32) + b"\x00" + struct.pack("!H", 4) + b"\x13\x01\xc0\x2b" + b"\x01\x00"
    body += struct.pack("!H", len(extensions)) + extensions
    handshake = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def tls_session(client, cport, server, name):
    emit(ipv4(client, server, 6, tcp(cport, 443, flags=0x02)))
    emit(ipv4(server, client, 6, tcp(443, cport, flags=0x12)))
    emit(ipv4(client, server, 6, tcp(cport, 443, client_hello(name))))
    emit(ipv4(server, client, 6, tcp(443, cport, b"\x16\x03\x03" + struct.pack("!H", 60) + filler(60))))


def ike_sa_init(client, server):
    spi = rng.getrandbits(64) | 1
    body = filler(200)
    header = struct.pack("!QQBBBBII", spi, 0, 33, 0x20, 34, 0x08, 0, 28 + len(body))
    emit(ipv4(client, server, 17, udp(500, 500, header + body)))
    reply = struct.pack("!QQBBBBII", spi, rng.getrandbits(64), 33, 0x20, 34, 0x20, 0, 28 + len(body))
    emit(ipv4(server, client, 17, udp(500, 500, reply + body)))


def vxlan(local, remote, inner_src, inner_dst):
    inner = bytes.fromhex("0200000000aa0200000000bb0800") + ipv4(inner_src, inner_dst, 17, udp(40000, 53, filler(30)))
    for _ in range(3):
        emit(ipv4(local, remote, 17, udp(rng.randrange(49152, 65535), 4789, b"\x08\x00\x00\x00\x00\x01\x2c\x00" + inner)))


def gre(local, remote, inner_src, inner_dst):
    for _ in range(3):
        emit(ipv4(local, remote, 47, b"\x00\x00\x08\x00" + ipv4(inner_src, inner_dst, 1, b"\x08\x00\x00\x00\x00\x01\x00\x01" + filler(32))))


def vxlan_tls_upload(local, remote, inner_src, inner_dst, server_name, segments):
    """One VXLAN flow (fixed source port) carrying an inner TLS session: handshake, then
    `segments` full-size records from the client."""
    def carry(inner_ip):
        emit(ipv4(local, remote, 17, udp(49500, 4789, b"\x08\x00\x00\x00\x00\x01\x2c\x00" + bytes.fromhex("0200000000aa0200000000bb0800") + inner_ip)), gap=0.001)
    carry(ipv4(inner_src, inner_dst, 6, tcp(54000, 443, flags=0x02)))
    carry(ipv4(inner_dst, inner_src, 6, tcp(443, 54000, flags=0x12)))
    carry(ipv4(inner_src, inner_dst, 6, tcp(54000, 443, client_hello(server_name))))
    carry(ipv4(inner_dst, inner_src, 6, tcp(443, 54000, b"\x16\x03\x03" + struct.pack("!H", 60) + filler(60))))
    for index in range(segments):
        record = b"\x17\x03\x03" + struct.pack("!H", 1395) + filler(1395)
        carry(ipv4(inner_src, inner_dst, 6, tcp(54000, 443, record, seq=2 + index * 1400)))


GATEWAY = "198.51.100.2"
# Self-built WireGuard to the Frankfurt HQ (declared in wg0.conf).
wireguard_handshake(GATEWAY, 51820, "203.0.113.7", 51820)
# The gateway's own WireGuard service, reached by twelve unrelated outside addresses.
for index in range(12):
    wireguard_handshake(f"100.{64 + index}.{index}.{9 + index}".replace("100.", "45."), 40000 + index, GATEWAY, 51821)
# IKEv2 to the Singapore data centre.
ike_sa_init("198.51.100.3", "203.0.113.70")
# VXLAN to the SD-WAN vendor's head-end, GRE over the approved CTG line, GRE to Beijing.
vxlan("198.51.100.4", "192.0.2.130", "10.1.5.5", "10.200.0.53")
gre("198.51.100.5", "192.0.2.70", "10.1.0.20", "10.70.0.20")
gre("198.51.100.6", "192.0.2.10", "10.1.0.21", "10.10.0.21")
# An employee laptop behind the gateway: a NordVPN app over TLS, and WireGuard to Cloudflare WARP.
tls_session("10.1.0.50", 51000, "185.93.3.114", "nl812.nordvpn.com")
wireguard_handshake("10.1.0.51", 52000, "162.159.193.5", 2408)
# Ordinary web browsing, which is no circuit.
tls_session("10.1.0.60", 53000, "93.184.216.34", "www.example.com")
# Over the SD-WAN VXLAN, on which no data transfer is declared: an inside host uploads about
# 1 MB over TLS to an object-storage bucket (an undeclared-transfer candidate; the audit reads
# only the server name, port and byte count).
vxlan_tls_upload("198.51.100.4", "192.0.2.130", "10.1.5.6", "10.200.0.80", "example-trading-archive.s3.eu-central-1.amazonaws.com", 760)

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "gateway", "traffic.pcap")
with open(out, "wb") as handle:
    handle.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for timestamp, data in packets:
        seconds = int(timestamp)
        micros = int(round((timestamp - seconds) * 1e6))
        handle.write(struct.pack("<IIII", seconds, micros, len(data), len(data)) + data)
print(f"{out}: {len(packets)} packets")
