/// Reads big-endian bit fields from bytes.
struct PayloadBitReader {
    let bytes: ArraySlice<UInt8>
    var position = 0

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    /// Whether reads went past the last bit (and so returned made-up zeros).
    var overran: Bool { position > bytes.count * 8 }

    /// The next `count` bits (up to 32) as a number; zeros past the end.
    mutating func read(_ count: Int) -> Int {
        var value = 0
        for _ in 0..<max(0, min(32, count)) {
            let byteIndex = bytes.startIndex + position / 8
            let bit = byteIndex < bytes.endIndex ? Int(bytes[byteIndex] >> (7 - UInt8(position % 8))) & 1 : 0
            value = value << 1 | bit
            position += 1
        }
        return value
    }
}
