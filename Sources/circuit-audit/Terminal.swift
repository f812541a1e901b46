#if canImport(Glibc)
import Glibc
#endif

import Synchronization
import Traffic

/// Buffered standard output: large outputs are written in few system calls.
///
/// Several may write at once (one per worker thread): each flush is whole records, and a
/// process-wide lock keeps two flushes from interleaving.
final class StandardOutput {
    /// Formatters append here directly; call `flushIfFull()` after each record.
    let buffer = ASCIIBuffer()
    private static let writing = Mutex(())

    func write(_ text: String, newline: Bool = true) {
        for byte in text.utf8 { buffer.append(byte: byte) }
        if newline { buffer.append(byte: 0x0A) }
        flushIfFull()
    }

    func flushIfFull() {
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        let bytes = buffer.bytes
        Self.writing.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { break }  // a closed pipe: nothing more to say
                offset += written
            }
        }
        buffer.removeAll()
    }

    deinit { flush() }
}

enum StandardError {
    static func write(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    }
}

/// A one-line progress report on a terminal's stderr, shown only once a read has taken more
/// than a second, and erased when it ends.
final class ProgressLine {
    private let label: String
    private let start = ProgressLine.now()
    private var shown = false
    private let enabled = isatty(STDERR_FILENO) == 1

    init(label: String) { self.label = label }

    func update(packets: Int) {
        guard enabled, Self.now() - start > 1 else { return }
        let rate = Double(packets) / max(Self.now() - start, 0.001)
        let text = "\r\(label): \(packets) packets (\(Int(rate)) per second)"
        _ = text.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
        shown = true
    }

    func clear() {
        guard shown else { return }
        _ = "\r\u{1B}[K".withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    }

    fileprivate static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
