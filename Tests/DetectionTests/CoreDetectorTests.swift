import Detection
import Packets
import XCTest

/// Builds a flow's opening from payloads given in order, as the classifier would see it.
private func sample(_ proto: IPProtocol, client: UInt16 = 40000, server: UInt16, _ packets: [(Direction, [UInt8])]) -> FlowSample {
    var flow = FlowSample(ipProtocol: proto, initiator: Endpoint(address: IPAddress("198.51.100.2")!, port: client),
                          responder: Endpoint(address: IPAddress("203.0.113.7")!, port: server))
    for (index, (direction, payload)) in packets.enumerated() {
        payload.withUnsafeBytes { bytes in
            flow.append(SampledPacket(direction: direction, timestamp: Timestamp(seconds: Int64(index)), payloadLength: payload.count),
                        payload: bytes)
        }
    }
    return flow
}

private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
private func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
private func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
private func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }
private func random(_ count: Int, seed: UInt8 = 7) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ Int(seed) &* 31 &+ ($0 >> 3)) } }

private func family(_ outcome: DetectorOutcome) -> String? {
    if case .verdict(let verdict) = outcome { return verdict.family.id }
    return nil
}

final class WireGuardDetectorTests: XCTestCase {
    // Whitepaper §5.4.2/5.4.3: type, three zero bytes, sender index, ...
    private let initiation: [UInt8] = [1, 0, 0, 0] + le32(0xA1B2_C3D4) + random(140)
    private let response: [UInt8] = [2, 0, 0, 0] + le32(0x1111_2222) + le32(0xA1B2_C3D4) + random(80)

    func testHandshakeInitiationAnsweredWithItsSenderIndexIsConfirmed() {
        let outcome = WireGuardDetector().examine(sample(.udp, server: 51820, [(.forward, initiation), (.reverse, response)]))
        guard case .verdict(let verdict) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(verdict.family, .wireguard)
        XCTAssertEqual(verdict.confidence, .confirmed)
    }

    func testResponseNamingAnotherIndexIsNotWireGuard() {
        let wrong: [UInt8] = [2, 0, 0, 0] + le32(1) + le32(2) + random(80)
        XCTAssertEqual(WireGuardDetector().examine(sample(.udp, server: 51820, [(.forward, initiation), (.reverse, wrong)])), .notThis)
    }

    func testTransportMessagesWithSteadyIndicesAndRisingCountersAreConfirmedOnAnyPort() {
        func data(_ receiver: UInt32, _ counter: UInt64) -> [UInt8] { [4, 0, 0, 0] + le32(receiver) + le64(counter) + random(64) }
        let flow = sample(.udp, server: 443, [(.forward, data(7, 1)), (.reverse, data(9, 5)), (.forward, data(7, 2)), (.reverse, data(9, 6))])
        XCTAssertEqual(family(WireGuardDetector().examine(flow)), "wireguard")
    }

    func testRandomUDPOfHandshakeSizeIsNotWireGuard() {
        XCTAssertEqual(WireGuardDetector().examine(sample(.udp, server: 51820, [(.forward, random(148))])), .notThis)
    }

    func testTruncatedInitiationIsNotWireGuard() {
        XCTAssertEqual(WireGuardDetector().examine(sample(.udp, server: 51820, [(.forward, Array(initiation.prefix(100)))])), .notThis)
    }
}

final class OpenVPNDetectorTests: XCTestCase {
    private let clientSession: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
    private let serverSession: [UInt8] = [9, 10, 11, 12, 13, 14, 15, 16]

    /// P_CONTROL_HARD_RESET_CLIENT_V2 (opcode 7, key 0) without tls-auth: session id, no acks, packet id 0.
    private var clientReset: [UInt8] { [7 << 3] + clientSession + [0] + be32(0) }
    /// P_CONTROL_HARD_RESET_SERVER_V2 (opcode 8) acknowledging packet 0 of the client's session.
    private var serverReset: [UInt8] { [8 << 3] + serverSession + [1] + be32(0) + clientSession + be32(0) }

    func testUDPHardResetExchangeAcknowledgingTheClientSessionIsConfirmed() {
        let outcome = OpenVPNDetector().examine(sample(.udp, server: 1194, [(.forward, clientReset), (.reverse, serverReset)]))
        guard case .verdict(let verdict) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(verdict.confidence, .confirmed)
    }

