/*
 * gen-capture: writes a large synthetic Ethernet capture (classic pcap, microsecond
 * timestamps) for benchmarks. Deterministic: the same arguments always give the same bytes,
 * so runs on different days and machines read identical input.
 *
 *   gen-capture OUT PACKETS FLOWS [SEED]
 *
 * Traffic model (each flow's shape comes from a hash of the seed and its number):
 *   - 80% IPv4 / 20% IPv6, 70% TCP / 30% UDP, 10% of flows tagged 802.1Q (one VLAN each).
 *   - Flows start evenly spread through the capture. Every other packet goes to one of the
 *     256 newest flows (new connections are busy), the rest to any flow already started, so
 *     old flows keep getting packets and all FLOWS flows are live at the end.
 *   - TCP opens with SYN, SYN-ACK, ACK; sequence and acknowledgement numbers follow the
 *     bytes sent. No FIN or RST is ever sent, so no flow ends before the capture does.
 *   - Sizes by flow kind: TCP bulk (full-size frames one way, bare ACKs back), TCP
 *     interactive (60..600), UDP DNS (query then response), UDP QUIC-like (1200+ one way,
 *     small back), UDP tunnel-like (100..1400). Frames are 60..1514 bytes (+4 when tagged);
 *     short frames are zero-padded to the Ethernet minimum as on the wire.
 *   - Payloads look like what such traffic carries, so dissecting tools take their normal
 *     paths rather than error paths: TCP segments are TLS application-data records, DNS
 *     messages are well formed, UDP/443 is QUIC short-header, tunnels carry WireGuard data
 *     or ESP-in-UDP headers. Everything else in a payload is pseudo-random bytes.
 *   - Timestamps strictly increase by 1..99 us (mean 50 us): 5M packets span about four
 *     minutes, far inside any idle timeout.
 * IPv4, TCP and UDP checksums are all valid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { TCP_BULK, TCP_INTERACTIVE, UDP_DNS, UDP_QUIC, UDP_TUNNEL };

/* Per-flow state: what the flow is, plus the counters that make its packets consistent. */
struct flow {
    uint32_t sent;          /* packets so far */
    uint32_t sent_in[2];    /* packets so far per direction (ESP and WireGuard counters) */
    uint32_t seq[2];        /* next TCP sequence number: [0] client->server, [1] server->client */
    uint16_t ip_id[2];      /* next IPv4 identification per direction */
    uint16_t client_port;
    uint16_t server_port;
    uint16_t vlan;          /* 0 = untagged */
    uint8_t kind;
    uint8_t ipv6;
    uint32_t server;        /* which server in a pool of 4096 */
    uint32_t flow_label;    /* IPv6 flow label */
};

/* splitmix64: a small, fast generator whose output is fixed by its seed. */
static uint64_t splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t hash64(uint64_t x) { return splitmix(&x); }

static uint64_t rng;
static uint32_t uniform(uint32_t lo, uint32_t hi) { return lo + (uint32_t)(splitmix(&rng) % (hi - lo + 1)); }
static int chance(unsigned percent) { return splitmix(&rng) % 100 < percent; }

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static uint16_t ipv4_checksum(const uint8_t *h) {
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint64_t parse_count(const char *text, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v == 0 || text[0] == '-') {
        fprintf(stderr, "gen-capture: %s must be a positive integer, not '%s'\n", what, text);
        exit(64);
    }
    return v;
}

static void make_flow(struct flow *f, uint64_t index, uint64_t seed) {
    uint64_t h = hash64(seed ^ (index * 0x100000001b3ULL));
    uint64_t h2 = hash64(h);
    memset(f, 0, sizeof *f);
    f->ipv6 = h % 100 < 20;
    int tcp = (h >> 8) % 100 < 70;
    unsigned k = (h >> 16) % 100;
    if (tcp) f->kind = k < 60 ? TCP_BULK : TCP_INTERACTIVE;
    else f->kind = k < 40 ? UDP_DNS : k < 75 ? UDP_QUIC : UDP_TUNNEL;
    f->vlan = (h >> 24) % 100 < 10 ? (uint16_t)(1 + (h >> 32) % 4094) : 0;
    f->client_port = (uint16_t)(32768 + (h2 % 28232));
    static const uint16_t interactive[] = {443, 993, 5228, 8443}; /* all TLS */
    switch (f->kind) {
    case TCP_BULK: f->server_port = 443; break;
    case TCP_INTERACTIVE: f->server_port = interactive[(h2 >> 16) % 4]; break;
    case UDP_DNS: f->server_port = 53; break;
    case UDP_QUIC: f->server_port = 443; break;
    default: f->server_port = (h2 >> 16) % 100 < 70 ? 51820 : 4500; break; /* WireGuard, IPsec NAT-T */
    }
    f->server = (uint32_t)((h2 >> 32) % 4096);
    f->seq[0] = (uint32_t)hash64(h2);
    f->seq[1] = (uint32_t)hash64(h2 + 1);
    f->ip_id[0] = (uint16_t)(h2 >> 8);
    f->ip_id[1] = (uint16_t)(h2 >> 24);
    f->flow_label = (uint32_t)(h >> 40) & 0xfffff;
}

