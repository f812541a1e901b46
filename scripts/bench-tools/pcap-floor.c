/*
 * pcap-floor: the physical floor for reading a capture through libpcap.
 *
 * A bare pcap_next_ex loop that only counts packets and bytes, so any tool built on libpcap
 * can be compared with the least work reading the same file can take. Accepts several files
 * (pcap or pcapng) and sums over them.
 *
 *   pcap-floor [--buffer BYTES] FILE...
 *   prints: "<packets> packets <bytes> bytes <seconds> seconds"
 *
 * libpcap reads a file through stdio with its default buffer (one filesystem block); with
 * --buffer the loop first gives the stream a buffer of that size (setvbuf), as circuit-audit
 * does, so the two can be compared with the same read size.
 *
 * Exits 1 if a file cannot be opened or is damaged; the counts read up to then still print.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int first = 1;
    size_t buffer_size = 0;
    if (argc > 2 && strcmp(argv[1], "--buffer") == 0) {
        buffer_size = strtoul(argv[2], NULL, 10);
        first = 3;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: %s [--buffer BYTES] FILE...\n", argv[0]);
        return 64;
    }
    char *buffer = buffer_size ? malloc(buffer_size) : NULL;
    uint64_t packets = 0, bytes = 0;
    int status = 0;
    double start = now_seconds();
    for (int i = first; i < argc; i++) {
        char errbuf[PCAP_ERRBUF_SIZE];
        pcap_t *p = NULL;
        if (buffer) {
            FILE *file = fopen(argv[i], "rb");
            if (file != NULL) {
                setvbuf(file, buffer, _IOFBF, buffer_size);
                p = pcap_fopen_offline(file, errbuf);
                if (p == NULL) fclose(file);
            } else {
                snprintf(errbuf, sizeof errbuf, "cannot open");
            }
        } else {
            p = pcap_open_offline(argv[i], errbuf);
        }
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
    free(buffer);
    printf("%llu packets %llu bytes %.6f seconds\n",
           (unsigned long long)packets, (unsigned long long)bytes, elapsed);
    return status;
}
