/// The packets of a compound RTCP packet (RFC 3550 6.1), each as its type, its count or format
/// field and where it lies: reading stops at a packet that is not version 2 or whose length does
/// not fit (what came before stays).
public enum RTCPCompound {
    public struct Packet: Sendable, Equatable {
        public var type: UInt8
        /// The header's low five bits: the report count, or the feedback format.
        public var count: UInt8
        /// The whole packet, header included, as indices into the bytes read.
        public var range: Range<Int>
    }

    public static func packets(in bytes: ArraySlice<UInt8>) -> [Packet] {
        var packets: [Packet] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 4 {
            let first = bytes[offset]
            guard first >> 6 == 2 else { break }
            let length = (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 1) * 4
            guard bytes.endIndex - offset >= length else { break }
            packets.append(Packet(type: bytes[offset + 1], count: first & 0x1F, range: offset..<(offset + length)))
            offset += length
        }
        return packets
    }

    /// The big-endian 32-bit word at `at`.
    static func word(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
