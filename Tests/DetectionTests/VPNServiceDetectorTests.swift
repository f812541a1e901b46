import Detection
import Packets
import XCTest

final class VPNServiceDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    private let catalog = ProviderCatalog(providers: [
        .init(name: "TunnelBear", kind: .vpnService, domains: ["tunnelbear.com", "polargrizzly.com"]),
        .init(name: "Cloudflare WARP", kind: .vpnService, domains: ["cloudflareclient.com"],
              addressRanges: [ProviderCatalog.AddressRange(cidr: "162.159.192.0/24")!, ProviderCatalog.AddressRange(cidr: "2606:4700:100::/48")!]),
        .init(name: "Zscaler", kind: .proxy, domains: ["zscaler.net"]),
    ])

    func testServerNameUnderAProviderDomainNamesTheProvider() {
        let flow = makeFlow(.tcp, server: 443, [(.forward, B.clientHello(serverName: "api.polargrizzly.com", alpn: ["h2"]))])
        let found = verdict(VPNServiceDetector(catalog: catalog).examine(flow))
        XCTAssertEqual(found?.family, .vpnService)
        XCTAssertEqual(found?.product, "TunnelBear")
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertEqual(found?.evidence, "TLS ClientHello with SNI api.polargrizzly.com matches TunnelBear's domain polargrizzly.com")
    }

    func testCertificateNameNamesTheProviderWhenThereIsNoSNI() {
        let flow = makeFlow(.tcp, server: 443, [
            (.forward, B.clientHello(serverName: nil)),
            (.reverse, B.serverFlight(certificate: B.certificate(issuer: "Some CA", subject: "*.tunnelbear.com"))),
        ])
        XCTAssertEqual(verdict(VPNServiceDetector(catalog: catalog).examine(flow))?.product, "TunnelBear")
    }

    func testPublishedAddressRangeNamesTheProvider() {
        let flow = makeFlow(.udp, server: 2408, serverAddress: "162.159.192.7", [(.forward, B.noise(148))])
        let found = verdict(VPNServiceDetector(catalog: catalog).examine(flow))
        XCTAssertEqual(found?.product, "Cloudflare WARP")
        XCTAssertTrue(found?.evidence.contains("162.159.192.0/24") ?? false)
    }

    func testProxyProvidersAreReportedAsProxies() {
        let flow = makeFlow(.tcp, server: 443, [(.forward, B.clientHello(serverName: "gateway.zscaler.net"))])
        XCTAssertEqual(verdict(VPNServiceDetector(catalog: catalog).examine(flow))?.family, .httpProxy)
    }

    func testOrdinaryWebsitesAndLookalikesAreNotProviders() {
        let detector = VPNServiceDetector(catalog: catalog)
        XCTAssertEqual(detector.examine(ordinaryTLS("www.google.com")), .notThis)
        XCTAssertEqual(detector.examine(ordinaryTLS("github.com")), .notThis)
        XCTAssertEqual(detector.examine(ordinaryTLS("nottunnelbear.com")), .notThis)
        XCTAssertEqual(detector.examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
    }

    func testEmptyCatalogNamesNothing() {
        let flow = makeFlow(.tcp, server: 443, [(.forward, B.clientHello(serverName: "api.tunnelbear.com"))])
        XCTAssertEqual(VPNServiceDetector(catalog: .empty).examine(flow), .notThis)
    }

    func testAnnotateAddsTheProviderToAnotherDetectorsVerdict() {
        let flow = makeFlow(.udp, server: 2408, serverAddress: "162.159.192.7", [(.forward, B.noise(148))])
        var found = TunnelVerdict(.wireguard, confidence: .confirmed, evidence: "WireGuard handshake")
        VPNServiceDetector(catalog: catalog).annotate(&found, flow: flow)
        XCTAssertEqual(found.product, "Cloudflare WARP")
        XCTAssertEqual(found.family, .wireguard)
        var named = TunnelVerdict(.wireguard, product: "Mullvad", confidence: .confirmed, evidence: "x")
        VPNServiceDetector(catalog: catalog).annotate(&named, flow: flow)
        XCTAssertEqual(named.product, "Mullvad")
    }
}

final class ProviderCatalogTests: XCTestCase {
    func testDomainSuffixesMatchOnLabelBoundaries() {
        let catalog = ProviderCatalog(providers: [.init(name: "NordVPN", kind: .vpnService, domains: ["NordVPN.com."])])
        XCTAssertEqual(catalog.match(serverName: "us1234.nordvpn.com")?.name, "NordVPN")
        XCTAssertEqual(catalog.match(serverName: "nordvpn.com")?.name, "NordVPN")
        XCTAssertEqual(catalog.match(serverName: "*.nordvpn.com")?.name, "NordVPN")
        XCTAssertNil(catalog.match(serverName: "notnordvpn.com"))
        XCTAssertNil(catalog.match(serverName: "nordvpn.com.evil.example"))
    }

    func testLongestSuffixWins() {
        let catalog = ProviderCatalog(providers: [
            .init(name: "Proton", kind: .vpnService, domains: ["proton.me"]),
            .init(name: "ProtonVPN", kind: .vpnService, domains: ["vpn-api.proton.me"]),
        ])
        XCTAssertEqual(catalog.match(serverName: "vpn-api.proton.me")?.name, "ProtonVPN")
        XCTAssertEqual(catalog.match(serverName: "mail.proton.me")?.name, "Proton")
    }

    func testAddressRangesIPv4AndIPv6() {
        let catalog = ProviderCatalog(providers: [.init(name: "WARP", kind: .vpnService, addressRanges: [
            ProviderCatalog.AddressRange(cidr: "162.159.193.0/24")!, ProviderCatalog.AddressRange(cidr: "2606:4700:100::/48")!,
        ])])
        XCTAssertEqual(catalog.match(address: IPAddress("162.159.193.10")!)?.name, "WARP")
        XCTAssertNil(catalog.match(address: IPAddress("162.159.194.10")!))
        XCTAssertEqual(catalog.match(address: IPAddress("2606:4700:100::a29f:c101")!)?.name, "WARP")
        XCTAssertNil(catalog.match(address: IPAddress("2606:4700:101::1")!))
        XCTAssertNil(catalog.match(address: IPAddress("::ffff:162.159.193.10")!.isIPv4 ? IPAddress("10.0.0.1")! : IPAddress("10.0.0.1")!))
    }

    func testCIDRParsing() {
        XCTAssertEqual(ProviderCatalog.AddressRange(cidr: "10.1.2.3/8")?.description, "10.0.0.0/8")
        XCTAssertNil(ProviderCatalog.AddressRange(cidr: "10.0.0.0/33"))
        XCTAssertNil(ProviderCatalog.AddressRange(cidr: "10.0.0.0"))
        XCTAssertNil(ProviderCatalog.AddressRange(cidr: "2001:db8::/129"))
        XCTAssertNil(ProviderCatalog.AddressRange(cidr: "example.com/24"))
        XCTAssertTrue(ProviderCatalog.AddressRange(cidr: "0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        XCTAssertFalse(ProviderCatalog.AddressRange(cidr: "0.0.0.0/0")!.contains(IPAddress("2001:db8::1")!))
    }
}
