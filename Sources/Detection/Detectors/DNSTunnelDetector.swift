/// Covert tunnels in DNS (iodine, dnscat2, dns2tcp, DNSExfiltrator...). Messages are parsed as
/// DNS (RFC 1035 §4.1: a 12-byte header, standard query opcode, one question of labels of at
/// most 63 bytes, a type and class; over TCP each message has a 16-bit length prefix).
///
/// - iodine (its protocol document, doc/proto_00000502.txt): the client's first query is the
///   version probe, a name whose first label is "v" plus the Base32 of a 4-byte protocol version
///   and a 2-byte counter, answered with "VACK", "VNAK" or "VFUL"; the login ("l"), codec checks
///   ("y", "z") and fragment-size probe ("r") follow under the same domain; in raw mode its UDP
///   packets start with 0x10D19E. Those make a confirmed verdict.
/// - Otherwise tunnels show as several queries under one parent domain whose subdomains are
///   long, encoded (Base32/Base64/hex/8-bit bytes) and all different, often of types that carry
///   data back (NULL, PRIVATE 65399, TXT, CNAME, MX, SRV, KEY): a likely verdict.
///
/// Ordinary long names are left alone: reverse-lookup names (in-addr.arpa, ip6.arpa), service
/// labels starting with "_" (DMARC, DKIM, SRV), multicast DNS and LLMNR, and names whose long
/// labels read like words or hyphenated host names (CDNs, cloud load balancers).
public struct DNSTunnelDetector: TunnelDetector {
    public let family = TunnelFamily.dnsTunnel
    public let summary = "DNS tunnel: iodine's version probe and handshake or raw-mode header; several queries under one domain with long encoded, distinct subdomains (NULL/TXT/CNAME/MX...)"

    public init() {}

    /// Query types that carry data back in tunnels.
    static let dataTypes: [UInt16: String] = [10: "NULL", 16: "TXT", 5: "CNAME", 15: "MX", 33: "SRV", 25: "KEY", 65399: "PRIVATE", 99: "SPF", 255: "ANY"]

