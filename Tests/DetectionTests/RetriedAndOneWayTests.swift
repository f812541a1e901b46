import Detection
import Packets
import XCTest

/// A flow's opening with each packet at its own time (seconds), as a gateway would see it.
private func timedFlow(_ proto: IPProtocol, server: UInt16, _ packets: [(Double, Direction, [UInt8])]) -> FlowSample {
    var flow = FlowSample(ipProtocol: proto, initiator: Endpoint(address: IPAddress("198.51.100.2")!, port: 40000),
                          responder: Endpoint(address: IPAddress("203.0.113.7")!, port: server))
    for (time, direction, payload) in packets {
        payload.withUnsafeBytes { bytes in
            flow.append(SampledPacket(direction: direction, timestamp: Timestamp(nanoseconds: Int64(time * 1e9)),
                                      payloadLength: payload.count, tcpFlags: proto == .tcp ? 0x18 : 0), payload: bytes)
        }
    }
    return flow
}

private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
private func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
private let be16 = SampleBuilder.be16
private let be32 = SampleBuilder.be32
private func noise(_ count: Int, _ seed: UInt64) -> [UInt8] { SampleBuilder.random(count, seed: seed) }

/// Runs the whole registry over packets given in order, then ends the flow (as the flow
/// table does when a flow ends or the capture does).
private func classify(_ proto: IPProtocol, server: UInt16, _ packets: [(Direction, [UInt8])]) -> TunnelVerdict? {
    let classifier = TunnelClassifier(detectors: DetectorRegistry.all())
    var detection = classifier.start(ipProtocol: proto, initiator: Endpoint(address: IPAddress("198.51.100.2")!, port: 40000),
                                     responder: Endpoint(address: IPAddress("203.0.113.7")!, port: server))
    for (index, (direction, payload)) in packets.enumerated() {
        payload.withUnsafeBytes { bytes in
            _ = classifier.observe(SampledPacket(direction: direction, timestamp: Timestamp(seconds: Int64(index)), payloadLength: payload.count),
                                   payload: bytes, in: &detection)
        }
    }
    classifier.finish(&detection)
    return detection.verdict
}

// MARK: WireGuard (whitepaper §5.4, §6.4)

final class WireGuardRetriedAndOneWayTests: XCTestCase {
    private func initiation(_ sender: UInt32) -> [UInt8] { [1, 0, 0, 0] + le32(sender) + noise(140, UInt64(sender)) }
    private func response(_ sender: UInt32, answering receiver: UInt32) -> [UInt8] { [2, 0, 0, 0] + le32(sender) + le32(receiver) + noise(80, 3) }
    private func data(_ receiver: UInt32, _ counter: UInt64, size: Int = 64) -> [UInt8] {
        [4, 0, 0, 0] + le32(receiver) + le64(counter) + noise(size, counter &+ 11)
    }

