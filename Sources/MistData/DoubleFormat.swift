#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// C-style number formatting the JSON writer needs, without Foundation.
enum DoubleFormat {
    /// `printf("%.16g")`: what MistServer's JSON printer (precision 16, general format) yields.
    static func significant16(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 40) { buffer in
            let written = withVaList([value]) { arguments in
                vsnprintf(buffer.baseAddress, buffer.count, "%.16g", arguments)
            }
            let length = max(0, min(Int(written), buffer.count - 1))
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: length), as: UTF8.self)
        }
    }
}
