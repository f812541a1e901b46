# WireGuard through wireguard-go (this kernel has no WireGuard module): wg-quick reads
# /etc/wireguard/<if>.conf and, when `ip link add type wireguard` fails, starts the userspace
# implementation named by WG_QUICK_USERSPACE_IMPLEMENTATION.
export WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1

# wireguard_pair CLIENT SERVER SERVER_WAN IF CLIENT_ADDR SERVER_ADDR ALLOWED_BY_CLIENT
# A client dialling SERVER_WAN:51820; each end's tunnel address a /32 on IF. The server comes
# up first; wireguard_configure writes both ends without starting them (wireguard_up NODE IF).
wireguard_pair() {
  wireguard_configure "$@"
  wireguard_up "$2" "$4"
  wireguard_up "$1" "$4"
}

wireguard_up() {
  on "$1" wg-quick up "$2" >>"$OUT/logs/$1/wg-quick.log" 2>&1 || die "wg-quick up on $1"
}

wireguard_configure() {
  local client=$1 server=$2 endpoint=$3 ifname=$4 caddr=$5 saddr=$6 allowed=$7
  local ckey skey cpub spub
  ckey=$(wg genkey); cpub=$(wg pubkey <<<"$ckey")
  skey=$(wg genkey); spub=$(wg pubkey <<<"$skey")
  put "$server" "/etc/wireguard/$ifname.conf" 0600 <<CONF
[Interface]
Address = $saddr/24
ListenPort = 51820
PrivateKey = $skey

[Peer]
PublicKey = $cpub
AllowedIPs = ${caddr%.*}.0/24, 10.1.0.0/16, 10.77.0.0/24
CONF
  put "$client" "/etc/wireguard/$ifname.conf" 0600 <<CONF
[Interface]
Address = $caddr/24
PrivateKey = $ckey

[Peer]
PublicKey = $spub
Endpoint = $endpoint:51820
AllowedIPs = $allowed
PersistentKeepalive = 10
CONF
}
