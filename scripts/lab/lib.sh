# Shared by every lab scenario: nodes (network + mount + PID namespaces), links, daemons,
# capture, traffic checks, snapshot, expectations, and cleanup that runs whatever happens.
# Sourced by each scripts/lab/scenarios/* script, which scripts/lab/run starts as root.
#
# A node is a network namespace `lab-<scenario>-<node>` holding a PID namespace whose init
# (a `sleep`) owns a private mount namespace: /etc, /var/lib, /usr/local/etc and SoftEther's
# directory seen through overlays (writes stay in the node) with the VPN tools' own
# configuration emptied, tmpfs over /run, and /var/log bound to the scenario's log directory.
# Daemons see their real paths (/etc/openvpn/..., /run/...) and the host sees none of it.
# Killing the init by its PID kills every process of the node.

set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)
CIRCUIT_AUDIT_BIN=${CIRCUIT_AUDIT_BIN:-$REPO/.build/debug/circuit-audit}

# What of the host's configuration a node must not see (the inventory would read it, and the
# daemons must not use it): emptied inside the node's copy-on-write view of /etc, so the
# host's own files are never touched.
LAB_HIDDEN=(/etc/openvpn /etc/wireguard /etc/swanctl /etc/ipsec.d /etc/tinc /etc/ocserv /etc/openconnect
  /etc/shadowsocks-libev /etc/v2ray /etc/stunnel /etc/xl2tpd /etc/ppp /etc/tor /etc/systemd/system
  /etc/systemd/network /etc/network /etc/NetworkManager /etc/cron.d /etc/bird /etc/frr /etc/quagga
  /etc/ipsec.conf /etc/ipsec.secrets /etc/strongswan.conf /etc/pptpd.conf /etc/crontab
  /etc/proxychains.conf /etc/proxychains4.conf /etc/bird.conf /etc/bird6.conf)
# Directories a node sees through an overlay (writes stay in the node).
LAB_OVERLAID=(/etc /usr/libexec/softether/vpnserver /usr/libexec/softether/vpnclient /usr/local/etc /var/lib)

SCENARIO=${SCENARIO:?SCENARIO not set}
OUT=${OUT:?OUT not set}                 # OUTDIR/<scenario>
WORK="$OUT/.work"                       # per-node scratch (keys live here; removed at the end)
declare -A NODE_INIT=()                 # node -> host PID of its PID-namespace init
declare -A NODE_UNSHARE=()              # node -> host PID of the unshare(1) holding it
export LAB_HIDDEN_STR="${LAB_HIDDEN[*]}" LAB_OVERLAID_STR="${LAB_OVERLAID[*]}"
NODES=()
HOST_PIDS=()                            # processes started outside the nodes' PID namespaces (tcpdump)

