#ifndef CIRCUITAUDIT_CGEOIP_SHIM_H
#define CIRCUITAUDIT_CGEOIP_SHIM_H
// Debian's geoip-database files (legacy GeoIP.dat / GeoIPv6.dat) through libGeoIP.
#include <GeoIP.h>
#endif
