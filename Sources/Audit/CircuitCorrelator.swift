import FileSupport
import Detection
import Flows
import Foundation
import Geo
import Inventory
import Packets
import Policy
import Traffic

/// Joins configuration items and observed flows into circuits: configured-and-seen,
/// configured-but-idle, and seen-but-unconfigured (a device behind the gateway running its own
/// tunnel), each with its ends located.
public struct CircuitCorrelator: Sendable {
    public var locator: GeoLocator
    public var organization: OrganizationProfile?

    public init(locator: GeoLocator, organization: OrganizationProfile?) {
        self.locator = locator
        self.organization = organization
    }

    /// Technologies that are channels of their own (not NAT rules, not bare tun/tap devices).
    static let channelTechnologies: Set<String> = [
        "wireguard", "openvpn", "ipsec", "gre", "vxlan", "geneve", "ip-in-ip", "l2tp", "pptp", "tinc", "softether", "anyconnect",
        "shadowsocks", "vmess", "vless", "trojan", "hysteria", "tuic", "snell", "frp", "stunnel", "tor", "socks", "http-proxy", "bgp", "sstp",
        "zerotier", "tailscale", "macsec", "fortinet-sslvpn", "globalprotect",
    ]
    static let translationTechnologies: Set<String> = ["nat", "forwarding"]

