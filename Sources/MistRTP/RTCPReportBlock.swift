/// One report block of an RTCP sender or receiver report (RFC 3550 §6.4.1): what a receiver of
/// `ssrc` saw of it.
public struct RTCPReportBlock: Sendable, Equatable {
    public var ssrc: UInt32
    /// Lost since the previous report, in 1/256.
    public var fractionLost: UInt8
    /// Lost since the start (may be negative with duplicates).
    public var cumulativeLost: Int32
    public var highestSequence: UInt32
    public var jitter: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, highestSequence: UInt32, jitter: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.highestSequence = highestSequence
        self.jitter = jitter
    }

    /// The report blocks of every SR and RR in a compound RTCP packet; other packets are
    /// skipped, and a packet whose length does not fit ends the reading (what came before stays).
    public static func blocks(in bytes: ArraySlice<UInt8>) -> [RTCPReportBlock] {
        var blocks: [RTCPReportBlock] = []
        for packet in RTCPCompound.packets(in: bytes) {
            let offset = packet.range.lowerBound
            let count = Int(packet.count)
            // Blocks follow the sender's SSRC (RR) or the sender info (SR).
            let start = packet.type == 201 ? offset + 8 : packet.type == 200 ? offset + 28 : nil
            guard let start, start + count * 24 <= packet.range.upperBound else { continue }
            for index in 0..<count {
                let at = start + index * 24
                let lost = RTCPCompound.word(bytes, at + 4) & 0x00FF_FFFF
                blocks.append(
                    RTCPReportBlock(
                        ssrc: RTCPCompound.word(bytes, at), fractionLost: bytes[at + 4],
                        cumulativeLost: lost & 0x0080_0000 != 0 ? Int32(bitPattern: lost | 0xFF00_0000) : Int32(lost),
                        highestSequence: RTCPCompound.word(bytes, at + 8), jitter: RTCPCompound.word(bytes, at + 12)))
            }
        }
        return blocks
    }

    /// The block's 24 bytes (no sender report seen: last SR and its delay 0).
    public var bytes: [UInt8] {
        let lost = UInt32(bitPattern: cumulativeLost) & 0x00FF_FFFF
        return Self.be32(ssrc) + [fractionLost] + Array(Self.be32(lost).dropFirst()) + Self.be32(highestSequence)
            + Self.be32(jitter) + Self.be32(0) + Self.be32(0)
    }

    /// A receiver report from `sender` with `blocks` (at most 31).
    public static func receiverReport(sender: UInt32, blocks: [RTCPReportBlock]) -> [UInt8] {
        let kept = blocks.prefix(31)
        var out: [UInt8] = [0x80 | UInt8(kept.count), 201] + [0, UInt8(1 + 6 * kept.count)] + be32(sender)
        for block in kept { out += block.bytes }
        return out
    }

    private static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
