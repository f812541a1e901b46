# OpenVPN between the branch gateway (client, /etc/openvpn/client/hq.conf) and the offshore HQ
# (server, /etc/openvpn/server/branch.conf), TLS with the run's certificates.
# openvpn_scenario PROTO(udp|tcp) CONTROL(none|tls-auth|tls-crypt) [CLIENT_CONFIG]
# CLIENT_CONFIG: where the client's file lives (default /etc/openvpn/client/hq.conf); the
# client is started with it on its command line. LAB_EXPECT adds KEY=VALUE pairs to
# expected.json, LAB_WHY replaces its explanation.
openvpn_scenario() {
  local proto=$1 control=$2 config=${3:-/etc/openvpn/client/hq.conf} server_extra="" client_extra=""
  case $control in
    tls-auth) server_extra="tls-auth /etc/openvpn/server/ta.key 0"; client_extra="tls-auth /etc/openvpn/client/ta.key 1" ;;
    tls-crypt) server_extra="tls-crypt /etc/openvpn/server/tc.key"; client_extra="tls-crypt /etc/openvpn/client/tc.key" ;;
  esac
  offshore
  install_pki hq /etc/openvpn/server ca.crt server.crt server.key ta.key tc.key
  install_pki gw /etc/openvpn/client ca.crt client.crt client.key ta.key tc.key
  put hq /etc/openvpn/server/branch.conf <<CONF
# Frankfurt HQ: OpenVPN server for the Suzhou branch
port 1194
proto $([[ $proto == tcp ]] && echo tcp-server || echo udp)
dev tun0
topology subnet
server 10.99.0.0 255.255.255.0
ca /etc/openvpn/server/ca.crt
cert /etc/openvpn/server/server.crt
key /etc/openvpn/server/server.key
dh none
$server_extra
keepalive 5 30
verb 3
CONF
  put gw "$config" <<CONF
# Suzhou branch: OpenVPN to Frankfurt HQ
client
dev tun0
proto $proto
remote $HQ_WAN 1194
nobind
ca /etc/openvpn/client/ca.crt
cert /etc/openvpn/client/client.crt
key /etc/openvpn/client/client.key
remote-cert-tls server
$client_extra
verb 3
CONF
  start hq openvpn openvpn --config /etc/openvpn/server/branch.conf
  listening hq 1194
  start gw openvpn openvpn --config "$config"
  serve hq
  verify_ping gw 10.99.0.1
  verify_download gw http://10.99.0.1:8080/blob
  snapshot gw
  local why="\"The branch gateway's own OpenVPN ($proto, $control) to the Frankfurt HQ over the Internet, with no carrier circuit declared: a self-built cross-border channel.\""
  expect technology='"openvpn"' remote_peer="\"$HQ_WAN\"" outer_family='"openvpn"' \
    category='"C2_SELF_BUILT_UNAPPROVED"' flags='[]' "${LAB_EXPECT[@]}" why="${LAB_WHY:-$why}"
  finish
}
