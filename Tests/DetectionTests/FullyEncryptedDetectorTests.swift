import Crypto
import Detection
import XCTest
import _CryptoExtras

/// The published GFW rule (Wu et al., USENIX Security 2023, §4) and what the detector adds.
final class FullyEncryptedDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder
    private let reply = B.noise(700, seed: 6)

    private func outcome(_ first: [UInt8], reply: [UInt8]? = nil, port: UInt16 = 443, handshake: Bool = true) -> DetectorOutcome {
        FullyEncryptedDetector().examine(makeFlow(.tcp, server: port, handshake: handshake, [(.forward, first), (.reverse, reply ?? self.reply)]))
    }

    func testRandomOpeningAnsweredByRandomBytesIsLikelyOnAnyPort() {
        for port: UInt16 in [443, 8080, 31337] {
            let found = verdict(outcome(B.noise(600, seed: 4), port: port))
            XCTAssertEqual(found?.family, .shadowsocks, "port \(port)")
            XCTAssertEqual(found?.confidence, .likely)
            XCTAssertTrue(found?.evidence.contains("fully encrypted") == true)
        }
        // Shorter than any VMess request: named as Shadowsocks' shape.
        XCTAssertTrue(verdict(outcome(B.noise(90, seed: 4)))?.evidence.contains("Shadowsocks AEAD salt") == true)
    }

    /// A Telegram client's obfuscated2 opening, built as the transport's documentation says:
    /// 64 random bytes with the tag at 56–59, encrypted with their own bytes 8–39 as the key and
    /// 40–55 as the counter, of which only bytes 56–63 are sent encrypted.
    private func telegramOpening(tag: UInt8, seed: UInt32) throws -> [UInt8] {
        var header = B.noise(64, seed: seed)
        for index in 56..<60 { header[index] = tag }
        let sealed = try AES._CTR.encrypt(header, using: SymmetricKey(data: header[8..<40]), nonce: try AES._CTR.Nonce(nonceBytes: header[40..<56]))
        return Array(header[0..<56]) + Array(sealed.suffix(8)) + B.noise(300, seed: seed + 1)
    }

    func testTelegramsSelfKeyedObfuscationIsNotTakenForAProxy() throws {
        for (tag, name) in [(UInt8(0xEF), "abridged"), (0xEE, "intermediate"), (0xDD, "padded intermediate")] {
            let opening = try telegramOpening(tag: tag, seed: UInt32(tag))
            XCTAssertEqual(MTProtoObfuscation.transport(of: opening[...]), name)
            XCTAssertEqual(outcome(opening), .notThis, name)
        }
        // The same bytes with the tag disturbed are random again, and the rule still applies.
        var broken = try telegramOpening(tag: 0xEF, seed: 9)
        broken[57] ^= 0x01
        XCTAssertNil(MTProtoObfuscation.transport(of: broken[...]))
        XCTAssertEqual(verdict(outcome(broken))?.family, .shadowsocks)
        XCTAssertNil(MTProtoObfuscation.transport(of: B.noise(63, seed: 3)[...]), "shorter than the header")
    }

    func testPopcountOutsideThePublishedBandIsExempt() {
        // Bytes with two set bits (average 2.0) and with six (average 6.0), in varied order.
        let low: [UInt8] = (0..<200).map { [0x03, 0x05, 0x06, 0x09, 0x0A, 0x0C, 0x11, 0x12, 0x14, 0x18, 0x21, 0x22, 0x24, 0x28, 0x30][$0 * 7 % 15] | 0x80 & 0 }
        let high: [UInt8] = (0..<200).map { [0x3F, 0x5F, 0x6F, 0x77, 0x7B, 0x7D, 0x7E, 0xBF, 0xDF, 0xEF, 0xF7, 0xFB, 0xFD, 0xFE, 0xFC][$0 * 7 % 15] }
        XCTAssertEqual(outcome(low), .notThis)
        XCTAssertEqual(outcome(high), .notThis)
    }

    func testPrintableExemptionsHold() {
        let noise = B.noise(200, seed: 8)
        XCTAssertEqual(outcome(Array("abcdef".utf8) + noise), .notThis, "first six bytes printable")
        let halfText = zip(noise.prefix(120), Array(repeating: UInt8(ascii: "a"), count: 120)).flatMap { [$0, $1, UInt8(ascii: "b")] }
        XCTAssertEqual(outcome(halfText), .notThis, "more than half printable")
        XCTAssertEqual(outcome(Array(noise.prefix(10)) + Array("twenty-one printables".utf8) + Array(noise.suffix(150))), .notThis,
                       "a run of more than 20 printable bytes")
    }

    func testTLSAndHTTPOpeningsAreExempt() {
        XCTAssertEqual(outcome([0x16, 0x03, 0x01] + B.noise(300, seed: 2)), .notThis)
        XCTAssertEqual(outcome(httpGet + B.noise(100, seed: 2)), .notThis)
    }

    func testCleartextLengthHeadersAreNotFullyEncrypted() {
        let body = B.noise(200, seed: 12)
        XCTAssertEqual(outcome(B.be16(body.count) + body), .notThis, "a length prefix counting the bytes after it")
        XCTAssertEqual(outcome([0x16, 0x00] + [UInt8(body.count + 4), 0] + body), .notThis, "a little-endian length of the whole packet")
        XCTAssertEqual(outcome(B.noise(300, seed: 4), reply: B.be16(698) + B.noise(698, seed: 1)), .notThis, "the reply's own length prefix")
    }

    func testPrintableMagicWithVersionBytesIsNotFullyEncrypted() {
        XCTAssertEqual(outcome(Array("WA".utf8) + [1, 5] + B.noise(170, seed: 3)), .notThis)
        XCTAssertEqual(outcome(Array("ZBXD".utf8) + [3] + B.noise(300, seed: 3)), .notThis)
    }

    func testCleartextReplyShortOpeningOrMidStreamFlowIsNotClaimed() {
        XCTAssertEqual(outcome(B.noise(400, seed: 4), reply: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)), .notThis)
        XCTAssertEqual(outcome(B.noise(40, seed: 4)), .notThis)
        XCTAssertEqual(outcome(B.noise(400, seed: 4), handshake: false), .notThis)
    }
}
