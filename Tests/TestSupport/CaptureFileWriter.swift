import Foundation

/// Writes small capture files for tests: classic pcap (microsecond, little-endian) or pcapng
/// (one section, one interface, enhanced packet blocks), as the file formats define them.
public struct CaptureFileWriter {
    public enum Format { case pcap, pcapng }

    public struct Record {
        public var seconds: UInt32
        public var microseconds: UInt32
        public var bytes: [UInt8]
        public var wireLength: Int?

        public init(seconds: UInt32, microseconds: UInt32 = 0, bytes: [UInt8], wireLength: Int? = nil) {
            self.seconds = seconds
            self.microseconds = microseconds
            self.bytes = bytes
            self.wireLength = wireLength
        }
    }

    public var format: Format
    public var linkType: UInt32
    public var records: [Record] = []

    public init(format: Format = .pcap, linkType: UInt32 = 1) {
        self.format = format
        self.linkType = linkType
    }

    public mutating func add(_ bytes: [UInt8], at seconds: UInt32, microseconds: UInt32 = 0, wireLength: Int? = nil) {
        records.append(Record(seconds: seconds, microseconds: microseconds, bytes: bytes, wireLength: wireLength))
    }

    public func data() -> [UInt8] {
        switch format {
        case .pcap: pcapData()
        case .pcapng: pcapngData()
        }
    }

    /// Writes the capture to a new file in a temporary directory and returns its path.
    public func write(named name: String = "capture") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("circuit-audit-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name + (format == .pcap ? ".pcap" : ".pcapng"))
        try Data(data()).write(to: url)
        return url.path
    }

    private func pcapData() -> [UInt8] {
        var out = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(262_144) + le32(linkType)
        for record in records {
            out += le32(record.seconds) + le32(record.microseconds)
            out += le32(UInt32(record.bytes.count)) + le32(UInt32(record.wireLength ?? record.bytes.count))
            out += record.bytes
        }
        return out
    }

    private func pcapngData() -> [UInt8] {
        func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
            let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
            let length = UInt32(12 + padded.count)
            return le32(type) + le32(length) + padded + le32(length)
        }
        var out = block(0x0A0D_0D0A, le32(0x1A2B_3C4D) + le16(1) + le16(0) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF))
        out += block(1, le16(UInt16(linkType)) + le16(0) + le32(262_144))
        for record in records {
            let micros = UInt64(record.seconds) * 1_000_000 + UInt64(record.microseconds)
            var body = le32(0) + le32(UInt32(micros >> 32)) + le32(UInt32(micros & 0xFFFF_FFFF))
            body += le32(UInt32(record.bytes.count)) + le32(UInt32(record.wireLength ?? record.bytes.count))
            out += block(6, body + record.bytes)
        }
        return out
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }
}