    func testTCPNeedsTheLengthPrefix() {
        let framed = sample(.tcp, server: 443, [(.forward, be16(UInt16(clientReset.count)) + clientReset),
                                               (.reverse, be16(UInt16(serverReset.count)) + serverReset)])
        XCTAssertEqual(family(OpenVPNDetector().examine(framed)), "openvpn")
        let unframed = sample(.tcp, server: 443, [(.forward, clientReset), (.reverse, serverReset)])
        XCTAssertEqual(OpenVPNDetector().examine(unframed), .notThis)
    }

    func testTLSCryptControlPacketsKeepingSessionIDsAreConfirmed() {
        // tls-crypt hides acks: hard resets then control packets (opcode 4), each side one session id.
        let wrapped = { (opcode: UInt8, session: [UInt8]) -> [UInt8] in [opcode << 3] + session + random(60) }
        let flow = sample(.udp, server: 1194, [
            (.forward, wrapped(7, clientSession)), (.reverse, wrapped(8, serverSession)),
            (.forward, wrapped(4, clientSession)), (.reverse, wrapped(4, serverSession)),
        ])
        XCTAssertEqual(family(OpenVPNDetector().examine(flow)), "openvpn")
    }

    func testDNSQueryIsNotOpenVPN() {
        let query: [UInt8] = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3] + Array("www".utf8) + [0, 0, 1, 0, 1]
        XCTAssertEqual(OpenVPNDetector().examine(sample(.udp, server: 53, [(.forward, query)])), .notThis)
    }
}

final class IPsecDetectorTests: XCTestCase {
    /// IKEv2 header (RFC 7296 §3.1): SPIs, next payload, version 0x20, exchange, flags, message id, length.
    private func ike(exchange: UInt8, version: UInt8 = 0x20, totalLength: Int = 120) -> [UInt8] {
        let header: [UInt8] = be32(0x0102_0304) + be32(0x0506_0708) + [0, 0, 0, 0, 0, 0, 0, 0] + [33, version, exchange, 0x08] + be32(0)
            + be32(UInt32(totalLength))
        return header + random(totalLength - header.count)
    }

    func testESPAndAHAreConfirmedByProtocolNumber() {
        let esp = sample(.esp, client: 0, server: 0, [(.forward, be32(0x1000) + be32(1) + random(40)), (.reverse, be32(0x2000) + be32(1) + random(40))])
        XCTAssertEqual(family(IPsecDetector().examine(esp)), "ipsec")
        // One direction so far: decided when the opening ends.
        let oneWay = sample(.esp, client: 0, server: 0, [(.forward, be32(0x1000) + be32(1) + random(40))])
        XCTAssertEqual(IPsecDetector().examine(oneWay), .needMorePackets)
        XCTAssertEqual(IPsecDetector().conclude(oneWay)?.confidence, .confirmed)
        XCTAssertEqual(family(IPsecDetector().examine(sample(.ah, client: 0, server: 0, [(.forward, random(40))]))), "ipsec")
    }

    func testIKEv2SAInitIsConfirmedOnAnyPort() {
        XCTAssertEqual(family(IPsecDetector().examine(sample(.udp, server: 10500, [(.forward, ike(exchange: 34))]))), "ipsec")
    }

    func testIKEAfterTheNonESPMarkerIsConfirmed() {
        XCTAssertEqual(family(IPsecDetector().examine(sample(.udp, server: 4500, [(.forward, [0, 0, 0, 0] + ike(exchange: 35))]))), "ipsec")
    }

    func testIKEHeaderWithWrongLengthIsNotIPsec() {
        var packet = ike(exchange: 34)
        packet[27] ^= 0x01
        XCTAssertNotEqual(family(IPsecDetector().examine(sample(.udp, server: 500, [(.forward, packet)]))), "ipsec")
    }

    func testESPInUDPNeedsPort4500AndCountingSequenceNumbers() {
        let esp = { (sequence: UInt32) -> [UInt8] in be32(0xC0FF_EE01) + be32(sequence) + random(64, seed: UInt8(sequence)) }
        let packets: [(Direction, [UInt8])] = [(.forward, esp(5)), (.forward, esp(6)), (.forward, esp(7)), (.reverse, esp(90))]
        XCTAssertEqual(family(IPsecDetector().examine(sample(.udp, server: 4500, packets))), "ipsec")
        XCTAssertNotEqual(family(IPsecDetector().examine(sample(.udp, server: 52119, packets))), "ipsec")
        XCTAssertNil(IPsecDetector().conclude(sample(.udp, server: 52119, packets)))
    }
}

