import Foundation
@testable import Inventory
import TestSupport
import XCTest

/// Routes, rules, addresses, sockets, processes, systemd units and cron: saved outputs of the
/// real commands (Fixtures/, taken in a network namespace with a VXLAN, a tun device, a policy
/// rule, and real ss-server, openvpn and tor listening), and the same commands run now when the
/// tests are root.
final class LiveStateCollectorsTests: XCTestCase {
    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name), encoding: .utf8)
    }

    func testLiveCommandsGiveBackEveryDescriptorTheyOpenWhetherTheySucceedFailOrTimeOut() {
        let leaked = OpenDescriptors.leaked(by: 20) {
            XCTAssertNotNil(try? CommandRunner.run(["echo", "routes"]).get())
            XCTAssertNil(try? CommandRunner.run(["false"]).get())
        }
        XCTAssertLessThan(leaked, 5, "a daemon collecting every cycle must not pile up pipes")
        let timedOut = OpenDescriptors.leaked(by: 3) {
            guard case .failure(let failure) = CommandRunner.run(["sleep", "30"], timeout: 0.2) else { return XCTFail("sleep 30 ran in 0.2 s") }
            XCTAssertTrue(failure.reason.contains("timed out"), failure.reason)
        }
        XCTAssertLessThan(timedOut, 3)
    }

    // MARK: ip route / ip rule / ip addr

    func testRoutesIntoTunnelsAreItemsWithThePolicyRulesThatSelectThem() throws {
        let tree = try GatewayTree()
        try tree.state("ip-route.json", try Self.fixture("ip-route-tunnels.json"))
        try tree.state("ip-rule.json", try Self.fixture("ip-rule-tunnels.json"))
        try tree.state("ip-addr.json", try Self.fixture("ip-addr.json"))
        let inventory = Inventory.collect(from: tree.system, collectors: [IPRouteCollector(), IPAddrCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let routes = inventory.items("route")
        XCTAssertEqual(inventory.items.count, routes.count, "ip addr makes no items")
        XCTAssertTrue(routes.allSatisfy { $0.role == .forwarding })
        XCTAssertEqual(Set(routes.compactMap(\.interface)), ["tun0", "vx42"], "eth0 and lo are not tunnels")

        let table100 = try XCTUnwrap(routes.first { $0.networks == ["172.20.0.0/16"] })
        XCTAssertEqual(table100.interface, "vx42")
        XCTAssertEqual(table100.attributes["table"], "100")
        XCTAssertEqual(table100.attributes["gateway"], "10.42.0.2")
        XCTAssertEqual(table100.attributes["policy-rules"], "pref 1000 from 192.168.50.0/24 lookup 100")
        XCTAssertEqual(table100.sources.first, SourceReference("ip -j route show table all", key: "[0]"))
        let viaTun = try XCTUnwrap(routes.first { $0.networks == ["0.0.0.0/0"] })
        XCTAssertEqual(viaTun.attributes["policy-rules"], "pref 1001 fwmark 0x1 lookup 200")
        XCTAssertEqual(viaTun.isUp, false, "the tun device has no carrier: linkdown")
        let main = try XCTUnwrap(routes.first { $0.networks == ["10.71.0.0/16"] })
        XCTAssertNil(main.attributes["policy-rules"], "the default lookup main rule is not policy")
        XCTAssertFalse(routes.contains { $0.networks.first?.hasPrefix("fe80") == true || $0.networks == ["10.42.0.1"] },
                       "link-local and local-table routes are not forwarding")
    }

    func testInterfacesNamedByConfigurationOrKernelKindCountAsTunnels() throws {
        let tree = try GatewayTree()
        try tree.state("ip-route.json", #"[{"dst":"10.60.0.0/16","dev":"office","flags":[]},{"dst":"10.61.0.0/16","dev":"carrier1","flags":[]},{"dst":"10.62.0.0/16","dev":"eth0","flags":[]}]"#)
        try tree.write("/etc/wireguard/office.conf", "[Interface]\nListenPort = 51820\n")
        try tree.write("/etc/systemd/network/carrier1.netdev", "[NetDev]\nName=carrier1\nKind=gre\n\n[Tunnel]\nRemote=203.0.113.1\n")
        let routes = Inventory.collect(from: tree.system, collectors: [IPRouteCollector()]).items("route")
        XCTAssertEqual(routes.compactMap(\.interface).sorted(), ["carrier1", "office"])
    }

    func testMalformedIPOutputsWarnAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.state("ip-route.json", #"[{"dst":"10.1.0.0/16","dev":"wg0"}, "oops", {"dev":"wg1"}]"#)
        try tree.state("ip-rule.json", "[{\"priority\":0,\n\"table\":\"local\"},\n{broken")
        try tree.state("ip-addr.json", #"[{"ifname":"eth0","addr_info":[{"family":"inet"}]}, {"mtu":1500}]"#)
        let inventory = Inventory.collect(from: tree.system, collectors: [IPRouteCollector(), IPAddrCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ip -j rule show:3") && $0.contains("not the JSON") }, "\(warnings)")
        XCTAssertTrue(warnings.contains("ip -j route show table all ([1]): route is not a JSON object"), "\(warnings)")
        XCTAssertTrue(warnings.contains("ip -j route show table all ([2]): route via wg1 without a dst"), "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ip -j addr show ([0].addr_info[0] eth0)") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ip -j addr show ([1])") && $0.contains("ifname") }, "\(warnings)")
        XCTAssertEqual(inventory.items("route").map(\.networks), [["10.1.0.0/16"]])
    }

    func testRealRoutingTablesOfANamespaceAreRead() throws {
        try NetworkNamespace.run { namespace, ip in
            for arguments in [
                ["link", "add", "vx5", "type", "vxlan", "id", "5", "remote", "192.0.2.5", "dstport", "4789"], ["addr", "add", "10.5.0.1/24", "dev", "vx5"],
                ["link", "set", "vx5", "up"], ["route", "add", "172.25.0.0/16", "via", "10.5.0.2", "dev", "vx5", "table", "55"],
                ["rule", "add", "from", "192.168.55.0/24", "table", "55", "pref", "555"],
            ] {
                try RealTool.run(ip, ["-n", namespace] + arguments)
            }
            let tree = try GatewayTree()
            try tree.state("ip-route.json", try RealTool.run(ip, ["-n", namespace, "-j", "route", "show", "table", "all"]))
            try tree.state("ip-rule.json", try RealTool.run(ip, ["-n", namespace, "-j", "rule", "show"]))
            try tree.state("ip-addr.json", try RealTool.run(ip, ["-n", namespace, "-j", "addr", "show"]))
            let inventory = Inventory.collect(from: tree.system, collectors: [IPRouteCollector(), IPAddrCollector()])
            XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
            let route = try XCTUnwrap(inventory.items("route").first { $0.networks == ["172.25.0.0/16"] })
            XCTAssertEqual(route.attributes["policy-rules"], "pref 555 from 192.168.55.0/24 lookup 55")
            XCTAssertTrue(inventory.items("route").contains { $0.networks == ["10.5.0.0/24"] })
        }
    }

    // MARK: ss -tunap

    func testListeningSocketsOfVPNProgramsAreServers() throws {
        let tree = try GatewayTree()
        try tree.state("ss-tunap.txt", try Self.fixture("ss-tunap.txt"))
        let inventory = Inventory.collect(from: tree.system, collectors: [SocketCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertTrue(inventory.items.allSatisfy { $0.role == .server })
        let openVPN = try XCTUnwrap(inventory.items("openvpn").first)
        XCTAssertEqual(openVPN.local, [NetworkEndpoint(host: "0.0.0.0", port: 1194, transport: "udp")])
        XCTAssertEqual(openVPN.attributes["process"], "openvpn")
        XCTAssertEqual(openVPN.attributes["pid"], "15517")
        XCTAssertEqual(openVPN.sources, [SourceReference("ss -tunap", line: 3)])
        XCTAssertEqual(inventory.items("tor").first?.local.first, NetworkEndpoint(host: "127.0.0.1", port: 9050, transport: "tcp"))
        XCTAssertEqual(Set(inventory.items("shadowsocks").compactMap(\.local.first?.port)), [8388, 8389])
        XCTAssertTrue(inventory.items("wireguard").isEmpty, "the ownerless socket on 4789 is VXLAN's, not WireGuard's")
        XCTAssertFalse(inventory.items.contains { $0.local.first?.port == 47218 }, "connections are not listeners")
    }

    func testOwnerlessUDPSocketOnAWireGuardListenPortIsWireGuard() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/wireguard/wg1.conf", "[Interface]\nListenPort = 51999\n")
        try tree.state("ss-tunap.txt", """
            Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess
            udp   UNCONN 0      0            0.0.0.0:51999      0.0.0.0:*
            udp   UNCONN 0      0               [::]:51999         [::]:*
            udp   UNCONN 0      0            0.0.0.0:4789       0.0.0.0:*
            tcp   LISTEN 0      100    10.0.0.1%eth1:443        0.0.0.0:*    users:(("ocserv-main",pid=7,fd=3),("ocserv",pid=8,fd=3))
            tcp   LISTEN 0      100          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=9,fd=3))
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [SocketCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items("wireguard").map(\.local), [[NetworkEndpoint(host: "0.0.0.0", port: 51999, transport: "udp")],
                                                                   [NetworkEndpoint(host: "::", port: 51999, transport: "udp")]])
        let ocserv = try XCTUnwrap(inventory.items("anyconnect").first, "ocserv renames its main process ocserv-main")
        XCTAssertEqual(ocserv.local, [NetworkEndpoint(host: "10.0.0.1", port: 443, transport: "tcp")])
        XCTAssertEqual(ocserv.attributes["bound-interface"], "eth1")
        XCTAssertEqual(inventory.items.count, 3, "sshd is no VPN, 4789 is not a WireGuard port")
    }

    func testMalformedSocketLinesWarnWithTheLineAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.state("ss-tunap.txt", """
            Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess
            udp   UNCONN 0      0
            tcp   LISTEN 0      100          0.0.0.0:http       0.0.0.0:*    users:(("squid",pid=9,fd=3))
            raw   UNCONN 0      0            0.0.0.0:1          0.0.0.0:*
            tcp   LISTEN 0      100          0.0.0.0:1080       0.0.0.0:*    users:(("danted",pid=10,fd=3))
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [SocketCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ss -tunap:2:") && $0.contains("columns") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ss -tunap:3:") && $0.contains("0.0.0.0:http") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ss -tunap:4:") && $0.contains("raw") }, "\(warnings)")
        XCTAssertEqual(inventory.items("socks").first?.local.first?.port, 1080)
    }

    // MARK: processes

    func testRunningVPNProgramsAreItemsAndTheirSecretsStayOut() throws {
        let tree = try GatewayTree()
        try tree.state("processes.txt", try Self.fixture("processes.txt") + """
            812\t/usr/sbin/openvpn --daemon ovpn-server --status /run/openvpn/server.status 10 --cd /etc/openvpn --config /etc/openvpn/server.conf
            901\t/usr/bin/ss-local -c /etc/shadowsocks-libev/hk.json -k ps-Secret-Arg-41
            902\t/usr/bin/python3 /usr/local/bin/sslocal --password=ps-Secret-Arg-42 -s 203.0.113.30
            903\t/usr/lib/ipsec/charon
            904\t/usr/sbin/tincd -n corpnet
            905\tcat /etc/openvpn/server.conf

            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [ProcessCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(Set(inventory.items.map(\.attributes["process"])), ["ss-server", "tor", "openvpn", "ss-local", "sslocal", "charon", "tincd"])
        let server = try XCTUnwrap(inventory.items.first { $0.attributes["pid"] == "812" })
        XCTAssertEqual(server.technology, "openvpn")
        XCTAssertEqual(server.attributes["config"], "/etc/openvpn/server.conf")
        XCTAssertEqual(server.role, .unknown)
        XCTAssertEqual(inventory.items.first { $0.attributes["pid"] == "901" }?.attributes["config"], "/etc/shadowsocks-libev/hk.json")
        XCTAssertEqual(inventory.items.first { $0.attributes["pid"] == "903" }?.technology, "ipsec")
        XCTAssertEqual(inventory.items.first { $0.attributes["pid"] == "904" }?.attributes["network"], "corpnet")
        XCTAssertEqual(inventory.items.first { $0.attributes["pid"] == "15517" }?.technology, "openvpn", "the fixture's real openvpn")

        let secrets = ["fixture-pw", "ps-Secret-Arg-41", "ps-Secret-Arg-42"]
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        let out = try Scratch.directory() + "/snapshot"
        try Snapshot.write(from: tree.system, collectors: [ProcessCollector()], to: out, toolVersion: "test")
        let snapshot = GatewayTree.text(under: out)
        for secret in secrets {
            XCTAssertFalse(json.contains(secret), "\(secret) in the inventory")
            XCTAssertFalse(snapshot.contains(secret), "\(secret) in the snapshot")
        }
        XCTAssertEqual(Inventory.collect(from: SystemView(.tree(root: out)), collectors: [ProcessCollector()]).items, inventory.items)
    }

    func testMalformedProcessLinesWarnWithTheLine() throws {
        let tree = try GatewayTree()
        try tree.state("processes.txt", "1\t/sbin/init\nopenvpn --config x.conf\n77\t\n88\ttor -f /etc/tor/torrc\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [ProcessCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ps -e -o pid= -o args=:2:") && $0.contains("PID") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("ps -e -o pid= -o args=:3:") }, "\(warnings)")
        XCTAssertEqual(inventory.items("tor").first?.attributes["config"], "/etc/tor/torrc")
    }

    /// Real daemons in a namespace: their sockets from `ss -tunap` there, their processes from `ps`.
    func testRealDaemonsAreFoundBySocketAndProcess() throws {
        let ssServer = try RealTool.require("ss-server")
        let openVPN = try RealTool.require("openvpn")
        try NetworkNamespace.run { namespace, ip in
            try RealTool.run(ip, ["-n", namespace, "link", "set", "lo", "up"])
            let daemons = [
                [ssServer, "-s", "127.0.0.1", "-p", "18388", "-k", "live-Secret-Pw-51", "-m", "aes-256-gcm", "-u"],
                [openVPN, "--dev", "null", "--proto", "udp", "--lport", "11194", "--verb", "0"],
            ].map { command -> Process in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: ip)
                process.arguments = ["netns", "exec", namespace] + command
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                return process
            }
            for daemon in daemons { try daemon.run() }
            defer { for daemon in daemons { daemon.terminate(); daemon.waitUntilExit() } }
            var sockets = ""
            for _ in 0..<50 {
                sockets = try RealTool.run(ip, ["netns", "exec", namespace, "ss", "-tunap"])
                // ss can list a socket before it names its owner: wait for both owners too.
                if sockets.contains(":18388"), sockets.contains(":11194"), sockets.contains("\"ss-server\""), sockets.contains("\"openvpn\"") { break }
                usleep(100_000)
            }
            let tree = try GatewayTree()
            try tree.state("ss-tunap.txt", sockets)
            try tree.state("processes.txt", try RealTool.run("ps", ["-e", "-o", "pid=", "-o", "args="]))
            let inventory = Inventory.collect(from: tree.system, collectors: [SocketCollector(), ProcessCollector()])
            XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
            let pids = daemons.map { String($0.processIdentifier) }
            let listeners = inventory.items.filter { $0.role == .server }
            // The listener is found by its port and program; ss may list a socket before it can
            // name the owning process, so the pid is not part of the check.
            XCTAssertTrue(listeners.contains { $0.technology == "shadowsocks" && $0.local.first?.port == 18388 }, "\(sockets)")
            XCTAssertTrue(listeners.contains { $0.technology == "openvpn" && $0.local == [NetworkEndpoint(host: "0.0.0.0", port: 11194, transport: "udp")] }, "\(sockets)")
            XCTAssertTrue(inventory.items.contains { $0.role == .unknown && $0.attributes["pid"] == pids[1] && $0.technology == "openvpn" })
            let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
            XCTAssertFalse(json.contains("live-Secret-Pw-51"))
        }
    }

    // MARK: systemd units and cron

    func testEnabledUnitsAreItemsStartedBySystemd() throws {
        let tree = try GatewayTree()
        let wants = "/etc/systemd/system/multi-user.target.wants/"
        // What `systemctl enable` links to, copied as a snapshot copies it (the unit files themselves).
        for unit in ["openvpn-server@udp.service", "wg-quick@wg0.service", "strongswan-starter.service", "tinc@corpnet.service",
                     "shadowsocks-libev-local@hk.service", "stunnel4.service", "ssh.service", "cron.service"] {
            try tree.write(wants + unit, "[Unit]\nDescription=\(unit)\n\n[Service]\nExecStart=/bin/true\n")
        }
        try tree.write(wants + "partner-tunnel.service", "[Unit]\nDescription=Partner\n\n[Service]\nExecStart=\nExecStart=/usr/sbin/openconnect --background vpn.partner.example\n")
        try tree.write("/etc/systemd/system/sockets.target.wants/xl2tpd.socket", "[Socket]\nListenDatagram=1701\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [SystemdUnitCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(Set(inventory.items.map(\.technology)), ["openvpn", "wireguard", "ipsec", "tinc", "shadowsocks", "stunnel", "anyconnect"])
        XCTAssertTrue(inventory.items.allSatisfy { $0.role == .unknown && $0.attributes["started-by"] == "systemd multi-user.target" })
        let server = try XCTUnwrap(inventory.items("openvpn").first)
        XCTAssertEqual(server.attributes["config"], "/etc/openvpn/server/udp.conf")
        XCTAssertEqual(server.sources, [SourceReference(wants + "openvpn-server@udp.service")])
        XCTAssertEqual(inventory.items("wireguard").first?.interface, "wg0")
        XCTAssertEqual(inventory.items("tinc").first?.attributes["network"], "corpnet")
        let custom = try XCTUnwrap(inventory.items("anyconnect").first)
        XCTAssertTrue(custom.sources.contains(SourceReference(wants + "partner-tunnel.service", line: 6, key: "ExecStart")))
    }

    func testMalformedUnitEntriesWarn() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/systemd/system/multi-user.target.wants/openvpn@.service", "[Service]\n")
        try tree.write("/etc/systemd/system/multi-user.target.wants/README", "notes\n")
        try tree.write("/etc/systemd/system/multi-user.target.wants/tor.service", "[Service]\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [SystemdUnitCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/systemd/system/multi-user.target.wants/openvpn@.service:") && $0.contains("instance") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/systemd/system/multi-user.target.wants/README:") }, "\(warnings)")
        XCTAssertEqual(inventory.items.map(\.technology), ["tor"])
    }

    func testCronLinesThatStartVPNProgramsAreItems() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/crontab", """
            SHELL=/bin/sh
            PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin
            17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly
            @reboot root /usr/sbin/openvpn --daemon --config /etc/openvpn/backup.conf
            """)
        try tree.write("/etc/cron.d/keep-tunnels", "# keep the partner tunnel up\n*/5 * * * * root systemctl restart wg-quick@wg-partner.service\n")
        try tree.write("/var/spool/cron/crontabs/gw", "@reboot nohup /usr/bin/ss-local -c /home/gw/ss.json -k cron-Secret-Pw-61 >/dev/null 2>&1\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [CronCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.count, 3)
        let openVPN = try XCTUnwrap(inventory.items("openvpn").first)
        XCTAssertEqual(openVPN.attributes["started-by"], "cron")
        XCTAssertEqual(openVPN.attributes["schedule"], "@reboot")
        XCTAssertEqual(openVPN.attributes["user"], "root")
        XCTAssertEqual(openVPN.attributes["config"], "/etc/openvpn/backup.conf")
        XCTAssertEqual(openVPN.sources, [SourceReference("/etc/crontab", line: 4)])
        XCTAssertEqual(inventory.items("wireguard").first?.attributes["unit"], "wg-quick@wg-partner.service")
        let shadowsocks = try XCTUnwrap(inventory.items("shadowsocks").first)
        XCTAssertEqual(shadowsocks.attributes["user"], "gw")
        XCTAssertEqual(shadowsocks.attributes["config"], "/home/gw/ss.json")
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self).contains("cron-Secret-Pw-61"))
    }

    func testMalformedCronLinesWarnWithFileAndLine() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/cron.d/broken", """
            @sometimes root openvpn --config /etc/openvpn/a.conf
            * * * root
            61? * * * * root tor
            @reboot root /usr/bin/tor -f /etc/tor/torrc
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [CronCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/cron.d/broken:1:") && $0.contains("@sometimes") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/cron.d/broken:2:") && $0.contains("fields") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/cron.d/broken:3:") && $0.contains("61?") }, "\(warnings)")
        XCTAssertEqual(inventory.items("tor").first?.sources, [SourceReference("/etc/cron.d/broken", line: 4)])
    }

    // MARK: registry and snapshot

    func testLiveCollectorsListTheirRealCommandsForSnapshot() throws {
        let commands = CollectorRegistry.all().flatMap(\.inputs).compactMap { input -> String? in
            guard case .command(let command, let stateFile) = input else { return nil }
            return "\(command.joined(separator: " ")) > \(stateFile)"
        }
        for expected in ["ip -j route show table all > ip-route.json", "ip -j rule show > ip-rule.json", "ip -j addr show > ip-addr.json",
                         "ss -tunap > ss-tunap.txt", "ps -e -o pid= -o args= > processes.txt"] {
            XCTAssertTrue(commands.contains(expected), "\(expected) in \(commands)")
        }
        let patterns = CollectorRegistry.all().flatMap(\.inputs).compactMap { input -> String? in
            if case .files(let pattern) = input { return pattern }
            return nil
        }
        for expected in ["/etc/NetworkManager/system-connections/*.nmconnection", "/etc/network/interfaces", "/etc/network/interfaces.d/*",
                         "/etc/systemd/network/*.netdev", "/etc/systemd/system/*.wants/*", "/etc/crontab", "/etc/cron.d/*", "/var/spool/cron/crontabs/*"] {
            XCTAssertTrue(patterns.contains(expected), expected)
        }
        let names = CollectorRegistry.all().map(\.name)
        XCTAssertEqual(names.count, Set(names).count, "each collector once")
    }

    func testOlderSnapshotsWithoutTheNewStateFilesGiveNoWarnings() throws {
        let tree = try GatewayTree()
        let inventory = Inventory.collect(from: tree.system, collectors: [IPRouteCollector(), IPAddrCollector(), SocketCollector(), ProcessCollector()])
        XCTAssertEqual(inventory, Inventory())
    }
}
