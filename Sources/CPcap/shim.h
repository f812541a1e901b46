#ifndef CIRCUITAUDIT_CPCAP_SHIM_H
#define CIRCUITAUDIT_CPCAP_SHIM_H
// The only C that Swift sees: libpcap's public API.
#include <pcap/pcap.h>
#include <stdio.h>
#endif
