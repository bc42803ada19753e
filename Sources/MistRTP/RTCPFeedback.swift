/// A receiver's feedback in a compound RTCP packet (RFC 4585, RFC 5104): generic NACKs name lost
/// packets, PLI and FIR ask for a keyframe, REMB (draft-alvestrand-rmcat-remb) says the bitrate
/// the receiver estimates it can take. Reading is bounded by each packet's length; a packet
/// whose length does not fit ends the reading, what came before stays.
public enum RTCPFeedback: Sendable, Equatable {
    /// The sequence numbers of `ssrc` the receiver lacks.
    case nack(ssrc: UInt32, sequences: [UInt16])
    /// Picture loss: the receiver needs a keyframe of `ssrc`.
    case pictureLoss(ssrc: UInt32)
    /// Full intra request for each SSRC named.
    case fullIntraRequest(ssrcs: [UInt32])
    /// The receiver's estimated maximum bitrate (bits per second) for the SSRCs named.
    case estimatedBitrate(bitsPerSecond: UInt64, ssrcs: [UInt32])

    /// The most NACK entries taken from one packet (each names up to 17 sequence numbers).
    public static let maximumNACKEntries = 64

    /// Every feedback message in `bytes`.
    public static func messages(in bytes: ArraySlice<UInt8>) -> [RTCPFeedback] {
        var found: [RTCPFeedback] = []
        for packet in RTCPCompound.packets(in: bytes) where packet.range.count >= 12 {
            let offset = packet.range.lowerBound
            let end = packet.range.upperBound
            let media = RTCPCompound.word(bytes, offset + 8)
            switch (packet.type, packet.count) {
            case (205, 1):
                var sequences: [UInt16] = []
                var at = offset + 12
                var entries = 0
                while at + 4 <= end && entries < maximumNACKEntries {
                    let first = UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
                    let mask = UInt16(bytes[at + 2]) << 8 | UInt16(bytes[at + 3])
                    sequences.append(first)
                    for bit in 0..<16 where mask & (1 << bit) != 0 { sequences.append(first &+ UInt16(bit + 1)) }
                    at += 4
                    entries += 1
                }
                found.append(.nack(ssrc: media, sequences: sequences))
            case (206, 1):
                found.append(.pictureLoss(ssrc: media))
            case (206, 4):
                var ssrcs: [UInt32] = []
                var at = offset + 12
                while at + 8 <= end && ssrcs.count < maximumNACKEntries {
                    ssrcs.append(RTCPCompound.word(bytes, at))
                    at += 8
                }
                found.append(.fullIntraRequest(ssrcs: ssrcs))
            case (206, 15) where packet.range.count >= 20 && Array(bytes[(offset + 12)..<(offset + 16)]) == remb:
                let count = Int(bytes[offset + 16])
                let exponent = UInt64(bytes[offset + 17] >> 2)
                let mantissa =
                    UInt64(bytes[offset + 17] & 0x03) << 16 | UInt64(bytes[offset + 18]) << 8
                    | UInt64(bytes[offset + 19])
                // 18 bits shifted by up to 63: clamped rather than overflowing.
                let bits = exponent >= 46 ? UInt64.max : mantissa << exponent
                var ssrcs: [UInt32] = []
                var at = offset + 20
                while at + 4 <= end && ssrcs.count < min(count, maximumNACKEntries) {
                    ssrcs.append(RTCPCompound.word(bytes, at))
                    at += 4
                }
                found.append(.estimatedBitrate(bitsPerSecond: bits, ssrcs: ssrcs))
            default: break
            }
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

    /// A REMB from `sender`: `bitsPerSecond` (as 18 bits of mantissa and an exponent, rounded
    /// down) for `ssrcs`.
    public static func estimatedBitratePacket(sender: UInt32, bitsPerSecond: UInt64, ssrcs: [UInt32]) -> [UInt8] {
        var mantissa = bitsPerSecond
        var exponent: UInt8 = 0
        while mantissa > 0x3FFFF {
            mantissa >>= 1
            exponent += 1
        }
        let named = Array(ssrcs.prefix(255))
        var out: [UInt8] = [0x8F, 206] + be16(UInt16(4 + named.count)) + be32(sender) + be32(0) + remb
        out += [
            UInt8(named.count), exponent << 2 | UInt8(mantissa >> 16), UInt8(mantissa >> 8 & 0xFF),
            UInt8(mantissa & 0xFF),
        ]
        for ssrc in named { out += be32(ssrc) }
        return out
    }

    /// The four bytes that name a REMB among application-layer feedback.
    private static let remb: [UInt8] = Array("REMB".utf8)

    private static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    private static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