    func testRetriedHandshakeIsStillConfirmed() {
        // The peer comes up after two initiations went unanswered; the response echoes the third's index.
        let flow = timedFlow(.udp, server: 51820, [
            (0, .forward, initiation(0x1111)), (5.2, .forward, initiation(0x2222)), (10.3, .forward, initiation(0x3333)),
            (10.31, .reverse, response(0x9999, answering: 0x3333)),
        ])
        let found = SampleBuilder.verdict(WireGuardDetector().examine(flow))
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("after 2 unanswered initiations") == true, found?.evidence ?? "")
    }

    func testResponseAnsweringNoneOfTheRetriedInitiationsIsNotWireGuard() {
        let flow = timedFlow(.udp, server: 51820, [
            (0, .forward, initiation(0x1111)), (5.2, .forward, initiation(0x2222)), (5.21, .reverse, response(0x9999, answering: 0x4444)),
        ])
        XCTAssertEqual(WireGuardDetector().examine(flow), .notThis)
    }

    func testTransportDataSeenMidStreamBothWaysIsConfirmedAndSaysSo() {
        let flow = timedFlow(.udp, server: 51820, [
            (0, .forward, data(7, 5000)), (0.01, .reverse, data(9, 7000)), (0.02, .forward, data(7, 5001)), (0.03, .reverse, data(9, 7001)),
        ])
        let found = SampleBuilder.verdict(WireGuardDetector().examine(flow))
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("mid-session") == true, found?.evidence ?? "")
    }

    func testOneWayTransportDataWaitsThenIsLikelyAndSaysOneDirection() {
        let flow = timedFlow(.udp, server: 51820, (0..<5).map { (Double($0), Direction.forward, data(7, 300 + UInt64($0) * 2)) })
        XCTAssertEqual(WireGuardDetector().examine(flow), .needMorePackets, "the other direction may still come")
        let found = WireGuardDetector().conclude(flow)
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertTrue(found?.evidence.contains("one direction only") == true, found?.evidence ?? "")
    }

    func testOneWayTransportWithFallingCountersOrManyIndicesIsNotWireGuard() {
        let falling = timedFlow(.udp, server: 51820, (0..<5).map { (Double($0), Direction.forward, data(7, 300 - UInt64($0))) })
        XCTAssertNil(WireGuardDetector().conclude(falling))
        let scattered = timedFlow(.udp, server: 51820, (0..<5).map { (Double($0), Direction.forward, data(UInt32(7 + $0), 300 + UInt64($0))) })
        XCTAssertNil(WireGuardDetector().conclude(scattered))
        let tooFew = timedFlow(.udp, server: 51820, (0..<2).map { (Double($0), Direction.forward, data(7, 300 + UInt64($0))) })
        XCTAssertNil(WireGuardDetector().conclude(tooFew))
        let misaligned = timedFlow(.udp, server: 51820, (0..<5).map { (Double($0), Direction.forward, data(7, 300 + UInt64($0), size: 61)) })
        XCTAssertNil(WireGuardDetector().conclude(misaligned))
    }

    func testUnansweredInitiationsRetriedEveryFiveSecondsAreLikely() {
        let flow = timedFlow(.udp, server: 51820, [(0, .forward, initiation(1)), (5.1, .forward, initiation(2)), (10.25, .forward, initiation(3))])
        XCTAssertEqual(WireGuardDetector().examine(flow), .needMorePackets)
        let found = WireGuardDetector().conclude(flow)
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertTrue(found?.evidence.contains("none answered") == true, found?.evidence ?? "")
    }

    func testInitiationLookalikesAtOtherIntervalsOrWithOneIndexAreNotWireGuard() {
        let fast = timedFlow(.udp, server: 51820, [(0, .forward, initiation(1)), (1, .forward, initiation(2)), (2, .forward, initiation(3))])
        XCTAssertNil(WireGuardDetector().conclude(fast))
        let sameIndex = timedFlow(.udp, server: 51820, [(0, .forward, initiation(1)), (5.1, .forward, initiation(1))])
        XCTAssertNil(WireGuardDetector().conclude(sameIndex))
        let single = timedFlow(.udp, server: 51820, [(0, .forward, initiation(1))])
        XCTAssertNil(WireGuardDetector().conclude(single))
    }

    func testClassifierConcludesAOneWayFlowWhenItEnds() {
        let found = classify(.udp, server: 443, (0..<6).map { (Direction.forward, data(0xABCD, 90 + UInt64($0))) })
        XCTAssertEqual(found?.family, .wireguard)
        XCTAssertEqual(found?.confidence, .likely)
    }

    func testClassifierConcludesWhenTheWindowCloses() {
        let classifier = TunnelClassifier(detectors: DetectorRegistry.all())
        var detection = classifier.start(ipProtocol: .udp, initiator: Endpoint(address: IPAddress("10.0.0.1")!, port: 1),
                                         responder: Endpoint(address: IPAddress("10.0.0.2")!, port: 2))
        var finished = false
        for index in 0..<classifier.windowPackets {
            data(5, UInt64(index)).withUnsafeBytes { bytes in
                finished = classifier.observe(SampledPacket(direction: .forward, timestamp: Timestamp(seconds: Int64(index)), payloadLength: bytes.count),
                                              payload: bytes, in: &detection)
            }
        }
        XCTAssertTrue(finished)
        XCTAssertEqual(detection.verdict?.family, .wireguard)
    }
}

