@_exported import struct SystemPackage.FilePath
#if canImport(Glibc)
import Glibc
#endif

/// Paths are split and joined with swift-system's `FilePath` everywhere, never with
/// Foundation's `NSString` path methods (which trap on a one-character relative path on Linux)
/// or by hand. These are the few questions the tool asks of a path.
extension FilePath {
    /// The directory that holds the last component: `.` for a bare name, `/` for `/`.
    public var containingDirectory: FilePath {
        let parent = removingLastComponent()
        return parent.isEmpty ? "." : parent
    }

    /// The last component as text, or the whole path when it has none (`/`, empty).
    public var fileName: String { lastComponent?.string ?? string }

    /// The last component without its extension (`wg0` for `/etc/wireguard/wg0.conf`).
    public var fileStem: String { lastComponent?.stem ?? string }

    /// Relative paths taken from the current directory; `.` and `..` resolved lexically
    /// (symbolic links are not followed).
    public var absolute: FilePath {
        if isAbsolute { return lexicallyNormalized() }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return self }
        return FilePath(platformString: buffer).pushing(self).lexicallyNormalized()
    }

    /// `other` below this directory; an absolute `other` stands alone.
    public func resolving(_ other: String) -> FilePath {
        pushing(FilePath(other))
    }
}
