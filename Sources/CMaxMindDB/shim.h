#ifndef CIRCUITAUDIT_CMAXMINDDB_SHIM_H
#define CIRCUITAUDIT_CMAXMINDDB_SHIM_H
// MaxMind DB files (GeoLite2/GeoIP2 Country and ASN, DB-IP...) through libmaxminddb.
#include <maxminddb.h>
#endif
