/// The facts of a TLS or DTLS ClientHello that detectors use (RFC 8446 §4.1.2, RFC 9147 §5),
/// read once per flow from the initiator's first bytes.
public struct TLSClientHello: Sendable, Equatable {
    /// `legacy_version` of the hello (0x0303 for TLS 1.2 and 1.3; 0xFEFD for DTLS 1.2).
    public var legacyVersion: UInt16
    /// The highest version offered in `supported_versions`, or `legacyVersion` without it.
    public var highestVersion: UInt16
    public var isDatagram: Bool
    public var cipherSuites: [UInt16]
    /// Extension types in the order sent.
    public var extensions: [UInt16]
    public var serverName: String?
    public var alpn: [String]
    public var signatureAlgorithms: [UInt16]
    public var sessionIDLength: Int

    /// Parses the first handshake message of `stream` (TLS records, or DTLS records when
    /// `datagram`); nil until a whole ClientHello is there, or if the bytes are not one.
    public init?(stream: [UInt8], datagram: Bool) {
        guard let body = HandshakeReader.firstMessage(in: stream, datagram: datagram, type: 1) else { return nil }
        var reader = Reader(body)
        guard let version = reader.u16(), reader.skip(32), let sessionID = reader.u8(), reader.skip(Int(sessionID)) else { return nil }
        if datagram { guard let cookie = reader.u8(), reader.skip(Int(cookie)) else { return nil } }
        guard let suitesLength = reader.u16(), suitesLength % 2 == 0, let suites = reader.bytes(Int(suitesLength)),
              let compression = reader.u8(), reader.skip(Int(compression)) else { return nil }
        legacyVersion = version
        highestVersion = version
        isDatagram = datagram
        sessionIDLength = Int(sessionID)
        let suiteBytes = Array(suites)
        cipherSuites = stride(from: 0, to: suiteBytes.count, by: 2).map { UInt16(suiteBytes[$0]) << 8 | UInt16(suiteBytes[$0 + 1]) }
        extensions = []
        serverName = nil
        alpn = []
        signatureAlgorithms = []
        guard let extensionsLength = reader.u16(), let extensionBytes = reader.bytes(Int(extensionsLength)) else { return }
        var list = Reader(extensionBytes)
        while let type = list.u16(), let length = list.u16(), let data = list.bytes(Int(length)) {
            extensions.append(type)
            var field = Reader(data)
            switch type {
            case 0x0000:  // server_name (RFC 6066 §3)
                _ = field.u16()
                if field.u8() == 0, let nameLength = field.u16(), let name = field.bytes(Int(nameLength)) {
                    serverName = String(decoding: name, as: UTF8.self).lowercased()
                }
            case 0x0010:  // application_layer_protocol_negotiation (RFC 7301)
                _ = field.u16()
                while let protocolLength = field.u8(), let name = field.bytes(Int(protocolLength)) {
                    alpn.append(String(decoding: name, as: UTF8.self))
                }
            case 0x000D:  // signature_algorithms
                _ = field.u16()
                while let algorithm = field.u16() { signatureAlgorithms.append(algorithm) }
            case 0x002B:  // supported_versions (RFC 8446 §4.2.1)
                _ = field.u8()
                while let offered = field.u16() {
                    guard !TLSClientHello.isGREASE(offered) else { continue }
                    // DTLS versions count down (0xFEFD is 1.2, 0xFEFC is 1.3).
                    highestVersion = datagram ? min(highestVersion, offered) : max(highestVersion, offered)
                }
            default:
                break
            }
        }
    }

    /// GREASE values (RFC 8701) are ignored in fingerprints.
    public static func isGREASE(_ value: UInt16) -> Bool { value & 0x0F0F == 0x0A0A && value >> 8 == value & 0xFF }

    /// The JA4 fingerprint in its raw, unhashed form (FoxIO's "JA4_r"): protocol, version, SNI
    /// presence, counts and first ALPN, then the sorted cipher suites, the sorted extensions
    /// (without SNI and ALPN) and the signature algorithms in order.
    public var ja4Raw: String {
        let suites = cipherSuites.filter { !Self.isGREASE($0) }
        let allExtensions = extensions.filter { !Self.isGREASE($0) }
        let version: String
        switch highestVersion {
        case 0x0304: version = "13"
        case 0x0303: version = "12"
        case 0x0302: version = "11"
        case 0x0301: version = "10"
        case 0xFEFC: version = "d3"
        case 0xFEFD: version = "d2"
        case 0xFEFF: version = "d1"
        default: version = "00"
        }
        let alpnCode: String
        if let first = alpn.first, let head = first.first, let tail = first.last, head.isASCII, tail.isASCII {
            alpnCode = "\(head)\(tail)"
        } else {
            alpnCode = "00"
        }
        func hex(_ value: UInt16) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 4 - text.count) + text
        }
        let a = (isDatagram ? "d" : "t") + version + (serverName == nil ? "i" : "d")
            + String(format2: min(suites.count, 99)) + String(format2: min(allExtensions.count, 99)) + alpnCode
        let b = suites.sorted().map(hex).joined(separator: ",")
        let c = allExtensions.filter { $0 != 0x0000 && $0 != 0x0010 }.sorted().map(hex).joined(separator: ",")
        let d = signatureAlgorithms.map(hex).joined(separator: ",")
        return "\(a)_\(b)_\(c)" + (d.isEmpty ? "" : "_\(d)")
    }
}

