/// libFuzzer's driver, started from a target's own entry point: SwiftPM names an executable's
/// entry point `<module>_main`, so each target defines that symbol and hands over to
/// `LLVMFuzzerRunDriver` (libFuzzer's documented way to run with a main of one's own).
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzCallback) -> CInt

public enum FuzzDriver {
    public static func run(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: FuzzCallback) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, callback)
    }

    /// For targets feeding several text formats: the first byte picks the format, the rest is
    /// the file's text. Nil for an empty input.
    public static func selectedText(_ start: UnsafePointer<UInt8>?, _ count: Int) -> (selector: UInt8, text: String)? {
        let input = bytes(start, count)
        guard let selector = input.first else { return nil }
        return (selector, String(decoding: input.dropFirst(), as: UTF8.self))
    }

    /// The input as bytes (libFuzzer may pass a null pointer with a count of zero).
    public static func bytes(_ start: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let start, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: start, count: count))
    }
}