    struct Question {
        var labels: [ArraySlice<UInt8>]
        var type: UInt16
        var isResponse: Bool
        var message: ArraySlice<UInt8>
    }

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp || flow.ipProtocol == .tcp else { return .notThis }
        // Multicast DNS, LLMNR and NetBIOS name service look like DNS but are local protocols.
        for port: UInt16 in [5353, 5355, 137] where flow.usesPort(port) { return .notThis }
        // Over TCP the client asks first (RFC 7766).
        if flow.ipProtocol == .tcp && flow.forwardStream.isEmpty { return flow.initiatorSilentOutcome }
        let messages = Self.messages(flow)
        guard !messages.isEmpty else {
            if flow.ipProtocol == .udp, let first = flow.payloadPackets().first {
                // iodine raw UDP mode (after a DNS login the capture may have missed).
                let payload = flow.payload(first)
                if payload.matches([0x10, 0xD1, 0x9E]), let command = payload.u8(3), (1...3).contains(command >> 4) {
                    return .verdict(TunnelVerdict(.dnsTunnel, product: "iodine", confidence: .confirmed,
                        evidence: "iodine raw-mode UDP header 0x10D19E (command \(command >> 4))"))
                }
                return .notThis
            }
            return flow.forwardStream.count > 64 || flow.packets.count >= 8 ? .notThis : .needMorePackets
        }
        let queries = messages.filter { !$0.isResponse }
        let responses = messages.filter { $0.isResponse }
        if let iodine = Self.iodine(queries: queries, responses: responses) {
            return .verdict(TunnelVerdict(.dnsTunnel, product: "iodine", confidence: .confirmed, evidence: iodine))
        }
        // Each query's encoded subdomain, worked out once for both tests below.
        let encodedQueries = queries.map { query -> (query: Question, split: SplitName, eightBit: Bool)? in
            guard let split = Self.split(query.labels), let encoded = Self.encodedSubdomain(split.sub) else { return nil }
            return (query, split, encoded.eightBit)
        }
        // A tunnel's queries carry encoded data from the start: two ordinary queries in a row
        // (and no iodine probe) mean ordinary DNS, so stop looking.
        let ordinary = zip(queries, encodedQueries).prefix(2).allSatisfy { query, encoded in
            !Self.isVersionProbe(query.labels) && encoded == nil
        }
        if queries.count >= 2 && ordinary { return .notThis }
        // Group encoded queries by parent domain.
        var groups: [String: (names: Set<[UInt8]>, types: Set<UInt16>, eightBit: Bool)] = [:]
        for case let (query, split, eightBit)? in encodedQueries {
            let parent = split.parent
            var group = groups[parent] ?? ([], [], false)
            group.names.insert(split.sub.flatMap { Array($0) + [0x2E] })
            group.types.insert(query.type)
            group.eightBit = group.eightBit || eightBit
            groups[parent] = group
        }
        if let (parent, group) = groups.max(by: { $0.value.names.count < $1.value.names.count }) {
            let typeNames = group.types.sorted().map { Self.dataTypes[$0] ?? Self.typeName($0) }.joined(separator: "/")
            let unusualType = group.types.contains { $0 == 10 || $0 == 65399 }
            if group.names.count >= 3 || (group.names.count >= 1 && (unusualType || group.eightBit)) {
                let what = group.eightBit ? "8-bit encoded" : "long encoded"
                return .verdict(TunnelVerdict(.dnsTunnel, confidence: .likely,
                    evidence: "\(group.names.count) \(typeNames) quer\(group.names.count == 1 ? "y" : "ies") under \(parent) with \(what), distinct subdomains"))
            }
        }
        return queries.count >= 6 || messages.count >= 8 ? .notThis : .needMorePackets
    }

    static func typeName(_ type: UInt16) -> String {
        switch type {
        case 1: "A"
        case 28: "AAAA"
        case 12: "PTR"
        default: "type \(type)"
        }
    }

    // MARK: iodine

    static let base32 = Set("abcdefghijklmnopqrstuvwxyz012345".utf8)

    static func iodine(queries: [Question], responses: [Question]) -> String? {
        guard let probe = queries.first(where: { isVersionProbe($0.labels) }), let parent = split(probe.labels)?.parent else { return nil }
        // The server's answer names the probe's outcome.
        for response in responses where response.labels.count == probe.labels.count
            && zip(response.labels, probe.labels).allSatisfy({ $0.elementsEqual($1) }) {
            for word in ["VACK", "VNAK", "VFUL"] where contains(response.message, Array(word.utf8)) {
                return "iodine version probe \"\(String(decoding: probe.labels[0], as: UTF8.self))\" under \(parent) answered \(word)"
            }
        }
        // Or the login follows under the same domain: "l" + Base32 of a user id, a 16-byte MD5
        // and the counter (19 bytes: 31 characters).
        let login = queries.contains { query in
            guard split(query.labels)?.parent == parent, let first = query.labels.first, first.count == 32,
                  first.first.map({ $0 | 0x20 }) == UInt8(ascii: "l") else { return false }
            return first.dropFirst().allSatisfy { base32.contains($0 | 0x20) }
        }
        if login {
            return "iodine version probe \"\(String(decoding: probe.labels[0], as: UTF8.self))\" then its login query under \(parent)"
        }
        return nil
    }

    /// "v" + Base32 of 6 bytes (version and counter): 10 characters, under a domain.
    static func isVersionProbe(_ labels: [ArraySlice<UInt8>]) -> Bool {
        guard labels.count >= 3, let first = labels.first, first.count == 11, first.first.map({ $0 | 0x20 }) == UInt8(ascii: "v") else { return false }
        return first.dropFirst().allSatisfy { base32.contains($0 | 0x20) }
    }

    // MARK: Names

    /// A name as its subdomain labels and its parent domain's labels.
    struct SplitName {
        var sub: ArraySlice<ArraySlice<UInt8>>
        var parentLabels: ArraySlice<ArraySlice<UInt8>>

        /// The parent domain in lower case; built only when a verdict or a grouping needs it.
        var parent: String {
            parentLabels.map { String(decoding: $0, as: UTF8.self).lowercased() }.joined(separator: ".")
        }
    }

    /// Splits a name into the subdomain labels and the parent domain (the registered domain: the
    /// last two labels, three when the second-level label is a short public suffix like co.uk).
    /// Works on the label bytes: most queries are ordinary and need no strings at all.
    static func split(_ labels: [ArraySlice<UInt8>]) -> SplitName? {
        guard labels.count >= 3, let last = labels.last else { return nil }
        if isLabel(last, "arpa") || isLabel(last, "local") { return nil }
        var parentCount = 2
        if last.count == 2, labels[labels.count - 2].count <= 3, labels.count >= 4 { parentCount = 3 }
        return SplitName(sub: labels.dropLast(parentCount), parentLabels: labels.suffix(parentCount))
    }

    /// Whether a label is the ASCII word `word` (given in lower case), ignoring case.
    static func isLabel(_ label: ArraySlice<UInt8>, _ word: StaticString) -> Bool {
        label.count == word.utf8CodeUnitCount && zip(label, UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
            .allSatisfy { $0 | 0x20 == $1 }
    }

    /// Whether a subdomain looks like encoded data: together at least 24 bytes with a label of at
    /// least 16, no "_" service labels, and either 8-bit bytes or a character mix that is not
    /// words or hyphenated host names (many digits between letters, few vowels, high entropy).
    static func encodedSubdomain(_ labels: ArraySlice<ArraySlice<UInt8>>) -> (eightBit: Bool, length: Int)? {
        guard !labels.isEmpty, !labels.contains(where: { $0.first == UInt8(ascii: "_") }) else { return nil }
        let bytes = labels.flatMap { Array($0) }
        guard bytes.count >= 24, let longest = labels.map(\.count).max(), longest >= 16 else { return nil }
        if bytes.contains(where: { $0 >= 0x80 || $0 < 0x20 }) {
            // Raw 8-bit data (iodine's Base128, raw binary) rather than a name some device wrote in
            // UTF-8: the bytes are not valid UTF-8, or hold control characters.
            let validUTF8 = String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
            return !validUTF8 || bytes.contains(where: { $0 < 0x20 }) ? (true, bytes.count) : nil
        }
        // Internationalised names (punycode) are words, not data.
        if labels.contains(where: { $0.count > 4 && $0.prefix(4).elementsEqual(Array("xn--".utf8)) }) { return nil }
        let longLabels = labels.filter { $0.count >= 12 }.flatMap { Array($0) }
        let letters = longLabels.filter { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        let digits = longLabels.filter { $0 >= 0x30 && $0 <= 0x39 }
        let hyphens = longLabels.filter { $0 == 0x2D }
        guard !longLabels.isEmpty, Double(hyphens.count) / Double(longLabels.count) < 0.1 else { return nil }
        let vowels = letters.filter { "aeiou".utf8.contains($0 | 0x20) }
        let vowelShare = letters.isEmpty ? 0 : Double(vowels.count) / Double(letters.count)
        let digitShare = Double(digits.count) / Double(longLabels.count)
        let mixedCase = letters.contains { $0 >= 0x41 && $0 <= 0x5A } && letters.contains { $0 >= 0x61 }
        let entropy = longLabels[...].entropy
        // Random Base32/Base64 of 20+ characters: entropy over 3.5 bits, digits and letters mixed
        // (or both cases), vowels rarer than in words.
        guard entropy >= 3.5, digitShare >= 0.08 || mixedCase, vowelShare < 0.3 || mixedCase else { return nil }
        return (false, bytes.count)
    }

    // MARK: Parsing

    /// DNS messages of the flow with their first question: UDP payloads, or TCP streams split by
    /// their length prefixes.
    static func messages(_ flow: FlowSample) -> [Question] {
        var result: [Question] = []
        if flow.ipProtocol == .udp {
            // The rules decide within the first few messages (three encoded queries, an iodine
            // handshake); reading more would only repeat the work.
            for index in flow.payloadPackets().prefix(8) {
                let payload = flow.payload(index)
                guard let question = parse(payload) else { return [] }
                result.append(question)
            }
            return result
        }
        // Each direction's stream, message by message; false when it is not DNS.
        func read(_ stream: [UInt8]) -> Bool {
            var offset = 0
            while offset + 2 <= stream.count {
                let length = Int(stream[offset]) << 8 | Int(stream[offset + 1])
                guard length >= 12 else { return false }
                let end = min(stream.count, offset + 2 + length)
                guard let question = parse(stream[(offset + 2)..<end]) else { return false }
                result.append(question)
                offset += 2 + length
            }
            return true
        }
        return read(flow.forwardStream) && read(flow.reverseStream) ? result : []
    }

    static func parse(_ bytes: ArraySlice<UInt8>) -> Question? {
        guard let flags = bytes.u16(2), let questions = bytes.u16(4), questions == 1,
              let answers = bytes.u16(6), let authority = bytes.u16(8), let additional = bytes.u16(10),
              flags & 0x7800 == 0, flags & 0x0040 == 0 else { return nil }
        let isResponse = flags & 0x8000 != 0
        // A query has no answers or authority; at most an OPT record in the additional section.
        if !isResponse { guard answers == 0, authority == 0, additional <= 1 else { return nil } }
        var labels: [ArraySlice<UInt8>] = []
        var offset = 12
        var total = 0
        while true {
            guard let length = bytes.u8(offset) else { return nil }
            if length == 0 { offset += 1; break }
            guard length <= 63, offset + 1 + Int(length) <= bytes.count else { return nil }
            let start = bytes.startIndex + offset + 1
            labels.append(bytes[start..<(start + Int(length))])
            total += Int(length) + 1
            guard total <= 255 else { return nil }
            offset += 1 + Int(length)
        }
        guard let type = bytes.u16(offset), let qclass = bytes.u16(offset + 2), qclass & 0x7FFF == 1 || qclass & 0x7FFF == 255 else { return nil }
        return Question(labels: labels, type: type, isResponse: isResponse, message: bytes)
    }

    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        let bytes = Array(haystack)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