/// The facts of the server's first flight: its ServerHello and, before TLS 1.3 encrypts it,
/// the names in its certificate.
public struct TLSServerHello: Sendable, Equatable {
    public var version: UInt16
    public var cipherSuite: UInt16
    /// Common names (OID 2.5.4.3) in the first certificate, issuer's and subject's, in the
    /// order they appear; empty when the certificate is encrypted (TLS 1.3) or not yet seen.
    public var certificateCommonNames: [String]
    /// Organization names (OID 2.5.4.10) in the first certificate, issuer's and subject's.
    public var certificateOrganizations: [String]

    public init?(stream: [UInt8], datagram: Bool) {
        guard let body = HandshakeReader.firstMessage(in: stream, datagram: datagram, type: 2) else { return nil }
        var reader = Reader(body)
        guard let version = reader.u16(), reader.skip(32), let sessionID = reader.u8(), reader.skip(Int(sessionID)),
              let suite = reader.u16() else { return nil }
        self.version = version
        cipherSuite = suite
        certificateCommonNames = []
        certificateOrganizations = []
        if let certificate = HandshakeReader.firstMessage(in: stream, datagram: datagram, type: 11) {
            certificateCommonNames = Self.commonNames(in: certificate)
            certificateOrganizations = Self.attributeValues(in: certificate, oid: [0x06, 0x03, 0x55, 0x04, 0x0A])
        }
    }

    /// Finds `2.5.4.3` attribute values by their DER encoding: OID tag, then a string.
    static func commonNames(in der: [UInt8]) -> [String] {
        attributeValues(in: der, oid: [0x06, 0x03, 0x55, 0x04, 0x03])
    }

    /// Values of a name attribute (its DER-encoded OID, then a string) wherever they appear.
    static func attributeValues(in der: [UInt8], oid: [UInt8]) -> [String] {
        var names: [String] = []
        var index = 0
        while index + oid.count + 2 < der.count {
            if der[index..<(index + oid.count)].elementsEqual(oid) {
                let tag = der[index + oid.count]
                let length = Int(der[index + oid.count + 1])
                let start = index + oid.count + 2
                if [0x0C, 0x13, 0x16, 0x14].contains(tag), length < 0x80, start + length <= der.count {
                    names.append(String(decoding: der[start..<(start + length)], as: UTF8.self))
                }
                index = start
            } else {
                index += 1
            }
        }
        return names
    }
}

/// Reassembles handshake messages from TLS or DTLS records.
enum HandshakeReader {
    /// The body of the first handshake message of `type` in the stream, if it is all there.
    static func firstMessage(in stream: [UInt8], datagram: Bool, type wanted: UInt8) -> [UInt8]? {
        var handshake: [UInt8] = []
        var offset = 0
        let recordHeader = datagram ? 13 : 5
        // Gather the handshake-protocol bytes of the leading records (content type 22).
        while offset + recordHeader <= stream.count, stream[offset] == 22 {
            let major = stream[offset + 1]
            guard major == 3 || major == 0xFE else { return nil }
            let length = Int(stream[offset + recordHeader - 2]) << 8 | Int(stream[offset + recordHeader - 1])
            let end = min(offset + recordHeader + length, stream.count)
            handshake.append(contentsOf: stream[(offset + recordHeader)..<end])
            offset += recordHeader + length
            if datagram { break }  // one DTLS record per datagram is enough for a hello
        }
        guard offset > 0 || !handshake.isEmpty else { return nil }
        // Walk the handshake messages.
        var cursor = 0
        let messageHeader = datagram ? 12 : 4
        while cursor + messageHeader <= handshake.count {
            let type = handshake[cursor]
            let length = Int(handshake[cursor + 1]) << 16 | Int(handshake[cursor + 2]) << 8 | Int(handshake[cursor + 3])
            let start = cursor + messageHeader
            if type == wanted {
                guard start + length <= handshake.count else { return nil }
                return Array(handshake[start..<(start + length)])
            }
            guard length < 1 << 20 else { return nil }
            cursor = start + length
        }
        return nil
    }
}

/// A forward-only reader over bytes for the handshake parsers.
struct Reader {
    private let bytes: [UInt8]
    private var offset = 0

    init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 { self.bytes = Array(bytes) }

    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16? {
        guard offset + 2 <= bytes.count else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, offset + count <= bytes.count else { return false }
        offset += count
        return true
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }
}

extension String {
    /// Two decimal digits, zero-padded.
    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : String(value)
    }
}
