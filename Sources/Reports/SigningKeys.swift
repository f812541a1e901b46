@preconcurrency import Crypto
import FileSupport
import Foundation

/// Ed25519 keys for signing evidence bundles, stored as standard PEM (PKCS #8 private key,
/// SubjectPublicKeyInfo public key) so a third party can check a bundle with OpenSSL too.
public enum SigningKeys {
    // DER before the 32 key bytes: PKCS #8 / SPKI with the Ed25519 OID 1.3.101.112 (RFC 8410).
    private static let privatePrefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    private static let publicPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// Writes a new key pair: the private key 0600, the public key beside it. Refuses to
    /// overwrite either, so a key in use is never lost.
    @discardableResult
    public static func generate(privatePath: String, publicPath: String) throws(ReportError) -> String {
        var info = stat()
        for path in [privatePath, publicPath] where lstat(path, &info) == 0 {
            throw .cannotWrite(path: path, reason: "exists; keygen never overwrites a key")
        }
        let key = Curve25519.Signing.PrivateKey()
        // Neither file is replaced even if one appears meanwhile; a private key whose public
        // half could not be written is removed again, so no half pair is left.
        try SecureFile.write(Data(pem("PRIVATE KEY", privatePrefix + key.rawRepresentation).utf8), to: privatePath, overwrite: false)
        do {
            try SecureFile.write(Data(pem("PUBLIC KEY", publicPrefix + key.publicKey.rawRepresentation).utf8), to: publicPath, overwrite: false)
        } catch {
            unlink(privatePath)
            throw error
        }
        return fingerprint(key.publicKey)
    }

    public static func loadPrivate(_ path: String) throws(ReportError) -> Curve25519.Signing.PrivateKey {
        let raw = try der(path, label: "PRIVATE KEY", prefix: privatePrefix)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else { throw .badKey(path: path, reason: "not an Ed25519 private key") }
        return key
    }

    public static func loadPublic(_ path: String) throws(ReportError) -> Curve25519.Signing.PublicKey {
        let data: Data
        do { data = try FileReader.read(path, maximumBytes: 64 * 1024) } catch { throw ReportError(reading: error) }
        return try publicKey(pem: String(decoding: data, as: UTF8.self), source: path)
    }

    /// A public key given as PEM text (pasted in a form, say); `source` names it in errors.
    public static func publicKey(pem text: String, source: String) throws(ReportError) -> Curve25519.Signing.PublicKey {
        let raw = try der(text, source: source, label: "PUBLIC KEY", prefix: publicPrefix)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { throw .badKey(path: source, reason: "not an Ed25519 public key") }
        return key
    }

    /// A short name for a public key: the first 16 hex digits of the SHA-256 of its bytes.
    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String {
        SHA256.hash(data: key.rawRepresentation).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    private static func pem(_ label: String, _ der: [UInt8]) -> String {
        "-----BEGIN \(label)-----\n\(Data(der).base64EncodedString())\n-----END \(label)-----\n"
    }

    private static func der(_ path: String, label: String, prefix: [UInt8]) throws(ReportError) -> Data {
        let data: Data
        do { data = try FileReader.read(path, maximumBytes: 64 * 1024) } catch { throw ReportError(reading: error) }
        return try der(String(decoding: data, as: UTF8.self), source: path, label: label, prefix: prefix)
    }

    private static func der(_ text: String, source path: String, label: String, prefix: [UInt8]) throws(ReportError) -> Data {
        guard let begin = text.range(of: "-----BEGIN \(label)-----"), let end = text.range(of: "-----END \(label)-----"), begin.upperBound <= end.lowerBound else {
            throw .badKey(path: path, reason: "expected a PEM \(label) (made by `circuit-audit keygen`)")
        }
        let body = text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)), der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix else {
            throw .badKey(path: path, reason: "the \(label) is not an Ed25519 key")
        }
        return der.suffix(32)
    }
}
