/// DTLS records as datagrams: OpenSSL writes a flight into memory as records back to back, and
/// each datagram sent must hold whole records and stay under the path's size (RFC 6347 4.1.1).
public enum DTLSRecords {
    /// Bytes of a DTLS record header: type, version, epoch, sequence number, length.
    public static let headerLength = 13

    /// `bytes` cut into datagrams of whole records, each at most `maximum` bytes unless one record
    /// alone is larger. A truncated record at the end goes out as it is (the peer drops it).
    public static func datagrams(_ bytes: [UInt8], maximum: Int) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            var end = bytes.count
            if bytes.count - offset >= headerLength {
                let length = Int(bytes[offset + 11]) << 8 | Int(bytes[offset + 12])
                end = min(bytes.count, offset + headerLength + length)
            }
            if !current.isEmpty && current.count + (end - offset) > maximum {
                result.append(current)
                current = []
            }
            current += bytes[offset..<end]
            offset = end
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
