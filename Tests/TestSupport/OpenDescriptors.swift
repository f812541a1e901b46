import Foundation

/// How many file descriptors this process has open, for tests that prove a repeated operation
/// gives back every descriptor it took.
public enum OpenDescriptors {
    public static func count() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    /// Descriptors still open after `repetitions` runs of `body`, beyond those open after its
    /// first run (which may set up something kept for the process's life).
    public static func leaked(by repetitions: Int, _ body: () throws -> Void) rethrows -> Int {
        try body()
        let before = count()
        for _ in 0..<repetitions { try body() }
        return count() - before
    }

    public static func leaked(by repetitions: Int, _ body: () async throws -> Void) async rethrows -> Int {
        try await body()
        let before = count()
        for _ in 0..<repetitions { try await body() }
        return count() - before
    }
}
