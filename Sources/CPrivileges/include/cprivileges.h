#ifndef CPRIVILEGES_H
#define CPRIVILEGES_H

#include <sys/types.h>
#include <stdint.h>

/// Drops from root to `uid`/`gid` with no supplementary groups, keeping only the capabilities
/// whose numbers are set in `keep_mask` (bit n = capability n, e.g. CAP_NET_RAW = 13) in the
/// permitted and effective sets; every other capability leaves the bounding set, and
/// no_new_privs is set. Returns 0, or the errno of the step that failed with `*step` naming it.
int ca_drop_privileges(uid_t uid, gid_t gid, uint64_t keep_mask, const char **step);

/// The effective capability set of the calling thread, as a bit mask; UINT64_MAX on error.
uint64_t ca_effective_capabilities(void);

/// 1 if the process can become root again (setuid(0) succeeds, which it then undoes where it can), else 0.
int ca_can_regain_root(void);

#endif
