/// HTTP proxies (RFC 9110 §9.3.6 and RFC 9112 §3.2): a `CONNECT host:port HTTP/1.x` request
/// (authority-form, used only to ask a proxy for a tunnel), or a request whose target is in
/// absolute-form (`GET http://host/path HTTP/1.1`), which clients send only to proxies.
public struct HTTPProxyDetector: TunnelDetector {
    public let family = TunnelFamily.httpProxy
    public let summary = "HTTP proxy: CONNECT host:port request or absolute-form request target (RFC 9110/9112)"

    public init() {}

    private static let methods = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let stream = flow.forwardStream
        guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
        guard let line = PayloadShape.firstLine(stream, limit: 2048) else {
            let printable = stream.prefix(2048).allSatisfy { (0x20...0x7E).contains($0) }
            return printable && stream.count < 2048 ? .needMorePackets : .notThis
        }
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .notThis }
        let target = parts[1]
        if parts[0] == "CONNECT" {
            guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]), (1...65535).contains(port),
                  !target[..<colon].isEmpty else { return .notThis }
            let answer = Self.statusLine(flow.reverseStream).map { ", answered \"\($0)\"" } ?? ""
            return .verdict(TunnelVerdict(.httpProxy, confidence: .confirmed, evidence: "HTTP CONNECT \(target) request for a proxy tunnel\(answer)"))
        }
        guard Self.methods.contains(String(parts[0])) else { return .notThis }
        let lower = target.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("ftp://") else { return .notThis }
        let host = lower.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? ""
        guard !host.isEmpty else { return .notThis }
        return .verdict(TunnelVerdict(.httpProxy, confidence: .likely,
            evidence: "HTTP \(parts[0]) request with absolute-form target \(String(target.prefix(80))) (sent to proxies)"))
    }

    private static func statusLine(_ stream: [UInt8]) -> String? {
        guard let line = PayloadShape.firstLine(stream), line.hasPrefix("HTTP/1.") else { return nil }
        return String(line.prefix(40))
    }
}