/* A public-looking IPv4 server address: first octet 1..223, never 10 or 127. */
static uint32_t server_ipv4(uint32_t server, uint64_t seed) {
    uint64_t h = hash64(seed ^ 0x5e4e4ULL ^ ((uint64_t)server << 20));
    uint32_t first = 1 + h % 223;
    if (first == 10 || first == 127) first++;
    return first << 24 | ((uint32_t)(h >> 8) & 0xffffff);
}

/* Ones'-complement sum of big-endian 16-bit words, folded later by the caller. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum) {
    for (; n > 1; p += 2, n -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
    if (n) sum += (uint32_t)(p[0] << 8);
    return sum;
}

static uint16_t fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* A DNS query for the flow's own name, or its response with `answers` address records.
 * Returns the message length. */
static uint32_t dns_message(uint8_t *p, uint64_t index, uint64_t seed, uint32_t exchange,
                            int response, unsigned answers, int ipv6) {
    uint64_t h = hash64(seed ^ 0xd115ULL ^ (index << 8));
    put16(p, (uint16_t)(h + exchange));              /* ID, shared by query and response */
    put16(p + 2, response ? 0x8180 : 0x0100);        /* standard query, recursion desired */
    put16(p + 4, 1);
    put16(p + 6, response ? answers : 0);
    put16(p + 8, 0);
    put16(p + 10, 0);
    uint32_t off = 12;
    /* <3..18 letters>.<3..10 letters>.com|net|cn */
    unsigned lengths[2] = {3 + h % 16, 3 + (h >> 4) % 8};
    for (int l = 0; l < 2; l++) {
        p[off++] = (uint8_t)lengths[l];
        for (unsigned i = 0; i < lengths[l]; i++) p[off++] = (uint8_t)('a' + (h >> (8 + i + 7 * l)) % 26);
    }
    static const char *tlds[] = {"com", "net", "cn"};
    const char *tld = tlds[(h >> 40) % 3];
    p[off++] = (uint8_t)strlen(tld);
    memcpy(p + off, tld, strlen(tld));
    off += (uint32_t)strlen(tld);
    p[off++] = 0;
    uint16_t qtype = ipv6 ? 28 : 1;                  /* AAAA or A */
    put16(p + off, qtype);
    put16(p + off + 2, 1);                           /* IN */
    off += 4;
    for (unsigned a = 0; response && a < answers; a++) {
        uint16_t rdlength = ipv6 ? 16 : 4;
        put16(p + off, 0xc00c);                      /* name: pointer to the question */
        put16(p + off + 2, qtype);
        put16(p + off + 4, 1);
        put32(p + off + 6, 300);
        put16(p + off + 10, rdlength);
        off += 12;
        for (unsigned i = 0; i < rdlength; i++) p[off++] = (uint8_t)splitmix(&rng);
    }
    return off;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s OUT PACKETS FLOWS [SEED]\n", argv[0]);
        return 64;
    }
    const char *path = argv[1];
    uint64_t packets = parse_count(argv[2], "PACKETS");
    uint64_t flow_count = parse_count(argv[3], "FLOWS");
    uint64_t seed = argc == 5 ? strtoull(argv[4], NULL, 10) : 1;
    if (flow_count > packets || flow_count > 16000000) {
        fprintf(stderr, "gen-capture: FLOWS must be at most PACKETS and at most 16000000\n");
        return 64;
    }
    rng = seed;

    struct flow *flows = calloc(flow_count, sizeof *flows);
    if (!flows) { perror("gen-capture: calloc"); return 1; }

    /* Payload bytes are copied from a block of noise, at an offset that moves per packet. */
    static uint8_t noise[8192 + 1600];
    for (size_t i = 0; i < sizeof noise; i++) noise[i] = (uint8_t)splitmix(&rng);

    FILE *out = fopen(path, "wb");
    if (!out) { fprintf(stderr, "gen-capture: %s: %s\n", path, strerror(errno)); return 1; }
    static char buffer[1 << 22];
    setvbuf(out, buffer, _IOFBF, sizeof buffer);

    /* pcap file header, native byte order (readers detect it from the magic). */
    uint32_t file_header[6] = {0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, 1 /* LINKTYPE_ETHERNET */};
    fwrite(file_header, sizeof file_header, 1, out);

    static const uint8_t gateway_mac[6] = {0x02, 0x47, 0x57, 0x00, 0x00, 0x01};
    uint64_t ts_usec = 1700000000ULL * 1000000ULL;
    uint64_t started = 0, total_bytes = 0, count_v6 = 0, count_udp = 0, count_vlan = 0;
    uint8_t frame[1600], app[1600];

    for (uint64_t n = 0; n < packets; n++) {
        /* Pick the flow: start the next one when its turn comes, else an already-started one. */
        uint64_t index;
        if (started < flow_count && n >= started * packets / flow_count) {
            index = started++;
            make_flow(&flows[index], index, seed);
        } else if (chance(50)) {
            uint64_t window = started < 256 ? started : 256;
            index = started - 1 - splitmix(&rng) % window;
        } else {
            index = splitmix(&rng) % started;
        }
        struct flow *f = &flows[index];
        int is_tcp = f->kind == TCP_BULK || f->kind == TCP_INTERACTIVE;
        size_t ip_len = f->ipv6 ? 40 : 20, l4_len = is_tcp ? 20 : 8;
        uint32_t max_payload = (uint32_t)(1500 - ip_len - l4_len);

        /* Direction (0 = client->server) and payload size, by flow kind and position. */
        int dir = 0;
        uint32_t payload = 0;
        uint8_t tcp_flags = 0x10; /* ACK */
        switch (f->kind) {
        case TCP_BULK:
        case TCP_INTERACTIVE:
            if (f->sent == 0) { dir = 0; tcp_flags = 0x02; }              /* SYN */
            else if (f->sent == 1) { dir = 1; tcp_flags = 0x12; }         /* SYN-ACK */
            else if (f->sent == 2) { dir = 0; }                           /* ACK */
            else if (f->kind == TCP_BULK) {
                unsigned r = uniform(0, 99);
                if (r < 65) { dir = 1; payload = max_payload; tcp_flags = 0x18; }
                else if (r < 70) { dir = 0; payload = uniform(100, 600); tcp_flags = 0x18; }
                else dir = 0;                                             /* bare ACK */
            } else {
                dir = chance(50);
                payload = chance(20) ? 0 : uniform(6, 540);
                if (payload) tcp_flags = 0x18;
            }
            break;
        case UDP_DNS:
            dir = f->sent % 2;
            payload = dns_message(app, index, seed, f->sent / 2, dir, uniform(1, 8), f->ipv6);
            break;
        case UDP_QUIC:
            if (f->sent == 0) { dir = 0; payload = 1200; }
            else if (chance(70)) { dir = 1; payload = uniform(1200, 1350); }
            else { dir = 0; payload = uniform(20, 60); }
            break;
        default:
            dir = chance(50);
            payload = uniform(100, 1400);
            break;
        }
        if (payload > max_payload) payload = max_payload;

        /* Ethernet (and the 802.1Q tag). Client MAC is unique per flow, the peer is the gateway. */
        uint8_t client_mac[6] = {0x02, 0x00, (uint8_t)(index >> 24), (uint8_t)(index >> 16),
                                 (uint8_t)(index >> 8), (uint8_t)index};
        memcpy(frame, dir ? client_mac : gateway_mac, 6);
        memcpy(frame + 6, dir ? gateway_mac : client_mac, 6);
        size_t off = 12;
        if (f->vlan) {
            put16(frame + off, 0x8100);
            put16(frame + off + 2, f->vlan);
            off += 4;
            count_vlan++;
        }
        put16(frame + off, f->ipv6 ? 0x86dd : 0x0800);
        off += 2;

        /* IP header. Clients are numbered by flow; servers come from a shared pool. */
        uint8_t *ip = frame + off;
        uint8_t proto = is_tcp ? 6 : 17;
        uint32_t ip_payload = (uint32_t)l4_len + payload;
        if (f->ipv6) {
            uint8_t client[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0xc1};
            uint8_t server[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x5e};
            put32(client + 12, (uint32_t)index + 1);
            put32(server + 12, f->server + 1);
            put32(ip, 6u << 28 | f->flow_label);
            put16(ip + 4, (uint16_t)ip_payload);
            ip[6] = proto;
            ip[7] = dir ? 57 : 64;
            memcpy(ip + 8, dir ? server : client, 16);
            memcpy(ip + 24, dir ? client : server, 16);
            count_v6++;
        } else {
            uint32_t client = 0x0a000000u | (((uint32_t)index + 1) & 0xffffff);
            uint32_t server = server_ipv4(f->server, seed);
            ip[0] = 0x45;
            ip[1] = 0;
            put16(ip + 2, (uint16_t)(20 + ip_payload));
            put16(ip + 4, f->ip_id[dir]++);
            put16(ip + 6, 0x4000); /* DF */
            ip[8] = dir ? 57 : 64;
            ip[9] = proto;
            put16(ip + 10, 0);
            put32(ip + 12, dir ? server : client);
            put32(ip + 16, dir ? client : server);
            put16(ip + 10, ipv4_checksum(ip));
        }
        off += ip_len;

        /* Transport header. */
        uint8_t *l4 = frame + off;
        put16(l4, dir ? f->server_port : f->client_port);
        put16(l4 + 2, dir ? f->client_port : f->server_port);
        if (is_tcp) {
            put32(l4 + 4, f->seq[dir]);
            put32(l4 + 8, tcp_flags == 0x02 ? 0 : f->seq[!dir]);
            l4[12] = 5 << 4;
            l4[13] = tcp_flags;
            put16(l4 + 14, 64240);
            put16(l4 + 16, 0);
            put16(l4 + 18, 0);
            f->seq[dir] += payload + ((tcp_flags & 0x02) ? 1 : 0);
        } else {
            put16(l4 + 4, (uint16_t)ip_payload);
            put16(l4 + 6, 0);
            count_udp++;
        }
        off += l4_len;

        /* Application payload: random bytes under the header the port promises. */
        uint8_t *data = frame + off;
        uint32_t per_direction = (uint32_t)hash64(seed ^ index ^ (uint64_t)dir << 40);
        memcpy(data, noise + (n * 131) % 8192, payload);
        switch (f->kind) {
        case UDP_DNS:
            memcpy(data, app, payload);
            break;
        case UDP_QUIC:
            data[0] = 0x40 | (data[0] & 0x3f);                    /* 1-RTT short header */
            break;
        case UDP_TUNNEL:
            if (f->server_port == 51820) {                        /* WireGuard transport data */
                put32(data, 0x04000000);
                memcpy(data + 4, &per_direction, 4);
                uint64_t counter = f->sent_in[dir];
                memcpy(data + 8, &counter, 8);                    /* little-endian counter */
            } else {                                              /* ESP: SPI, sequence */
                put32(data, per_direction | 0x100);
                put32(data + 4, f->sent_in[dir] + 1);
            }
            break;
        default:                                                  /* TLS application data */
            if (payload) {
                data[0] = 0x17;
                put16(data + 1, 0x0303);
                put16(data + 3, (uint16_t)(payload - 5));
            }
            break;
        }
        off += payload;

        /* Transport checksum over the pseudo-header, the transport header and the payload. */
        uint32_t sum = proto + ip_payload;
        sum = f->ipv6 ? sum16(ip + 8, 32, sum) : sum16(ip + 12, 8, sum);
        uint16_t checksum = fold(sum16(l4, ip_payload, sum));
        if (is_tcp) put16(l4 + 16, checksum);
        else put16(l4 + 6, checksum ? checksum : 0xffff);       /* 0 means "none" in UDP */

        /* Pad short frames to the Ethernet minimum (60 bytes without FCS, 64 when tagged). */
        size_t minimum = f->vlan ? 64 : 60;
        if (off < minimum) {
            memset(frame + off, 0, minimum - off);
            off = minimum;
        }

        ts_usec += uniform(1, 99);
        uint32_t record[4] = {(uint32_t)(ts_usec / 1000000), (uint32_t)(ts_usec % 1000000),
                              (uint32_t)off, (uint32_t)off};
        fwrite(record, sizeof record, 1, out);
        fwrite(frame, 1, off, out);
        total_bytes += off;
        f->sent++;
        f->sent_in[dir]++;
    }

    if (ferror(out) || fclose(out) != 0) {
        fprintf(stderr, "gen-capture: writing %s failed: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(stderr,
            "gen-capture: %s: %llu packets, %llu flows, %llu frame bytes (mean %.0f); "
            "%.1f%% IPv6, %.1f%% UDP, %.1f%% VLAN-tagged packets\n",
            path, (unsigned long long)packets, (unsigned long long)flow_count,
            (unsigned long long)total_bytes, (double)total_bytes / packets,
            100.0 * count_v6 / packets, 100.0 * count_udp / packets, 100.0 * count_vlan / packets);
    free(flows);
    return 0;
}
