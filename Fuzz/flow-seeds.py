#!/usr/bin/env python3
"""Seeds for fuzz-detectors and fuzz-tls from real captures: each flow's opening in the input
format of fuzz-detectors (see Fuzz/Sources/FuzzDetectors), and each TLS/DTLS flow's client and
server streams in the input format of fuzz-tls. Reads classic pcap files with Ethernet or raw IP
links (others are skipped); only the first packets of each flow are kept.

usage: flow-seeds.py DETECTOR_DIR TLS_DIR DETECTOR_COUNT CAPTURE...
"""
import pathlib
import struct
import sys

PROTOCOLS = [6, 17, 1, 58, 47, 50, 4, 41, 115]   # the order of `protocols` in FuzzDetectors.swift


def packets(path):
    data = path.read_bytes()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        endian = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        endian = '>'
    else:
        return
    link = struct.unpack(endian + 'I', data[20:24])[0]
    offset = 24
    while offset + 16 <= len(data):
        captured = struct.unpack(endian + 'I', data[offset + 8:offset + 12])[0]
        frame = data[offset + 16:offset + 16 + captured]
        offset += 16 + captured
        if link == 1 and len(frame) >= 14:
            kind, ip = struct.unpack('>H', frame[12:14])[0], frame[14:]
            if kind == 0x8100 and len(frame) >= 18:
                kind, ip = struct.unpack('>H', frame[16:18])[0], frame[18:]
            if kind not in (0x0800, 0x86DD):
                continue
        elif link in (101, 12):
            ip = frame
        else:
            continue
        parsed = ip_packet(ip)
        if parsed:
            yield parsed


def ip_packet(ip):
    if not ip:
        return None
    version = ip[0] >> 4
    if version == 4 and len(ip) >= 20:
        header, proto, src, dst = (ip[0] & 15) * 4, ip[9], ip[12:16], ip[16:20]
        if struct.unpack('>H', ip[6:8])[0] & 0x1FFF:
            return None   # a later fragment
    elif version == 6 and len(ip) >= 40:
        header, proto, src, dst = 40, ip[6], ip[8:24], ip[24:40]
    else:
        return None
    body = ip[header:]
    sport = dport = 0
    flags = 0
    if proto == 6 and len(body) >= 20:
        sport, dport = struct.unpack('>HH', body[:4])
        flags = body[13]
        body = body[(body[12] >> 4) * 4:]
    elif proto == 17 and len(body) >= 8:
        sport, dport = struct.unpack('>HH', body[:4])
        body = body[8:]
    return proto, (src, sport), (dst, dport), flags, body, version == 6


def main():
    detector_dir, tls_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    detector_count = int(sys.argv[3])
    flows = {}
    order = []
    for path in sys.argv[4:]:
        for proto, a, b, flags, body, v6 in packets(pathlib.Path(path)):
            key = (path, proto) + tuple(sorted([a, b]))
            if key not in flows:
                flows[key] = {'proto': proto, 'initiator': a, 'responder': b, 'v6': v6, 'packets': []}
                order.append(key)
            flow = flows[key]
            if len(flow['packets']) < 16:
                flow['packets'].append((a != flow['initiator'], flags, body[:600]))
    seeds = 0
    per_capture = {}
    for index, key in enumerate(order):
        flow = flows[key]
        if flow['proto'] not in PROTOCOLS or not any(body for _, _, body in flow['packets']):
            continue
        # A few flows of each capture: the variety is across captures.
        per_capture[key[0]] = per_capture.get(key[0], 0) + 1
        if per_capture[key[0]] > 4:
            continue
        record = bytearray([index % (detector_count + 1), PROTOCOLS.index(flow['proto'])])
        record += struct.pack('>HH', flow['responder'][1], flow['initiator'][1]) + bytes([1 if flow['v6'] else 0])
        for reverse, flags, body in flow['packets']:
            record += bytes([(1 if reverse else 0) | ((flags & 0x3F) << 2)]) + struct.pack('>H', len(body)) + body
        (detector_dir / f'flow-{seeds}').write_bytes(bytes(record))
        seeds += 1
        streams = [b''.join(body for reverse, _, body in flow['packets'] if reverse == side) for side in (False, True)]
        if streams[0][:1] == b'\x16':
            datagram = 0 if flow['proto'] == 6 else 1
            (tls_dir / f'client-{seeds}').write_bytes(bytes([datagram]) + streams[0][:4096])
            if streams[1][:1] == b'\x16':
                (tls_dir / f'server-{seeds}').write_bytes(bytes([datagram | 2]) + streams[1][:4096])
        if seeds >= 600:
            break


if __name__ == '__main__':
    main()
