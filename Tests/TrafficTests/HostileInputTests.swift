import Capture
import Foundation
import TestSupport
import Traffic
import XCTest

/// Damaged captures must end with a result or a clear error, never a crash or a hang.
final class HostileInputTests: XCTestCase {
    func testEveryCorpusAndRobustnessCaptureIsReadWithoutCrashing() throws {
        let files = Corpus.captures(in: "pcap") + Corpus.captures(in: "robustness")
        guard !files.isEmpty else {
            if Corpus.isRequired { return XCTFail("the corpus is required in CI") }
            throw XCTSkip("corpus not found; set CIRCUIT_AUDIT_CORPUS")
        }
        var errors: [String] = []
        for file in files {
            do {
                let summary = TrafficAnalyzer().analyze(try PacketSource.open(file: file.path))
                if let error = summary.error { errors.append("\(error)") }
            } catch {
                errors.append("\(error)")
            }
        }
        print("read \(files.count) captures; \(errors.count) ended with a reported error:")
        for error in errors { print("  \(error)") }
        for error in errors { XCTAssertTrue(error.contains(".pcap") || error.contains(".cap"), "error names the file: \(error)") }
    }

    /// 10,000 copies of small corpus captures, each truncated at a random point or with random
    /// bits flipped, read through libpcap, the decoder and the flow table.
    func testTenThousandTruncatedAndBitFlippedCapturesNeverCrash() throws {
        let seeds = Corpus.captures(in: "pcap").filter {
            ((try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int) ?? 0).map { $0 < 16_384 } ?? false
        }
        guard !seeds.isEmpty else {
            if Corpus.isRequired { return XCTFail("the corpus is required in CI") }
            throw XCTSkip("corpus not found; set CIRCUIT_AUDIT_CORPUS")
        }
        let originals = try seeds.map { try [UInt8](Data(contentsOf: $0)) }
        var random = SystemRandomNumberGenerator()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("circuit-audit-fuzz-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mutant.pcap").path
        var outcomes = (read: 0, refused: 0, cutShort: 0)
        for iteration in 0..<10_000 {
            var bytes = originals[Int.random(in: 0..<originals.count, using: &random)]
            if iteration % 2 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            } else {
                for _ in 0..<Int.random(in: 1...16, using: &random) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
                }
            }
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            do {
                let summary = TrafficAnalyzer().analyze(try PacketSource.open(file: path))
                if summary.error == nil { outcomes.read += 1 } else { outcomes.cutShort += 1 }
            } catch {
                outcomes.refused += 1
            }
        }
        print("10,000 mutants: \(outcomes.read) read whole, \(outcomes.cutShort) read up to a bad record, \(outcomes.refused) refused at open")
        XCTAssertEqual(outcomes.read + outcomes.cutShort + outcomes.refused, 10_000)
    }
}
