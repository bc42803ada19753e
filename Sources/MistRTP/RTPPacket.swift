/// One RTP packet (RFC 3550): the fixed header, CSRCs, the header extension if any, and the
/// payload, which is a slice of the bytes it was read from (no copy).
public struct RTPPacket: Sendable, Equatable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcs: [UInt32]
    /// The header extension's profile-defined id and its data (a multiple of 4 bytes), if any.
    public var extensionProfile: UInt16?
    public var extensionData: ArraySlice<UInt8>
    public var payload: ArraySlice<UInt8>

    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], extensionProfile: UInt16? = nil, extensionData: ArraySlice<UInt8> = [],
        payload: ArraySlice<UInt8>
    ) {
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = Array(csrcs.prefix(15))
        self.extensionProfile = extensionProfile
        self.extensionData = extensionData
        self.payload = payload
    }

    /// Reads a packet from a datagram.
    public init(parsing bytes: ArraySlice<UInt8>) throws(RTPError) {
        let start = bytes.startIndex
        guard bytes.count >= 12 else { throw .truncated(needed: 12, have: bytes.count) }
        let first = bytes[start]
        guard first >> 6 == 2 else { throw .badVersion(Int(first >> 6)) }
        let hasPadding = first & 0x20 != 0
        let hasExtension = first & 0x10 != 0
        let csrcCount = Int(first & 0x0F)
        marker = bytes[start + 1] & 0x80 != 0
        payloadType = bytes[start + 1] & 0x7F
        sequenceNumber = UInt16(bytes[start + 2]) << 8 | UInt16(bytes[start + 3])
        timestamp = Self.word(bytes, at: start + 4)
        ssrc = Self.word(bytes, at: start + 8)
        var offset = start + 12
        guard bytes.endIndex - offset >= csrcCount * 4 else {
            throw .truncated(needed: 12 + csrcCount * 4, have: bytes.count)
        }
        csrcs = (0..<csrcCount).map { Self.word(bytes, at: offset + $0 * 4) }
        offset += csrcCount * 4
        if hasExtension {
            guard bytes.endIndex - offset >= 4 else { throw .truncated(needed: offset - start + 4, have: bytes.count) }
            extensionProfile = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            let length = (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) * 4
            offset += 4
            guard bytes.endIndex - offset >= length else {
                throw .truncated(needed: offset - start + length, have: bytes.count)
            }
            extensionData = bytes[offset..<(offset + length)]
            offset += length
        } else {
            extensionProfile = nil
            extensionData = []
        }
        var end = bytes.endIndex
        if hasPadding {
            guard end > offset else { throw .badPadding(0) }
            let padding = Int(bytes[end - 1])
            guard padding >= 1, padding <= end - offset else { throw .badPadding(padding) }
            end -= padding
        }
        payload = bytes[offset..<end]
    }

    private static func word(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8
            | UInt32(bytes[index + 3])
    }

    /// The header's size in bytes.
    public var headerSize: Int {
        12 + csrcs.count * 4 + (extensionProfile == nil ? 0 : 4 + (extensionData.count + 3) / 4 * 4)
    }

    /// Appends the packet's bytes (without padding) to `out`.
    public func write(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + headerSize + payload.count)
        out.append(0x80 | (extensionProfile == nil ? 0 : 0x10) | UInt8(csrcs.count))
        out.append((marker ? 0x80 : 0) | payloadType)
        out.append(UInt8(sequenceNumber >> 8))
        out.append(UInt8(truncatingIfNeeded: sequenceNumber))
        for word in [timestamp, ssrc] + csrcs {
            out.append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> $0) })
        }
        if let extensionProfile {
            let words = (extensionData.count + 3) / 4
            out.append(contentsOf: [
                UInt8(extensionProfile >> 8), UInt8(truncatingIfNeeded: extensionProfile),
                UInt8(truncatingIfNeeded: words >> 8), UInt8(truncatingIfNeeded: words),
            ])
            out.append(contentsOf: extensionData)
            out.append(contentsOf: [UInt8](repeating: 0, count: words * 4 - extensionData.count))
        }
        out.append(contentsOf: payload)
    }

    /// The packet's bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }
}
