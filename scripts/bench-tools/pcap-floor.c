/*
 * pcap-floor: the physical floor for reading a capture through libpcap.
 *
 * A bare pcap_next_ex loop that only counts packets and bytes, so any tool built on libpcap
 * can be compared with the least work reading the same file can take. Accepts several files
 * (pcap or pcapng) and sums over them.
 *
 *   pcap-floor FILE...
 *   prints: "<packets> packets <bytes> bytes <seconds> seconds"
 *
 * Exits 1 if a file cannot be opened or is damaged; the counts read up to then still print.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 64;
    }
    uint64_t packets = 0, bytes = 0;
    int status = 0;
    double start = now_seconds();
    for (int i = 1; i < argc; i++) {
        char errbuf[PCAP_ERRBUF_SIZE];
        pcap_t *p = pcap_open_offline(argv[i], errbuf);
        if (p == NULL) {
            fprintf(stderr, "pcap-floor: %s: %s\n", argv[i], errbuf);
            status = 1;
            continue;
        }
        struct pcap_pkthdr *header;
        const u_char *data;
        int rc;
        while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
            packets++;
            bytes += header->caplen;
        }
        if (rc == PCAP_ERROR) {  /* PCAP_ERROR_BREAK (-2) is the normal end of file */
            fprintf(stderr, "pcap-floor: %s: %s\n", argv[i], pcap_geterr(p));
            status = 1;
        }
        pcap_close(p);
    }
    double elapsed = now_seconds() - start;
    printf("%llu packets %llu bytes %.6f seconds\n",
           (unsigned long long)packets, (unsigned long long)bytes, elapsed);
    return status;
}