// MARK: OpenVPN (openvpn.net protocol notes: control and data channel)

final class OpenVPNRetriedAndMidStreamTests: XCTestCase {
    private let first: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
    private let second: [UInt8] = [8, 7, 6, 5, 4, 3, 2, 1]
    private let server: [UInt8] = [9, 10, 11, 12, 13, 14, 15, 16]
    private func reset(_ session: [UInt8]) -> [UInt8] { [7 << 3] + session + [0] + be32(0) }
    private func serverReset(acking session: [UInt8]) -> [UInt8] { [8 << 3] + server + [1] + be32(0) + session + be32(0) }
    /// P_DATA_V2 (opcode 9) with AEAD: key id, peer id, packet id, tag and ciphertext.
    private func dataV2(key: UInt8 = 1, peer: UInt32 = 5, id: UInt32, size: Int = 80) -> [UInt8] {
        [9 << 3 | key] + Array(be32(peer).suffix(3)) + be32(id) + noise(16 + size, UInt64(id) &+ 1)
    }

    func testRetransmittedHardResetsAnsweredAreStillConfirmed() {
        let flow = SampleBuilder.flow(.udp, server: 1194, [(.forward, reset(first)), (.forward, reset(first)), (.forward, reset(first)),
                                                           (.reverse, serverReset(acking: first))])
        let found = SampleBuilder.verdict(OpenVPNDetector().examine(flow))
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("after 2 retried resets") == true, found?.evidence ?? "")
    }

    func testRestartedResetWithANewSessionIDIsConfirmedByTheOneAcknowledged() {
        let flow = SampleBuilder.flow(.udp, server: 1194, [(.forward, reset(first)), (.forward, reset(second)), (.reverse, serverReset(acking: second))])
        XCTAssertEqual(SampleBuilder.verdict(OpenVPNDetector().examine(flow))?.confidence, .confirmed)
    }

    func testSomethingElseBetweenResetsIsNotOpenVPN() {
        let flow = SampleBuilder.flow(.udp, server: 1194, [(.forward, reset(first)), (.forward, noise(40, 2)), (.reverse, serverReset(acking: first))])
        XCTAssertEqual(OpenVPNDetector().examine(flow), .notThis)
    }

    func testDataPacketsSeenMidStreamBothWaysAreConfirmedAndSaySo() {
        let flow = SampleBuilder.flow(.udp, server: 1194, [
            (.forward, dataV2(id: 900)), (.reverse, dataV2(peer: 5, id: 40)), (.forward, dataV2(id: 901)), (.reverse, dataV2(peer: 5, id: 41)),
        ])
        let found = SampleBuilder.verdict(OpenVPNDetector().examine(flow))
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("after the tunnel was up") == true, found?.evidence ?? "")
    }

    func testFramedDataPacketsOverTCPAreConfirmed() {
        let framed = { (packet: [UInt8]) in be16(UInt16(packet.count)) + packet }
        let flow = SampleBuilder.flow(.tcp, server: 443, [
            (.forward, framed(dataV2(id: 3)) + framed(dataV2(id: 4))), (.reverse, framed(dataV2(id: 70)) + framed(dataV2(id: 71))),
        ])
        XCTAssertEqual(SampleBuilder.verdict(OpenVPNDetector().examine(flow))?.confidence, .confirmed)
    }

    func testCBCDataPacketsWithAFixedPeerIDBothWaysAreLikely() {
        // CBC encrypts the packet id: only opcode, key id and peer id are fixed.
        let cbc = { (seed: UInt64) -> [UInt8] in [9 << 3 | 2] + [0, 0, 5] + noise(20 + 16 + 64, seed) }
        let flow = SampleBuilder.flow(.udp, server: 1194, (0..<6).map { ($0 % 2 == 0 ? .forward : .reverse, cbc(UInt64($0) + 1)) })
        XCTAssertEqual(SampleBuilder.verdict(OpenVPNDetector().examine(flow))?.confidence, .likely)
    }

    func testOneWayDataPacketsAreLikelyAtTheEnd() {
        let flow = SampleBuilder.flow(.udp, server: 1194, (0..<4).map { (.forward, dataV2(id: 100 + UInt32($0))) })
        XCTAssertEqual(OpenVPNDetector().examine(flow), .needMorePackets)
        let found = OpenVPNDetector().conclude(flow)
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertTrue(found?.evidence.contains("one direction only") == true, found?.evidence ?? "")
    }

    func testClientSideOfASessionSeenOneWayIsLikely() {
        // Reset, then P_CONTROL_V1 (opcode 4) carrying the TLS handshake with the same session id, then data.
        let control = [4 << 3] + first + [0] + be32(1) + noise(100, 4)
        let flow = SampleBuilder.flow(.udp, server: 1194, [(.forward, reset(first)), (.forward, control), (.forward, dataV2(id: 1))])
        XCTAssertEqual(OpenVPNDetector().examine(flow), .needMorePackets)
        let found = OpenVPNDetector().conclude(flow)
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertTrue(found?.evidence.contains("one direction only") == true, found?.evidence ?? "")
        let otherSession = SampleBuilder.flow(.udp, server: 1194, [(.forward, reset(first)), (.forward, [4 << 3] + second + [0] + be32(1) + noise(100, 4))])
        XCTAssertEqual(OpenVPNDetector().examine(otherSession), .notThis, "a control packet of another session")
    }

    func testUnansweredRetransmittedResetsAreLikelyAtTheEnd() {
        let flow = SampleBuilder.flow(.udp, server: 1194, [(.forward, reset(first)), (.forward, reset(first)), (.forward, reset(first))])
        XCTAssertEqual(OpenVPNDetector().conclude(flow)?.confidence, .likely)
        XCTAssertNil(OpenVPNDetector().conclude(SampleBuilder.flow(.udp, server: 1194, [(.forward, reset(first))])), "one reset is too little")
        // tls-crypt: session id, replay packet id, Unix time, then the tag and ciphertext.
        let wrapped = [7 << 3] + first + be32(1) + be32(1_764_000_000) + noise(32 + 60, 8)
        XCTAssertEqual(OpenVPNDetector().conclude(SampleBuilder.flow(.udp, server: 1194, [(.forward, wrapped), (.forward, wrapped)]))?.confidence, .likely)
    }

    func testRetriedDNSQueryWhoseIDLooksLikeAResetOpcodeIsNotOpenVPN() {
        // RFC 1035 query: id 0x38d3 (opcode 7, key 0), flags, counts, then a name that is text.
        var name: [UInt8] = []
        for label in ["_sip", "_udp", "sip", "example", "com"] { name += [UInt8(label.utf8.count)] + Array(label.utf8) }
        let query: [UInt8] = [0x38, 0xD3, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + name + [0, 0, 33, 0, 1]
        XCTAssertNil(OpenVPNDetector().conclude(SampleBuilder.flow(.udp, server: 53, [(.forward, query), (.forward, query), (.forward, query)])))
    }

    func testQUICShortHeadersAreNotOpenVPNData() {
        // QUIC 1-RTT packets (RFC 9000 §17.3): protected first byte in 0x40...0x7F, fixed DCID.
        let dcid: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD, 0x11, 0x22, 0x33, 0x44]
        var packets: [(Direction, [UInt8])] = []
        for index in 0..<6 {
            let first: UInt8 = 0x48 | UInt8(index * 7 % 8)
            let body: [UInt8] = [first] + dcid + noise(60, UInt64(index) + 3)
            packets.append((index % 2 == 0 ? Direction.forward : Direction.reverse, body))
        }
        let flow = SampleBuilder.flow(.udp, server: 443, packets)
        XCTAssertEqual(OpenVPNDetector().examine(flow), .notThis)
        XCTAssertNil(OpenVPNDetector().conclude(flow))
    }

    func testTextDatagramsStartingWithAnOpcodeLetterAreNotOpenVPNData() {
        // "INVITE" and "HTTP/1.1" start with 0x49 and 0x48, P_DATA_V2 first bytes; their bytes never count up.
        let invite = Array("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP host\r\n\r\n".utf8)
        let flow = SampleBuilder.flow(.udp, server: 5060, [(.forward, invite), (.forward, invite), (.forward, invite), (.forward, invite)])
        XCTAssertNotEqual(SampleBuilder.family(OpenVPNDetector().examine(flow)), "openvpn")
        XCTAssertNil(OpenVPNDetector().conclude(flow))
    }
}

