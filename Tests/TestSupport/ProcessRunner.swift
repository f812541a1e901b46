import Foundation

/// Runs a program to completion for a test and collects what it said. Both pipes are read while
/// it runs, so a chatty program cannot block on a full pipe; a program that hangs is stopped
/// after `timeout`, so it fails its test instead of stalling the run. The timer holds the
/// process weakly: holding it (and so its pipes) for the whole timeout would leave a test process
/// that runs hundreds of programs with over a thousand descriptors open, and Foundation's own
/// scan of `/proc/self/fd` in `Process.run()` then reads past its buffer and crashes.
public enum ProcessRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// The signal that ended the program (a trap is SIGILL, SIGABRT, SIGSEGV or SIGTRAP), or nil when it exited.
        public var signal: Int32? = nil
    }

    /// `program` is a path, or a name looked up on PATH; `environment` is added to this
    /// process's own; `input` is written to its standard input.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
                           directory: URL? = nil, timeout: TimeInterval = 600) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        process.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), stdin = input.map { _ in Pipe() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        if let input, let stdin {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak process] in
            if let process, process.isRunning { process.terminate() }
        }
        let group = DispatchGroup()
        nonisolated(unsafe) var stderr = Data()
        group.enter()
        DispatchQueue.global().async { stderr = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self),
                      signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil)
    }
}
