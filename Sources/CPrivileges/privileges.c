// Privilege dropping for the daemon: Linux capabilities need capset(2) and prctl(2), which
// Swift cannot call directly (syscall is variadic).
#define _GNU_SOURCE
#include "cprivileges.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static int set_capabilities(uint64_t mask) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    data[0].effective = data[0].permitted = (uint32_t)(mask & 0xffffffffu);
    data[1].effective = data[1].permitted = (uint32_t)(mask >> 32);
    return (int)syscall(SYS_capset, &header, data);
}

int ca_drop_privileges(uid_t uid, gid_t gid, uint64_t keep_mask, const char **step) {
    // Capabilities not kept leave the bounding set first: nothing can bring them back.
    for (int cap = 0; cap <= 63; cap++) {
        if (keep_mask & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) { *step = "PR_CAPBSET_DROP"; return errno; }
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (keep_mask != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) { *step = "PR_SET_KEEPCAPS"; return errno; }
    if (setgroups(0, NULL) != 0) { *step = "setgroups"; return errno; }
    if (setresgid(gid, gid, gid) != 0) { *step = "setresgid"; return errno; }
    if (setresuid(uid, uid, uid) != 0) { *step = "setresuid"; return errno; }
    // After setuid the effective set is empty; permitted keeps what KEEPCAPS kept. Raise the
    // kept ones again and clear the rest of the permitted set.
    if (set_capabilities(keep_mask) != 0) { *step = "capset"; return errno; }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) { *step = "PR_SET_KEEPCAPS"; return errno; }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { *step = "PR_SET_NO_NEW_PRIVS"; return errno; }
    return 0;
}

uint64_t ca_effective_capabilities(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return UINT64_MAX;
    return ((uint64_t)data[1].effective << 32) | data[0].effective;
}

int ca_can_regain_root(void) {
    uid_t before = geteuid();
    if (setuid(0) == 0) {
        if (before != 0) seteuid(before);
        return 1;
    }
    return 0;
}