    public func circuits(inventory: Inventory, traffic: [TrafficSummary]) -> [Circuit] {
        var circuits: [Circuit] = []
        var indexByKey: [String: Int] = [:]

        // 1. Configured channels, merged by technology and far end; items without a far end
        //    (a listener, or a kernel interface) join the circuit on the same interface.
        //    Live state is evidence of configured circuits, not circuits of its own: a running
        //    program (`ps`, naming its configuration file) and its sockets (`ss`, by pid) join
        //    the circuit that file defines, a daemon naming no file joins its technology's
        //    configured circuit, and a loopback-only listener joins its own file's channel.
        //    Programs come before sockets so a socket can find its program.
        let channels = inventory.items.filter { Self.channelTechnologies.contains($0.technology) }
        let remoteless = channels.filter { $0.remote.isEmpty }
        let ordered = channels.filter { !$0.remote.isEmpty } + remoteless.filter { $0.attributes["config"] != nil }
            + remoteless.filter { $0.attributes["config"] == nil }
        for item in ordered {
            let remoteHost = item.remote.first?.host
            if remoteHost == nil, let index = circuits.firstIndex(where: { Self.runs($0, item) })
                ?? daemonCircuit(for: item, in: circuits, inventory: inventory) ?? localEntryCircuit(for: item, in: circuits) {
                merge(item, into: &circuits[index])
                continue
            }
            if remoteHost == nil, let interface = item.interface,
               let index = circuits.firstIndex(where: { $0.interface == interface && $0.technology == item.technology }) {
                merge(item, into: &circuits[index])
                continue
            }
            let key = remoteHost.map { "\(item.technology)|\($0)" } ?? "\(item.technology)|listener|\(item.interface ?? item.name)"
            if let index = indexByKey[key] {
                merge(item, into: &circuits[index])
                continue
            }
            let address = remoteHost.flatMap { IPAddress($0) != nil ? $0 : nil }
            indexByKey[key] = circuits.count
            circuits.append(Circuit(
                id: stableID([item.technology, item.local.map(\.description).joined(separator: ","), remoteHost ?? item.name]),
                technology: item.technology, role: item.role, origin: .configuredIdle, name: item.name, interface: item.interface,
                local: item.local, remote: item.remote, remoteAddress: address, remoteLocation: nil, localLocation: nil, tunnel: nil,
                insideHosts: [], externalSources: [], translatedNetworks: [], networks: item.networks, packets: 0, bytes: 0,
                firstSeen: nil, lastSeen: nil, remoteAS: item.attributes["remote-as"].flatMap { UInt32($0) }, configuration: [item], flows: []))
        }

        // 2. Flows with a verdict: attach to a configured circuit, or make an unconfigured one.
        for summary in traffic {
            let captureName = FilePath(summary.source).fileName
            for flow in summary.flows {
                guard let verdict = flow.tunnel else { continue }
                let reference = Self.reference(flow, captureName: captureName)
                let initiator = flow.record.source.description
                let responder = flow.record.destination.description
                if let index = circuits.firstIndex(where: { $0.remoteAddress == responder || $0.remoteAddress == initiator }) {
                    attach(reference, to: &circuits[index], inside: circuits[index].remoteAddress == responder ? initiator : nil)
                    continue
                }
                if let index = circuits.firstIndex(where: { circuit in
                    circuit.remote.isEmpty && circuit.technology == verdict.family.id
                        && circuit.local.contains { $0.port == flow.record.destinationPort }
                }) {
                    // An inbound session to one of the gateway's listeners.
                    attach(reference, to: &circuits[index], inside: nil)
                    if !isOrganizationAddress(initiator) && !circuits[index].externalSources.contains(initiator) {
                        circuits[index].externalSources.append(initiator)
                    }
                    continue
                }
                let key = "seen|\(verdict.family.id)|\(responder)"
                if let index = indexByKey[key] {
                    attach(reference, to: &circuits[index], inside: initiator)
                    continue
                }
                indexByKey[key] = circuits.count
                var circuit = Circuit(
                    id: stableID([verdict.family.id, initiator, responder]), technology: verdict.family.id, role: .client,
                    origin: .seenUnconfigured, name: "\(verdict.family.id) from \(initiator) to \(responder)", interface: nil,
                    local: [NetworkEndpoint(host: initiator)],
                    remote: [NetworkEndpoint(host: responder, port: flow.record.ipProtocol.hasPorts ? flow.record.destinationPort : nil,
                                             transport: flow.record.ipProtocol.description.lowercased())],
                    remoteAddress: responder, remoteLocation: nil, localLocation: nil, tunnel: nil, insideHosts: [],
                    externalSources: [], translatedNetworks: [], networks: [], packets: 0, bytes: 0, firstSeen: nil, lastSeen: nil,
                    remoteAS: nil, configuration: [], flows: [])
                attach(reference, to: &circuit, inside: initiator)
                circuits.append(circuit)
            }
        }

        // 3. NAT and forwarding rules toward a circuit's interface.
        for item in inventory.items where Self.translationTechnologies.contains(item.technology) {
            guard let outInterface = item.attributes["out-interface"] ?? item.interface else { continue }
            for index in circuits.indices where circuits[index].interface == outInterface {
                circuits[index].configuration.append(item)
                let sources = item.networks + (item.attributes["source-networks"]?.split(separator: ",").map(String.init) ?? [])
                circuits[index].translatedNetworks = Array(Set(circuits[index].translatedNetworks + sources)).sorted()
            }
        }

        // 4. Locate both ends.
        for index in circuits.indices {
            if let address = circuits[index].remoteAddress, let ip = IPAddress(address) {
                circuits[index].remoteLocation = locator.locate(ip)
            } else if let host = circuits[index].remote.first?.host {
                circuits[index].remoteLocation = Location(source: "\(host) is a host name: not resolved offline; declare its address in the organization file")
            }
            circuits[index].localLocation = gatewayLocation
        }
        return circuits.sorted { ($0.technology, $0.id) < ($1.technology, $1.id) }
    }

    /// The audited gateway's location: its declared `gateway` site, else the tool's premise.
    var gatewayLocation: Location {
        if let site = organization?.sites.first(where: { $0.kind == .gateway }) {
            return Location(country: site.country, site: site.name, source: "organization file \(site.definedAt) (site \(site.name))")
        }
        return Location(country: "CN", source: "premise: the audited gateway is in mainland China (declare a gateway site to say otherwise)")
    }

    /// Whether an address belongs to one of the organization's declared sites.
    func isOrganizationAddress(_ address: String) -> Bool {
        guard let ip = IPAddress(address), let organization else { return false }
        return organization.sites.contains { site in site.ranges.contains { AddressRange($0)?.contains(ip) == true } }
    }

