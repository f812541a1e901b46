import Foundation

/// A small HTTP server on 127.0.0.1 only (Python's http.server), for tests that POST alerts:
/// it answers 503 to the first `failFirst` requests, then 200, and records every request.
public final class LoopbackServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let log: String

    public init(failFirst: Int) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("loopback-\(UUID().uuidString).jsonl").path
        let script = """
            import http.server, json, sys
            fail = int(sys.argv[1]); log = sys.argv[2]; seen = [0]
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
                    with open(log, 'a') as f:
                        f.write(json.dumps({'path': self.path, 'body': body, 'content_type': self.headers.get('Content-Type'),
                                            'token': self.headers.get('X-Token')}) + '\\n')
                    seen[0] += 1
                    self.send_response(503 if seen[0] <= fail else 200)
                    self.send_header('Content-Length', '0'); self.end_headers()
                def log_message(self, *args): pass
            server = http.server.HTTPServer(('127.0.0.1', 0), H)
            print(server.server_address[1], flush=True)
            server.timeout = 60
            server.serve_forever()
            """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(failFirst), log]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the loopback server did not start"])
        }
        self.port = port
    }

    /// The requests received so far, oldest first.
    public func requests() throws -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    public func stop() {
        // SIGKILL: a test process may have SIGTERM ignored, and the child would inherit that.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
