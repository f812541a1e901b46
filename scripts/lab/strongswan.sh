# strongSwan IKEv2 with charon's kernel-libipsec backend: this kernel has no ESP (no
# CONFIG_INET_ESP), so ESP is done in userspace over a TUN device and always UDP-encapsulated
# (`encap = yes`). Configuration at the real paths: /etc/strongswan.conf, /etc/swanctl/.
strongswan_conf() {
  put "$1" /etc/strongswan.conf <<'CONF'
charon {
  load_modular = yes
  plugins {
    include strongswan.d/charon/*.conf
    kernel-libipsec {
      load = yes
    }
  }
  filelog {
    charon {
      path = /var/log/charon.log
      time_format = %T
      default = 1
    }
  }
}
include strongswan.d/*.conf
CONF
}

# strongswan_scenario AUTH(pubkey|psk)
strongswan_scenario() {
  local auth=$1 gw_auth hq_auth secrets="" node
  offshore
  for node in gw hq; do
    on "$node" mkdir -p /etc/swanctl/conf.d /etc/swanctl/x509 /etc/swanctl/x509ca /etc/swanctl/private
    echo 'include conf.d/*.conf' | put "$node" /etc/swanctl/swanctl.conf
  done
  on gw ip addr add 10.1.0.1/32 dev lo
  if [[ $auth == pubkey ]]; then
    install_pki hq /etc/swanctl ca.crt server.crt server.key
    install_pki gw /etc/swanctl ca.crt client.crt client.key
    on hq bash -c 'cd /etc/swanctl && mv ca.crt x509ca/ && mv server.crt x509/ && mv server.key private/'
    on gw bash -c 'cd /etc/swanctl && mv ca.crt x509ca/ && mv client.crt x509/ && mv client.key private/'
    gw_auth="auth = pubkey
      certs = client.crt
      id = gw.lab.example"
    hq_auth="auth = pubkey
      certs = server.crt
      id = hq.lab.example"
  else
    local psk
    psk=$(openssl rand -base64 24)
    gw_auth="auth = psk
      id = gw.lab.example"
    hq_auth="auth = psk
      id = hq.lab.example"
    secrets="secrets {
  ike-branch {
    id-gw = gw.lab.example
    id-hq = hq.lab.example
    secret = \"$psk\"
  }
}"
  fi
  strongswan_conf gw
  strongswan_conf hq
  put gw /etc/swanctl/conf.d/hq.conf 0600 <<CONF
# Suzhou branch to Frankfurt HQ, IKEv2 ($auth)
connections {
  hq {
    version = 2
    local_addrs = $GW_WAN
    remote_addrs = $HQ_WAN
    encap = yes
    local {
      $gw_auth
    }
    remote {
      $(sed 's/certs = server.crt//' <<<"$hq_auth")
    }
    children {
      hq-lan {
        local_ts = 10.1.0.0/16
        remote_ts = 10.20.0.0/16
        start_action = start
      }
    }
  }
}
$secrets
CONF
  put hq /etc/swanctl/conf.d/branch.conf 0600 <<CONF
# Frankfurt HQ: the Suzhou branch's IKEv2 ($auth)
connections {
  branch {
    version = 2
    local_addrs = $HQ_WAN
    remote_addrs = $GW_WAN
    encap = yes
    local {
      $hq_auth
    }
    remote {
      $(sed 's/certs = client.crt//' <<<"$gw_auth")
    }
    children {
      branch-lan {
        local_ts = 10.20.0.0/16
        remote_ts = 10.1.0.0/16
      }
    }
  }
}
$secrets
CONF
  start hq charon /usr/lib/ipsec/charon
  start gw charon /usr/lib/ipsec/charon
  wait_for hq 10 test -S /run/charon.vici || die "charon did not start on hq"
  wait_for gw 10 test -S /run/charon.vici || die "charon did not start on gw"
  on hq swanctl --load-all >>"$OUT/logs/hq/swanctl.log" 2>&1 || die "swanctl --load-all on hq"
  on gw swanctl --load-all >>"$OUT/logs/gw/swanctl.log" 2>&1 || die "swanctl --load-all on gw"
  serve hq
  verify_ping gw 10.20.0.1 -I 10.1.0.1
  verify_download gw http://10.20.0.1:8080/blob --interface 10.1.0.1
  snapshot gw
  expect technology='"ipsec"' remote_peer="\"$HQ_WAN\"" outer_family='"ipsec"' \
    category='"C2_SELF_BUILT_UNAPPROVED"' flags='[]' \
    why="\"The branch gateway's own IKEv2/IPsec ($auth) to the Frankfurt HQ over the Internet, no carrier circuit declared: a self-built cross-border channel.\""
  finish
}
