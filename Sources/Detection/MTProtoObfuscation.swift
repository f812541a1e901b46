import Crypto
import _CryptoExtras

/// Telegram's obfuscated transport (MTProto "obfuscated2", core.telegram.org/mtproto/mtproto-transports):
/// the client's first 64 bytes look random, but they carry their own key. AES-256-CTR keyed with
/// bytes 8–39 and counter block 40–55 turns bytes 56–59 into the transport's tag: `0xefefefef`
/// (abridged), `0xeeeeeeee` (intermediate) or `0xdddddddd` (padded intermediate). Random bytes
/// match by chance once in about 1.4 billion, so a match tells a Telegram connection straight to
/// a data centre from a fully encrypted proxy, which the GFW's rule alone cannot. (Through an
/// MTProxy with a secret the key also hashes the secret, and this check cannot see it.)
public enum MTProtoObfuscation {
    static let tags: Set<[UInt8]> = [[0xEF, 0xEF, 0xEF, 0xEF], [0xEE, 0xEE, 0xEE, 0xEE], [0xDD, 0xDD, 0xDD, 0xDD]]

    /// Whether `payload` opens with an obfuscated2 header; the tag's name when it does.
    public static func transport(of payload: ArraySlice<UInt8>) -> String? {
        guard payload.count >= 64 else { return nil }
        let header = Array(payload.prefix(64))
        let key = SymmetricKey(data: header[8..<40])
        guard let counter = try? AES._CTR.Nonce(nonceBytes: header[40..<56]),
              let clear = try? AES._CTR.decrypt(header, using: key, nonce: counter) else { return nil }
        let tag = Array(clear[clear.startIndex + 56..<clear.startIndex + 60])
        guard tags.contains(tag) else { return nil }
        return switch tag[0] {
        case 0xEF: "abridged"
        case 0xEE: "intermediate"
        default: "padded intermediate"
        }
    }
}
