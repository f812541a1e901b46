/// Shape tests on a flow's first bytes that several detectors share: whether bytes are text,
/// whether they open a well-known protocol, and whether they look "fully encrypted".
enum PayloadShape {
    /// Printable ASCII (space to tilde) or CR/LF/TAB.
    static func isPrintable(_ byte: UInt8) -> Bool { (0x20...0x7E).contains(byte) || byte == 0x0D || byte == 0x0A || byte == 0x09 }

    /// The first line of `bytes` (up to CR or LF) if it is printable text, at most `limit` bytes.
    static func firstLine<Bytes: Collection>(_ bytes: Bytes, limit: Int = 200) -> String? where Bytes.Element == UInt8 {
        var line: [UInt8] = []
        for byte in bytes.prefix(limit) {
            if byte == 0x0D || byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            guard (0x20...0x7E).contains(byte) else { return nil }
            line.append(byte)
        }
        return nil
    }

    /// Whether `bytes` open a protocol with a fixed, recognisable start (TLS/DTLS records, HTTP,
    /// SSH, RFB, SOCKS, TPKT, BitTorrent...), so they are not "no known protocol".
    static func opensKnownProtocol(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.u8(0) else { return false }
        // TLS record header: content type 20...24, version 3.x (RFC 8446 §5.1); SSLv2 hello.
        if (20...24).contains(first), bytes.u8(1) == 3, (bytes.u8(2) ?? 9) <= 4 { return true }
        if first & 0x80 != 0, bytes.u8(2) == 1, bytes.u8(3) == 3 || bytes.u8(3) == 0 { return true }
        // SOCKS4/5 greetings, TPKT (RFC 1006).
        if first == 5, let count = bytes.u8(1), count >= 1, Int(count) + 2 == bytes.count { return true }
        if first == 4, bytes.u8(1) == 1 || bytes.u8(1) == 2, bytes.last == 0 { return true }
        if first == 3, bytes.u8(1) == 0, let length = bytes.u16(2), Int(length) == bytes.count { return true }
        // BitTorrent handshake: 19 then "BitTorrent protocol".
        if first == 19, bytes.matches(ascii: "BitTorrent", at: 1) { return true }
        return false
    }

    /// The published rules by which the Great Firewall of China flags a TCP connection's first
    /// client payload as "fully encrypted" (Wu et al., "How the Great Firewall of China Detects
    /// and Blocks Fully Encrypted Traffic", USENIX Security 2023, §4): it is exempt when the
    /// average set bits per byte is at most 3.4 or at least 4.6, when its first six bytes are
    /// printable, when more than half of it is printable, or when it holds more than 20
    /// contiguous printable bytes. Random bytes average 4 set bits per byte.
    static func looksFullyEncrypted(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 8 else { return false }
        let bits = bytes.reduce(0) { $0 + $1.nonzeroBitCount }
        let average = Double(bits) / Double(bytes.count)
        guard average > 3.4, average < 4.6 else { return false }
        if bytes.prefix(6).allSatisfy({ (0x20...0x7E).contains($0) }) { return false }
        let printable = bytes.filter { (0x20...0x7E).contains($0) }.count
        if printable * 2 > bytes.count { return false }
        var run = 0
        for byte in bytes {
            run = (0x20...0x7E).contains(byte) ? run + 1 : 0
            if run > 20 { return false }
        }
        return !opensKnownProtocol(bytes)
    }

    /// Whether a payload that passes `looksFullyEncrypted` still shows a cleartext header, which
    /// a fully encrypted protocol never has: a length field in its first 12 bytes (16 or 32
    /// bits, either byte order) equal to the payload's length or to the bytes after the field
    /// (Ethereum's RLPx auth size, length-prefixed framing, game and messaging headers), or a
    /// printable magic followed by small binary version bytes ("WA" 1 5, "ZBXD" 3). Random
    /// bytes show either by chance about once in a thousand openings.
    static func hasCleartextHeader(_ bytes: ArraySlice<UInt8>, length: Int) -> Bool {
        for offset in 0...8 {
            for width in [2, 4] {
                guard offset + width <= min(bytes.count, 12) else { continue }
                let start = bytes.startIndex + offset
                var big = 0, little = 0
                for index in 0..<width {
                    big = big << 8 | Int(bytes[start + index])
                    little |= Int(bytes[start + index]) << (8 * index)
                }
                for value in [big, little] where value > 0 && (value == length || value == length - offset - width) {
                    return true
                }
            }
        }
        let printable = bytes.prefix(8).prefix { (0x20...0x7E).contains($0) }.count
        if printable >= 4, let next = bytes.u8(printable), next < 0x10 { return true }
        if printable >= 2, let third = bytes.u8(2), let fourth = bytes.u8(3), third < 0x10, fourth < 0x10 { return true }
        return false
    }

    /// Application-data record lengths (content type 23) in a TLS byte stream, in order, after
    /// whatever handshake records come first; stops at the first byte that is not a record.
    static func applicationDataRecords(_ stream: [UInt8]) -> [Int] {
        var lengths: [Int] = []
        var offset = 0
        while offset + 5 <= stream.count {
            let type = stream[offset]
            guard (20...23).contains(type), stream[offset + 1] == 3 else { break }
            let length = Int(stream[offset + 3]) << 8 | Int(stream[offset + 4])
            if type == 23 { lengths.append(length) }
            offset += 5 + length
        }
        return lengths
    }

    /// A DNS-looking host name, lower-cased: letters, digits, hyphens and dots.
    static func isHostName(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 253 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }
    }
}

extension FlowSample {
    /// The answer of a detector whose protocol's client speaks first (TLS, HTTP, RDP...) while
    /// the initiator has sent nothing: wait, unless the responder has already sent data (then
    /// the flow is not that protocol, or its opening was missed) or six packets went by.
    var initiatorSilentOutcome: DetectorOutcome {
        !reverseStream.isEmpty || packets.count >= 6 ? .notThis : .needMorePackets
    }

    /// Common names in the server's certificates: those `serverHello` parsed, or, when the
    /// Certificate message is longer than the kept stream (long chains), those found in the
    /// certificate bytes that were kept. Empty under TLS 1.3, which encrypts certificates.
    var serverCertificateNames: [String] {
        if let names = serverHello?.certificateCommonNames, !names.isEmpty { return names }
        guard let server = serverHello, server.cipherSuite >> 8 != 0x13, reverseStream.first == 0x16 else { return [] }
        return TLSServerHello.commonNames(in: reverseStream)
    }
}
