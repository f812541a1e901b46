/// Bounds-checked big-endian reads, the only way decoders touch packet bytes.
///
/// Every read returns nil past the end instead of trapping, so a short or corrupt packet is an
/// ordinary value on the decode path, never a crash.
extension UnsafeRawBufferPointer {
    @inlinable @inline(__always)
    public func uint8(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[offset]
    }

    @inlinable @inline(__always)
    public func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= count &- 2 else { return nil }
        return UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable @inline(__always)
    public func uint32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count &- 4 else { return nil }
        return UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable @inline(__always)
    public func uint64(at offset: Int) -> UInt64? {
        guard offset >= 0, offset <= count &- 8 else { return nil }
        return UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A sub-range of the buffer, clipped to its end; empty when `offset` is past it.
    @inlinable @inline(__always)
    public func slice(from offset: Int, count length: Int) -> UnsafeRawBufferPointer {
        guard offset >= 0, offset < count, length > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: self[offset..<(offset + Swift.min(length, count - offset))])
    }
}
