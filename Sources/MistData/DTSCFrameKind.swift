/// The four frame kinds of a DTSC byte stream, told apart by their 4-byte magic.
///
/// Every frame is the magic, a 32-bit big-endian length of what follows, then the body. `DTP2`
/// bodies start with a 32-bit track id and a 64-bit time before the DTMI object; the others are a
/// DTMI object alone.
public enum DTSCFrameKind: Sendable, Equatable {
    /// `DTSC`: a stream header (metadata); also the framing of a `.dtsh` file.
    case header
    /// `DTPD`: a version 1 data packet, time and track id inside the object.
    case packetV1
    /// `DTP2`: a version 2 data packet.
    case packetV2
    /// `DTCM`: a command between DTSC peers.
    case command

    public var magic: [UInt8] {
        switch self {
        case .header: return Array("DTSC".utf8)
        case .packetV1: return Array("DTPD".utf8)
        case .packetV2: return Array("DTP2".utf8)
        case .command: return Array("DTCM".utf8)
        }
    }

    /// The kind for the first four bytes of `bytes`, if they are a known magic.
    public init?(magicOf bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 4, bytes[0] == 0x44, bytes[1] == 0x54 else { return nil }  // "DT"
        switch (bytes[2], bytes[3]) {
        case (0x53, 0x43): self = .header  // "SC"
        case (0x50, 0x44): self = .packetV1  // "PD"
        case (0x50, 0x32): self = .packetV2  // "P2"
        case (0x43, 0x4D): self = .command  // "CM"
        default: return nil
        }
    }

    /// Bytes before the DTMI object: magic and length, plus track id and time for `DTP2`.
    public var bodyOffset: Int { self == .packetV2 ? 20 : 8 }
}
