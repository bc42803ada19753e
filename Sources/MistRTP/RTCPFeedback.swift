/// A receiver's feedback in a compound RTCP packet (RFC 4585, RFC 5104): generic NACKs name lost
/// packets, PLI and FIR ask for a keyframe. Reading is bounded by each packet's length; a packet
/// whose length does not fit ends the reading, what came before stays.
public enum RTCPFeedback: Sendable, Equatable {
    /// The sequence numbers of `ssrc` the receiver lacks.
    case nack(ssrc: UInt32, sequences: [UInt16])
    /// Picture loss: the receiver needs a keyframe of `ssrc`.
    case pictureLoss(ssrc: UInt32)
    /// Full intra request for each SSRC named.
    case fullIntraRequest(ssrcs: [UInt32])

    /// The most NACK entries taken from one packet (each names up to 17 sequence numbers).
    public static let maximumNACKEntries = 64

    /// Every feedback message in `bytes`.
    public static func messages(in bytes: ArraySlice<UInt8>) -> [RTCPFeedback] {
        var found: [RTCPFeedback] = []
        var offset = bytes.startIndex
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }
        while bytes.endIndex - offset >= 4 {
            let first = bytes[offset]
            guard first >> 6 == 2 else { break }
            let type = bytes[offset + 1]
            let length = (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 1) * 4
            guard bytes.endIndex - offset >= length else { break }
            let format = first & 0x1F
            if length >= 12 {
                let media = word(offset + 8)
                switch (type, format) {
                case (205, 1):
                    var sequences: [UInt16] = []
                    var at = offset + 12
                    var entries = 0
                    while at + 4 <= offset + length && entries < maximumNACKEntries {
                        let packet = UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
                        let mask = UInt16(bytes[at + 2]) << 8 | UInt16(bytes[at + 3])
                        sequences.append(packet)
                        for bit in 0..<16 where mask & (1 << bit) != 0 {
                            sequences.append(packet &+ UInt16(bit + 1))
                        }
                        at += 4
                        entries += 1
                    }
                    found.append(.nack(ssrc: media, sequences: sequences))
                case (206, 1):
                    found.append(.pictureLoss(ssrc: media))
                case (206, 4):
                    var ssrcs: [UInt32] = []
                    var at = offset + 12
                    while at + 8 <= offset + length && ssrcs.count < maximumNACKEntries {
                        ssrcs.append(word(at))
                        at += 8
                    }
                    found.append(.fullIntraRequest(ssrcs: ssrcs))
                default: break
                }
            }
            offset += length
        }
        return found
    }

    /// A generic NACK from `sender` for `sequences` of `ssrc` (consecutive losses share an entry).
    public static func nackPacket(sender: UInt32, ssrc: UInt32, sequences: [UInt16]) -> [UInt8] {
        var entries: [(UInt16, UInt16)] = []
        for sequence in sequences {
            if let last = entries.last, sequence &- last.0 >= 1, sequence &- last.0 <= 16 {
                entries[entries.count - 1].1 |= 1 << (sequence &- last.0 - 1)
            } else {
                entries.append((sequence, 0))
            }
        }
        entries = Array(entries.prefix(maximumNACKEntries))
        var out: [UInt8] = [0x81, 205] + be16(UInt16(2 + entries.count)) + be32(sender) + be32(ssrc)
        for (packet, mask) in entries { out += be16(packet) + be16(mask) }
        return out
    }

    /// A picture loss indication from `sender` about `ssrc`.
    public static func pictureLossPacket(sender: UInt32, ssrc: UInt32) -> [UInt8] {
        [0x81, 206, 0, 2] + be32(sender) + be32(ssrc)
    }

    private static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    private static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
