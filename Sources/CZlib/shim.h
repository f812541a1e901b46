// zlib from the system (Debian zlib1g-dev): gzip for the evidence bundle.
#include <zlib.h>