log() { printf '[%s %s] %s\n' "$(date +%T)" "$SCENARIO" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

netns_name() { echo "lab-$SCENARIO-$1"; }

# node_add NAME: a namespace with loopback up, forwarding on and IPv6 off (a quiet capture).
node_add() {
  local node=$1 ns dir
  ns=$(netns_name "$node")
  dir="$WORK/$node"
  mkdir -p "$dir/overlay" "$OUT/logs/$node"
  chmod 700 "$WORK" "$dir"
  ip netns add "$ns"
  NODES+=("$node")
  # The namespace's inode, so the run can prove afterwards that no process is left in it.
  [[ -n ${LAB_NETNS_LIST:-} ]] && stat -L -c %i "/run/netns/$ns" >>"$LAB_NETNS_LIST"
  # The init of the node: makes the private mounts, says it is ready, then waits to be killed.
  ip netns exec "$ns" unshare --pid --fork --kill-child --mount --propagation private --mount-proc \
    bash -c '
      set -e
      dir=$1; logs=$2
      mount -t tmpfs -o mode=0700 lab-overlay "$dir/overlay"
      for lower in $LAB_OVERLAID_STR; do
        if [[ -d $lower ]]; then
          layer="$dir/overlay/${lower//\//_}"
          mkdir -p "$layer/upper" "$layer/work"
          mount -t overlay lab -o "lowerdir=$lower,upperdir=$layer/upper,workdir=$layer/work" "$lower"
        fi
      done
      for hidden in $LAB_HIDDEN_STR; do
        if [[ -d $hidden ]]; then rm -rf "$hidden"; mkdir -p "$hidden"; else rm -f "$hidden"; fi
      done
      mount -t tmpfs -o mode=0755 lab-run /run
      mkdir -p /run/lab
      if [[ -d /var/spool/cron ]]; then mount -t tmpfs lab-cron /var/spool/cron; fi
      mount --bind "$logs" /var/log
      touch "$dir/ready"
      exec sleep infinity
    ' lab-init "$dir" "$OUT/logs/$node" </dev/null >"$OUT/logs/$node/init.log" 2>&1 &
  NODE_UNSHARE[$node]=$!
  local i
  for i in $(seq 100); do [[ -e $dir/ready ]] && break; sleep 0.05; done
  [[ -e $dir/ready ]] || die "node $node did not come up: $(cat "$OUT/logs/$node/init.log")"
  NODE_INIT[$node]=$(pgrep -P "${NODE_UNSHARE[$node]}" | head -1)
  [[ -n ${NODE_INIT[$node]} ]] || die "node $node has no init"
  on "$node" ip link set lo up
  on "$node" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# on NODE CMD...: run a command inside the node (its network, mounts and PIDs).
on() {
  local node=$1; shift
  nsenter -t "${NODE_INIT[$node]}" -m -n -p -- "$@"
}

# put NODE PATH [MODE]: write stdin to PATH inside the node.
put() {
  local node=$1 path=$2 mode=${3:-0644}
  on "$node" bash -c 'mkdir -p "$(dirname "$1")" && cat >"$1" && chmod "$2" "$1"' put "$path" "$mode"
}

# start NODE NAME CMD...: a daemon in the foreground of its own session inside the node, its
# output in logs/<node>/<name>.log; its PID (in the node) is kept for a graceful stop.
start() {
  local node=$1 name=$2; shift 2
  on "$node" bash -c 'name=$1; shift; setsid "$@" </dev/null >>"/var/log/$name.log" 2>&1 & echo $! >>/run/lab/pids' start "$name" "$@"
}

# link A IFA B IFB: a veth pair between two nodes, both ends up.
link() {
  ip link add "$2" netns "$(netns_name "$1")" type veth peer name "$4" netns "$(netns_name "$3")"
  on "$1" ip link set "$2" up
  on "$3" ip link set "$4" up
}

# internet GW_ADDR HQ_ADDR: the "internet" veth between gw and hq (wan0 on each), documentation
# addresses, each side routing the other's /24 onto the link.
internet() {
  local gw=$1 hq=$2
  link gw wan0 hq wan0
  on gw ip addr add "$gw/24" dev wan0
  on hq ip addr add "$hq/24" dev wan0
  on gw ip route add 203.0.113.0/24 dev wan0 src "$gw"
  on hq ip route add 198.51.100.0/24 dev wan0 src "$hq"
}

# capture NODE IF [TCPDUMP-OPTIONS...]: tcpdump of the outer link into outer.pcap (outside the
# PID namespace so it can be stopped first, and flushed per packet); `-Q out` records one
# direction only, as a gateway with asymmetric routing sees it.
capture() {
  local node=$1 ifname=$2; shift 2
  ip netns exec "$(netns_name "$node")" tcpdump -Z root -U --immediate-mode -n -i "$ifname" "$@" -w "$OUT/outer.pcap" \
    >"$OUT/logs/tcpdump.log" 2>&1 &
  HOST_PIDS+=($!)
  local i
  for i in $(seq 50); do grep -q "listening on" "$OUT/logs/tcpdump.log" 2>/dev/null && return; sleep 0.05; done
}

stop_capture() {
  local pid
  for pid in "${HOST_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${HOST_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  HOST_PIDS=()
}

# serve NODE: an HTTP server on port 8080 with a 1 MiB random blob; its checksum kept.
serve() {
  local node=$1
  on "$node" bash -c 'mkdir -p /run/lab/www && head -c 1048576 /dev/urandom >/run/lab/www/blob && sha256sum /run/lab/www/blob | cut -d" " -f1' \
    >"$WORK/blob.sha256"
  start "$node" http python3 -m http.server 8080 --directory /run/lab/www
}

# serve_tls NODE: the same blob over HTTPS on port 8443 (openssl s_server), for channels that
# are used to carry TLS, with the run's server certificate (valid for 10.20.0.1).
serve_tls() {
  local node=$1
  serve "$node"
  install_pki "$node" /run/lab/tls server.crt server.key
  start "$node" https bash -c 'cd /run/lab/www && exec openssl s_server -quiet -WWW -accept 8443 -cert /run/lab/tls/server.crt -key /run/lab/tls/server.key'
  listening "$node" 8443
}

# wait_for NODE SECONDS CMD...: retry CMD in the node until it succeeds.
wait_for() {
  local node=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until on "$node" "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# listening NODE PORT: wait until something listens on PORT (TCP or UDP) in the node.
listening() {
  wait_for "$1" 10 bash -c "ss -Htuln 'sport = :$2' | grep -q ." || die "nothing listens on port $2 in $1"
}

CHECKS=()
LAB_EXPECT=()                           # further KEY=VALUE pairs for expected.json (scenario helpers)
check() { CHECKS+=("{\"check\": \"$1\", \"ok\": $2, \"detail\": \"$3\"}"); [[ $2 == true ]] || log "check $1 failed: $3"; }

# wait_captured SECONDS PATTERN [COUNT]: wait until tcpdump's decoding of outer.pcap shows
# PATTERN at least COUNT times (packets the scenario needs on record before it goes on).
wait_captured() {
  local deadline=$((SECONDS + $1)) count=${3:-1}
  until (( $(tcpdump -nr "$OUT/outer.pcap" 2>/dev/null | grep -Ec "$2") >= count )); do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# verify_ping NODE ADDR [PING-OPTIONS...]: the tunnel carries ICMP (waits up to 20 s for it).
verify_ping() {
  local node=$1 addr=$2; shift 2
  if wait_for "$node" 20 ping -c 1 -W 1 "$@" "$addr" && on "$node" ping -c 3 -i 0.2 -W 2 "$@" "$addr" >"$OUT/logs/ping.txt" 2>&1; then
    check ping true "$node reached $addr"
  else
    check ping false "$node could not reach $addr"
  fi
}

# verify_download NODE URL [CURL-OPTIONS...]: the blob arrives intact.
verify_download() {
  local node=$1 url=$2; shift 2
  local want got
  want=$(cat "$WORK/blob.sha256")
  wait_for "$node" 20 curl -sf --max-time 3 -o /dev/null -r 0-0 "$@" "$url" || true
  got=$(on "$node" bash -c 'curl -sf --max-time 15 "$@" | sha256sum | cut -d" " -f1' dl "$@" "$url" 2>>"$OUT/logs/curl.log" || true)
  if [[ $got == "$want" ]]; then
    check download true "1 MiB from $url, sha256 $want"
  else
    check download false "from $url: sha256 ${got:-none}, expected $want"
  fi
}

# verify_log NODE LOG PATTERN WHAT: for channels this kernel cannot carry data on (no PPP),
# the control plane's own report that it came up (extended regex on logs/<node>/<LOG>.log).
verify_log() {
  local node=$1 name=$2 pattern=$3 what=$4 deadline=$((SECONDS + 20))
  until grep -Eq "$pattern" "$OUT/logs/$node/$name.log" 2>/dev/null; do
    if ((SECONDS >= deadline)); then check control-plane false "$what: no line matching /$pattern/ in logs/$node/$name.log"; return; fi
    sleep 0.2
  done
  check control-plane true "$what: $(grep -Em1 "$pattern" "$OUT/logs/$node/$name.log" | tr -d '"\\' | cut -c1-160)"
}

# verify_decoded PATTERN WHAT: the same, read from tcpdump's own decoding of outer.pcap (for
# clients that only log to syslog).
verify_decoded() {
  local pattern=$1 what=$2 deadline=$((SECONDS + 20)) line
  until line=$(tcpdump -nr "$OUT/outer.pcap" 2>/dev/null | grep -Em1 "$pattern"); do
    if ((SECONDS >= deadline)); then check control-plane false "$what: tcpdump shows no packet matching /$pattern/"; return; fi
    sleep 0.2
  done
  check control-plane true "$what: $(sed 's/.*: pptp //; s/.*: l2tp //' <<<"$line" | tr -d '"\\' | cut -c1-160)"
}

# snapshot NODE: `circuit-audit snapshot` of the node while the tunnel is up.
snapshot() {
  rm -rf "$OUT/snapshot"
  on "$1" "$CIRCUIT_AUDIT_BIN" snapshot --out "$OUT/snapshot" >"$OUT/logs/snapshot.log" 2>&1 \
    || die "snapshot failed: $(cat "$OUT/logs/snapshot.log")"
}

# expect KEY=VALUE...: the scenario's expected.json (values are JSON).
expect() {
  local pairs=() kv
  for kv in "$@"; do pairs+=("  \"${kv%%=*}\": ${kv#*=}"); done
  { echo "{"; echo "  \"scenario\": \"$SCENARIO\","; (IFS=$'\n'; echo "${pairs[*]}" | sed '$!s/$/,/'); echo "}"; } >"$OUT/expected.json"
  chmod 600 "$OUT/expected.json"
}

# The end of every scenario, however it ends: daemons asked to stop, then every node's init
# killed by PID (which kills all of the node's processes), stray processes in the network
# namespaces killed by PID, namespaces deleted, keys removed.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # LAB_HOLD=S keeps a finished scenario up S seconds for a look inside (scripts/lab/run --timeout).
  [[ -n ${LAB_HOLD:-} ]] && { log "holding for $LAB_HOLD s: nsenter -t ${NODE_INIT[gw]:-?} -m -n -p"; sleep "$LAB_HOLD" || true; }
  stop_capture
  local node pid ns
  for node in "${NODES[@]}"; do
    [[ -n ${NODE_INIT[$node]:-} ]] && on "$node" bash -c '[[ -f /run/lab/pids ]] && kill -TERM $(cat /run/lab/pids) 2>/dev/null; sleep 0.2' 2>/dev/null || true
  done
  for node in "${NODES[@]}"; do
    [[ -n ${NODE_INIT[$node]:-} ]] && kill -KILL "${NODE_INIT[$node]}" 2>/dev/null || true
    [[ -n ${NODE_UNSHARE[$node]:-} ]] && { kill -KILL "${NODE_UNSHARE[$node]}" 2>/dev/null || true; wait "${NODE_UNSHARE[$node]}" 2>/dev/null || true; }
  done
  for node in "${NODES[@]}"; do
    ns=$(netns_name "$node")
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$WORK"
  chmod -R go-rwx "$OUT"
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 124' INT TERM

# finish: writes checks.json; the scenario fails if a check failed.
finish() {
  local all=true c
  for c in "${CHECKS[@]}"; do [[ $c == *'"ok": false'* ]] && all=false; done
  { echo "["; (IFS=$'\n'; echo "${CHECKS[*]}" | sed '$!s/$/,/'); echo "]"; } >"$OUT/checks.json"
  [[ $all == true ]] || die "a traffic check failed"
  log "ok"
}

GW_WAN=198.51.100.2
HQ_WAN=203.0.113.10          # Frankfurt HQ (offshore)
BJ_WAN=203.0.113.130         # Beijing office (onshore), the far end of the domestic scenario

# offshore [HQ_ADDR]: the branch gateway and a far site joined by the "internet", the outer
# link captured on the gateway's side (LAB_CAPTURE=later: the scenario starts the capture
# itself, once its tunnel is up; LAB_CAPTURE="-Q out": only what the gateway sends).
offshore() {
  node_add gw
  node_add hq
  internet "$GW_WAN" "${1:-$HQ_WAN}"
  on hq ip addr add 10.20.0.1/32 dev lo
  case ${LAB_CAPTURE:-} in
    later) ;;
    "") capture gw wan0 ;;
    *) local -a options; read -r -a options <<<"$LAB_CAPTURE"; capture gw wan0 "${options[@]}" ;;
  esac
}

# install_pki NODE DIR NAMES...: copies files of the run's PKI into DIR inside the node.
install_pki() {
  local node=$1 dir=$2 f; shift 2
  for f in "$@"; do put "$node" "$dir/$f" 0600 <"$PKI/$f"; done
}