    /// Whether a live-state item is the running program of a circuit (its `config` is a file
    /// the circuit was read from) or a socket of that program (same technology and `pid`).
    static func runs(_ circuit: Circuit, _ item: ConfigItem) -> Bool {
        guard circuit.technology == item.technology else { return false }
        if let config = item.attributes["config"] {
            return circuit.configuration.contains { $0.sources.contains { $0.location == config } }
        }
        if let pid = item.attributes["pid"] {
            return circuit.configuration.contains { $0.attributes["pid"] == pid && $0.attributes["config"] != nil }
        }
        return false
    }

    /// A daemon that names no configuration file of its own (charon, xl2tpd, pptpd read fixed
    /// paths) serves the connections its technology's files define: its process and sockets
    /// join the first of those circuits instead of standing as listeners of their own.
    func daemonCircuit(for item: ConfigItem, in circuits: [Circuit], inventory: Inventory) -> Int? {
        guard let pid = item.attributes["pid"], item.attributes["config"] == nil,
              !inventory.items.contains(where: { $0.attributes["pid"] == pid && $0.attributes["config"] != nil }) else { return nil }
        return circuits.firstIndex { circuit in
            circuit.technology == item.technology && circuit.configuration.contains { $0.sources.contains { $0.location.hasPrefix("/") } }
        }
    }

    /// A listener on loopback only (a V2Ray SOCKS inbound, a local proxy port) cannot take
    /// sessions from anyone else: it is the local entry of the channel the same file defines.
    func localEntryCircuit(for item: ConfigItem, in circuits: [Circuit]) -> Int? {
        guard !item.local.isEmpty, item.local.allSatisfy({ Self.isLoopback($0.host) }) else { return nil }
        let files = Set(item.sources.map(\.location).filter { $0.hasPrefix("/") })
        return circuits.firstIndex { circuit in circuit.configuration.contains { $0.sources.contains { files.contains($0.location) } } }
    }

    static func isLoopback(_ host: String) -> Bool {
        guard let address = IPAddress(host) else { return host == "localhost" }
        if let v4 = address.ipv4Value { return v4 >> 24 == 127 }
        return address == IPAddress("::1")
    }

    /// Adds a further item about the same circuit: its networks, endpoints and a known role.
    private func merge(_ item: ConfigItem, into circuit: inout Circuit) {
        circuit.configuration.append(item)
        circuit.networks = Array(Set(circuit.networks + item.networks)).sorted()
        for endpoint in item.local where !circuit.local.contains(endpoint) { circuit.local.append(endpoint) }
        if circuit.interface == nil { circuit.interface = item.interface }
        if circuit.role == .unknown { circuit.role = item.role }
        if circuit.remoteAS == nil { circuit.remoteAS = item.attributes["remote-as"].flatMap { UInt32($0) } }
    }

    private func attach(_ flow: FlowReference, to circuit: inout Circuit, inside: String?) {
        circuit.flows.append(flow)
        circuit.packets += flow.packets
        circuit.bytes += flow.bytes
        circuit.firstSeen = min(circuit.firstSeen ?? flow.first, flow.first)
        circuit.lastSeen = max(circuit.lastSeen ?? flow.last, flow.last)
        if circuit.origin == .configuredIdle { circuit.origin = .configuredAndSeen }
        if let inside, !circuit.insideHosts.contains(inside) { circuit.insideHosts.append(inside) }
        if circuit.tunnel == nil || (flow.tunnel.map { $0.confidence == "confirmed" } ?? false) { circuit.tunnel = flow.tunnel ?? circuit.tunnel }
    }

    /// `captureName` is the capture file's name without its directory.
    static func reference(_ flow: AnalyzedFlow, captureName: String) -> FlowReference {
        let record = flow.record
        return FlowReference(
            capture: captureName, flow: record.id, proto: record.ipProtocol.description,
            source: record.source.description, sourcePort: record.sourcePort, destination: record.destination.description,
            destinationPort: record.destinationPort, packets: record.forward.packets + record.reverse.packets,
            bytes: record.forward.bytes + record.reverse.bytes, first: record.firstSeen.iso8601, last: record.lastSeen.iso8601,
            tunnel: flow.tunnel.map {
                TunnelSummary(family: $0.family.id, tunnelClass: $0.family.tunnelClass.rawValue, product: $0.product,
                              confidence: $0.confidence.rawValue, evidence: $0.evidence)
            })
    }
}