// MARK: IPsec (RFC 7296 §2.1 retransmission, RFC 4303 §3.3.3 sequence numbers)

final class IPsecRetriedAndOneWayTests: XCTestCase {
    private func saInit(initiatorSPI: UInt32 = 0x0102_0304) -> [UInt8] {
        let header: [UInt8] = be32(initiatorSPI) + be32(0x0506_0708) + [0, 0, 0, 0, 0, 0, 0, 0] + [33, 0x20, 34, 0x08] + be32(0) + be32(200)
        return header + noise(200 - header.count, 5)
    }
    private func esp(spi: UInt32, _ sequence: UInt32) -> [UInt8] { be32(spi) + be32(sequence) + noise(64, UInt64(sequence) + 9) }

    func testRetransmittedIKESAInitIsStillConfirmed() {
        let flow = SampleBuilder.flow(.udp, server: 500, [(.forward, saInit()), (.forward, saInit()), (.forward, saInit()), (.reverse, noise(300, 1))])
        XCTAssertEqual(SampleBuilder.verdict(IPsecDetector().examine(flow))?.confidence, .confirmed)
    }

    func testESPBothWaysMidStreamSaysTheSAWasInUse() {
        let flow = SampleBuilder.flow(.esp, [(.forward, esp(spi: 0xC001, 812)), (.reverse, esp(spi: 0xC002, 640))])
        let found = SampleBuilder.verdict(IPsecDetector().examine(flow))
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("in use before the capture began") == true, found?.evidence ?? "")
    }

    func testOneWayESPIsDecidedAtTheEndAndSaysOneDirection() {
        let flow = SampleBuilder.flow(.esp, (1...4).map { (.forward, esp(spi: 0xC001, UInt32($0))) })
        XCTAssertEqual(IPsecDetector().examine(flow), .needMorePackets)
        let found = IPsecDetector().conclude(flow)
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("one direction only") == true, found?.evidence ?? "")
        XCTAssertFalse(found?.evidence.contains("in use before") == true, "sequence 1 is an SA's first packet")
        XCTAssertEqual(classify(.esp, server: 0, [(.forward, esp(spi: 0xC001, 1))])?.family, .ipsec, "a single packet still counts when the flow ends")
    }

    func testOneWayESPInUDPIsConcludedWithItsSequenceNumbers() {
        let flow = SampleBuilder.flow(.udp, server: 4500, (0..<4).map { (.forward, esp(spi: 0xD00D, 77 + UInt32($0) * 2)) })
        XCTAssertEqual(IPsecDetector().examine(flow), .needMorePackets)
        let found = IPsecDetector().conclude(flow)
        XCTAssertTrue(found?.evidence.contains("one direction only") == true, found?.evidence ?? "")
    }

    func testESPInUDPLookalikesWithJumpingSequencesOrLowSPIsAreNotIPsec() {
        let jumping = SampleBuilder.flow(.udp, server: 4500, [(.forward, esp(spi: 0xD00D, 1)), (.forward, esp(spi: 0xD00D, 90_000)), (.forward, esp(spi: 0xD00D, 7))])
        XCTAssertNil(IPsecDetector().conclude(jumping))
        let reserved = SampleBuilder.flow(.udp, server: 4500, (1...4).map { (.forward, esp(spi: 200, UInt32($0))) })
        XCTAssertNil(IPsecDetector().conclude(reserved))
    }
}
