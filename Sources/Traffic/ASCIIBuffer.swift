import Packets

/// A growable byte buffer for machine-readable output, written without intermediate `String`s
/// or per-append array bookkeeping: with 100,000 flows, formatting must cost little next to
/// reading the packets.
public final class ASCIIBuffer {
    // Single-threaded by contract; dynamic exclusivity checks would double the cost of a line.
    @exclusivity(unchecked) private var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) public private(set) var count = 0

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// The bytes written so far, valid until the next append.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: storage, count: count) }

    public func removeAll() { count = 0 }

    @inline(__always)
    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while count + extra > newCapacity { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity = newCapacity
    }

    public func append(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        reserve(length)
        (storage + count).update(from: text.utf8Start, count: length)
        count += length
    }

    public func append(byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    public func append<Bytes: Collection>(contentsOf other: Bytes) where Bytes.Element == UInt8 {
        reserve(other.count)
        for byte in other {
            storage[count] = byte
            count += 1
        }
    }

    public func append<T: BinaryInteger>(decimal value: T) {
        var magnitude = UInt64(value.magnitude)
        if value < 0 { append(byte: UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var length = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - length] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                length += 1
            } while magnitude > 0
            append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - length)...]))
        }
    }

    /// Zero-padded to `width` digits.
    func append(decimal value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            append(byte: UInt8(ascii: "0") + UInt8(remaining / divisor % 10))
            remaining %= divisor
            divisor /= 10
        }
    }

    /// The address as text: dotted quad written directly, IPv6 through its RFC 5952 form.
    public func append(address: IPAddress) {
        if let v4 = address.ipv4Value {
            append(decimal: v4 >> 24)
            append(byte: UInt8(ascii: "."))
            append(decimal: v4 >> 16 & 0xFF)
            append(byte: UInt8(ascii: "."))
            append(decimal: v4 >> 8 & 0xFF)
            append(byte: UInt8(ascii: "."))
            append(decimal: v4 & 0xFF)
        } else {
            append(contentsOf: address.description.utf8)
        }
    }

    /// ISO 8601 UTC with microseconds, as `Timestamp.iso8601`.
    public func append(timestamp: Timestamp) {
        let parts = timestamp.utcComponents
        append(decimal: parts.year, width: 4)
        append(byte: UInt8(ascii: "-"))
        append(decimal: parts.month, width: 2)
        append(byte: UInt8(ascii: "-"))
        append(decimal: parts.day, width: 2)
        append(byte: UInt8(ascii: "T"))
        append(decimal: parts.hour, width: 2)
        append(byte: UInt8(ascii: ":"))
        append(decimal: parts.minute, width: 2)
        append(byte: UInt8(ascii: ":"))
        append(decimal: parts.second, width: 2)
        append(byte: UInt8(ascii: "."))
        append(decimal: parts.microsecond, width: 6)
        append(byte: UInt8(ascii: "Z"))
    }

    /// A JSON string literal (RFC 8259 §7), escaping quotes, backslashes and control characters.
    public func append(jsonString text: String) {
        append(byte: UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0..<0x20:
                append("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                append(byte: hex[Int(byte >> 4)])
                append(byte: hex[Int(byte & 0xF)])
            default: append(byte: byte)
            }
        }
        append(byte: UInt8(ascii: "\""))
    }
}