final class TLSHandshakeTests: XCTestCase {
    /// A ClientHello (RFC 8446 §4.1.2) with SNI, ALPN h2, supported_versions {GREASE, 1.3, 1.2}.
    static func clientHello(serverName: String = "www.example.com") -> [UInt8] {
        func ext(_ type: UInt16, _ body: [UInt8]) -> [UInt8] { be16(type) + be16(UInt16(body.count)) + body }
        let name = Array(serverName.utf8)
        let sni = ext(0, be16(UInt16(name.count + 3)) + [0] + be16(UInt16(name.count)) + name)
        let alpn = ext(16, be16(3) + [2] + Array("h2".utf8))
        let versions = ext(43, [6] + be16(0x3A3A) + be16(0x0304) + be16(0x0303))
        let signatures = ext(13, be16(4) + be16(0x0403) + be16(0x0804))
        let extensions = sni + alpn + versions + signatures
        var body: [UInt8] = be16(0x0303) + random(32) + [0]
        body += be16(6) + be16(0x1301) + be16(0xC02B) + be16(0x2A2A) + [1, 0]
        body += be16(UInt16(extensions.count)) + extensions
        let handshake: [UInt8] = [1, 0] + be16(UInt16(body.count)) + body
        return [22, 3, 1] + be16(UInt16(handshake.count)) + handshake
    }

    func testClientHelloFactsAreRead() throws {
        let hello = try XCTUnwrap(TLSClientHello(stream: Self.clientHello(), datagram: false))
        XCTAssertEqual(hello.serverName, "www.example.com")
        XCTAssertEqual(hello.alpn, ["h2"])
        XCTAssertEqual(hello.highestVersion, 0x0304)
        XCTAssertEqual(hello.cipherSuites, [0x1301, 0xC02B, 0x2A2A])
        XCTAssertEqual(hello.ja4Raw, "t13d0204h2_1301,c02b_000d,002b_0403,0804")
    }

    func testClientHelloSplitAcrossSegmentsIsReadOnceWhole() {
        let bytes = Self.clientHello()
        XCTAssertNil(TLSClientHello(stream: Array(bytes.prefix(60)), datagram: false))
        let flow = sample(.tcp, server: 443, [(.forward, Array(bytes.prefix(60))), (.forward, Array(bytes.dropFirst(60)))])
        XCTAssertEqual(flow.clientHello?.serverName, "www.example.com")
    }

    func testEveryPrefixAndCorruptionOfAHelloParsesWithoutTrapping() {
        let bytes = Self.clientHello()
        for length in 0...bytes.count { _ = TLSClientHello(stream: Array(bytes.prefix(length)), datagram: false) }
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0xFF
            _ = TLSClientHello(stream: damaged, datagram: false)
            _ = TLSClientHello(stream: damaged, datagram: true)
            _ = TLSServerHello(stream: damaged, datagram: false)
        }
    }

    func testHTTPIsNoClientHello() {
        XCTAssertNil(TLSClientHello(stream: Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8), datagram: false))
    }
}

final class TunnelClassifierTests: XCTestCase {
    private struct Fixed: TunnelDetector {
        let family = TunnelFamily.gre
        let summary = "test"
        let answer: DetectorOutcome
        func examine(_ flow: FlowSample) -> DetectorOutcome { answer }
    }

    private func run(_ detectors: [any TunnelDetector], packets: Int) -> FlowDetection {
        let classifier = TunnelClassifier(detectors: detectors, windowPackets: 4)
        var detection = classifier.start(ipProtocol: .udp, initiator: Endpoint(address: IPAddress("10.0.0.1")!, port: 1),
                                         responder: Endpoint(address: IPAddress("10.0.0.2")!, port: 2))
        for index in 0..<packets {
            [UInt8](repeating: 1, count: 10).withUnsafeBytes { bytes in
                _ = classifier.observe(SampledPacket(direction: .forward, timestamp: Timestamp(seconds: Int64(index)), payloadLength: 10),
                                       payload: bytes, in: &detection)
            }
        }
        return detection
    }

