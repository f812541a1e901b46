import FileSupport
import CGeoIP
import CMaxMindDB
import Foundation
import Packets

/// A file that maps addresses to countries or autonomous systems.
public protocol AddressDatabase: Sendable {
    /// How the database is named in evidence: file and edition or date.
    var description: String { get }
    func lookup(_ address: IPAddress) -> (country: String?, asn: UInt32?, organization: String?)?
}

/// Why an address database could not be used.
public enum AddressDatabaseError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open the address database: \(reason)"
        }
    }
}

/// Debian's `geoip-database` (the legacy GeoIP.dat and GeoIPv6.dat country files), read through
/// libGeoIP: the offline default that needs no user data.
public final class LegacyGeoIPDatabase: AddressDatabase, @unchecked Sendable {
    public static let defaultIPv4Path = "/usr/share/GeoIP/GeoIP.dat"
    public static let defaultIPv6Path = "/usr/share/GeoIP/GeoIPv6.dat"

    private let v4: UnsafeMutablePointer<GeoIP>
    private let v6: UnsafeMutablePointer<GeoIP>?
    public let description: String

    public init(ipv4Path: String = defaultIPv4Path, ipv6Path: String? = defaultIPv6Path) throws(AddressDatabaseError) {
        guard FileManager.default.isReadableFile(atPath: ipv4Path), let v4 = GeoIP_open(ipv4Path, Int32(GEOIP_MEMORY_CACHE.rawValue)) else {
            throw .cannotOpen(path: ipv4Path, reason: "missing or not a GeoIP country file (install Debian's geoip-database)")
        }
        self.v4 = v4
        if let ipv6Path, FileManager.default.isReadableFile(atPath: ipv6Path) {
            self.v6 = GeoIP_open(ipv6Path, Int32(GEOIP_MEMORY_CACHE.rawValue))
        } else {
            self.v6 = nil
        }
        let info = GeoIP_database_info(v4).map { pointer -> String in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? "unknown edition"
        description = "\(ipv4Path) (\(info))"
    }

    deinit {
        GeoIP_delete(v4)
        if let v6 { GeoIP_delete(v6) }
    }

    public func lookup(_ address: IPAddress) -> (country: String?, asn: UInt32?, organization: String?)? {
        let code: UnsafePointer<CChar>?
        if let v4Value = address.ipv4Value {
            code = GeoIP_country_code_by_ipnum(v4, UInt(v4Value))
        } else if let v6 {
            var raw = in6_addr()
            withUnsafeMutableBytes(of: &raw) { buffer in
                for (index, byte) in address.bytes.enumerated() { buffer[index] = byte }
            }
            code = GeoIP_country_code_by_ipnum_v6(v6, raw)
        } else {
            code = nil
        }
        guard let code else { return nil }
        let country = String(cString: code)
        // "A1"/"A2"/"O1"/"EU"/"AP" are not countries.
        guard country.count == 2, !["A1", "A2", "O1", "EU", "AP", "--"].contains(country) else { return nil }
        return (country, nil, nil)
    }
}

/// A MaxMind DB file (GeoLite2/GeoIP2 Country or ASN, or a compatible one), through libmaxminddb.
public final class MaxMindDatabase: AddressDatabase, @unchecked Sendable {
    private var database = MMDB_s()
    public let description: String

    public init(path: String) throws(AddressDatabaseError) {
        // libmaxminddb opens the file itself: a FIFO would keep it waiting, a device is no database.
        do { try FileReader.requireRegularFile(path) } catch { throw .cannotOpen(path: path, reason: error.reason) }
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), &database)
        guard status == MMDB_SUCCESS else {
            throw .cannotOpen(path: path, reason: String(cString: MMDB_strerror(status)))
        }
        let type = database.metadata.database_type.map { String(cString: $0) } ?? "MaxMind DB"
        let built = Date(timeIntervalSince1970: TimeInterval(database.metadata.build_epoch))
        description = "\(path) (\(type), built \(ISO8601DateFormatter().string(from: built).prefix(10)))"
    }

    deinit { MMDB_close(&database) }

    public func lookup(_ address: IPAddress) -> (country: String?, asn: UInt32?, organization: String?)? {
        var error: Int32 = 0
        var result: MMDB_lookup_result_s
        if let v4 = address.ipv4Value {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_addr.s_addr = v4.bigEndian
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(&database, $0, &error) }
            }
        } else {
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { buffer in
                for (index, byte) in address.bytes.enumerated() { buffer[index] = byte }
            }
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(&database, $0, &error) }
            }
        }
        guard error == MMDB_SUCCESS, result.found_entry else { return nil }
        let country = string(&result.entry, ["country", "iso_code"]) ?? string(&result.entry, ["registered_country", "iso_code"])
        let asn = unsigned(&result.entry, ["autonomous_system_number"])
        let organization = string(&result.entry, ["autonomous_system_organization"])
        guard country != nil || asn != nil else { return nil }
        return (country, asn, organization)
    }

    private func value(_ entry: inout MMDB_entry_s, _ path: [String]) -> MMDB_entry_data_s? {
        var data = MMDB_entry_data_s()
        var cStrings = path.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        cStrings.append(nil)
        let status = cStrings.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                MMDB_aget_value(&entry, &data, $0)
            }
        }
        guard status == MMDB_SUCCESS, data.has_data else { return nil }
        return data
    }

    private func string(_ entry: inout MMDB_entry_s, _ path: [String]) -> String? {
        guard let data = value(&entry, path), data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING), let start = data.utf8_string else { return nil }
        let bytes = UnsafeRawBufferPointer(start: start, count: Int(data.data_size))
        return String(decoding: bytes, as: UTF8.self)
    }

    private func unsigned(_ entry: inout MMDB_entry_s, _ path: [String]) -> UInt32? {
        guard let data = value(&entry, path), data.type == UInt32(MMDB_DATA_TYPE_UINT32) else { return nil }
        return data.uint32
    }
}