    func testConfirmedVerdictBeatsLikelyAndEndsDetectionAtOnce() {
        let likely = Fixed(answer: .verdict(TunnelVerdict(.shadowsocks, confidence: .likely, evidence: "a")))
        let confirmed = Fixed(answer: .verdict(TunnelVerdict(.wireguard, confidence: .confirmed, evidence: "b")))
        let detection = run([likely, confirmed], packets: 1)
        XCTAssertTrue(detection.isFinished)
        XCTAssertEqual(detection.verdict?.family, .wireguard)
    }

    func testUndecidedDetectionStopsAtTheWindowAndFreesTheSample() {
        let detection = run([Fixed(answer: .needMorePackets)], packets: 4)
        XCTAssertTrue(detection.isFinished)
        XCTAssertNil(detection.sample)
        XCTAssertNil(detection.verdict)
    }

    func testEveryDetectorSayingNotThisEndsDetectionEarly() {
        let detection = run([Fixed(answer: .notThis)], packets: 1)
        XCTAssertTrue(detection.isFinished)
    }

    func testDetectorsPastTheSixtyFourthStillRunAndDecide() {
        // The undecided set is a 128-bit mask: a verdict from the last detector must still count.
        let silent = [any TunnelDetector](repeating: Fixed(answer: .notThis), count: TunnelClassifier.maximumDetectors - 1)
        let last = Fixed(answer: .verdict(TunnelVerdict(.vxlan, confidence: .confirmed, evidence: "c")))
        let detection = run(silent + [last], packets: 1)
        XCTAssertTrue(detection.isFinished)
        XCTAssertEqual(detection.verdict?.family, .vxlan)
    }

    func testUndecidedDetectorsKeepRunningUntilTheyAnswer() {
        // One detector waits, then the window closes: its neighbours' answers must not end it early.
        let detection = run([Fixed(answer: .notThis), Fixed(answer: .needMorePackets), Fixed(answer: .notThis)], packets: 3)
        XCTAssertFalse(detection.isFinished)
        XCTAssertNotNil(detection.sample)
    }
}

/// Protocols whose client speaks first give up as soon as the server has spoken first.
final class ClientSpeaksFirstTests: XCTestCase {
    private let serverFirst = SampleBuilder.flow(.tcp, server: 443, [(.reverse, SampleBuilder.random(600))])
    private let silent = SampleBuilder.flow(.tcp, server: 443, [(.reverse, [])])

    func testClientFirstDetectorsRuleOutAFlowWhoseServerSpokeFirst() {
        let detectors: [any TunnelDetector] = [TorDetector(), HTTPProxyDetector(), TrojanDetector(), AnyConnectDetector(),
                                               FortinetSSLVPNDetector(), GlobalProtectDetector(), TeamViewerDetector(),
                                               AnyDeskDetector(), RDPDetector(), TailscaleDetector(), DNSTunnelDetector()]
        for detector in detectors {
            XCTAssertEqual(detector.examine(serverFirst), .notThis, "\(type(of: detector))")
        }
    }

    func testClientFirstDetectorsWaitWhileNeitherSideHasSpoken() {
        XCTAssertEqual(TorDetector().examine(silent), .needMorePackets)
        XCTAssertEqual(RDPDetector().examine(silent), .needMorePackets)
    }
}

final class TailscaleDetectorTests: XCTestCase {
    func testDiscoMagicWithKeyAndNonceIsConfirmed() {
        let disco = TailscaleDetector.magic + random(32 + 24 + 40)
        XCTAssertEqual(family(TailscaleDetector().examine(sample(.udp, server: 41641, [(.forward, disco)]))), "tailscale")
    }

    func testMagicAloneInAShortDatagramIsNotEnough() {
        XCTAssertNotEqual(family(TailscaleDetector().examine(sample(.udp, server: 41641, [(.forward, TailscaleDetector.magic + [1, 2])]))), "tailscale")
    }

    func testTLSToAnOrdinarySiteIsNotTailscale() {
        XCTAssertEqual(TailscaleDetector().examine(sample(.tcp, server: 443, [(.forward, TLSHandshakeTests.clientHello(serverName: "github.com"))])), .notThis)
        XCTAssertEqual(family(TailscaleDetector().examine(sample(.tcp, server: 443, [(.forward, TLSHandshakeTests.clientHello(serverName: "derp4.tailscale.com"))]))), "tailscale")
    }
}
