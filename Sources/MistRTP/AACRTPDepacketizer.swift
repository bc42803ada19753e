/// AAC from RTP in RFC 3640's `mpeg4-generic` format (AAC-hbr as ffmpeg, encoders and cameras
/// send it, and AAC-lbr): the AU-header section gives each access unit's size; an access unit
/// larger than one packet arrives in fragments with the marker bit on the last one.
public struct AACRTPDepacketizer: Sendable {
    /// Bits of each AU header: the size, then the index (first) or index delta (the others).
    public let sizeLength: Int
    public let indexLength: Int
    public let indexDeltaLength: Int
    /// The largest access unit taken.
    public static let maximumFrameBytes = 1 << 16

    private var fragment: [UInt8] = []
    private var fragmentSize = 0
    private var lastSequence: UInt16?
    /// After a loss, fragments are dropped until one ends (a marker): the first one seen may
    /// be a middle piece, and RFC 3640 has no start flag to tell.
    private var skippingFragments = false

    /// The layout from the SDP's `fmtp` parameters (AAC-hbr's 13/3/3 when absent).
    public init(fmtp: [String: String] = [:]) {
        func value(_ name: String, _ fallback: Int) -> Int {
            min(32, max(0, fmtp[name].flatMap { Int($0) } ?? fallback))
        }
        let mode = fmtp["mode"]?.lowercased()
        let defaults = mode == "aac-lbr" ? (6, 2, 2) : (13, 3, 3)
        sizeLength = value("sizelength", defaults.0)
        indexLength = value("indexlength", defaults.1)
        indexDeltaLength = value("indexdeltalength", defaults.2)
    }

    /// The access units (raw AAC frames) the packet completes.
    public mutating func push(_ packet: RTPPacket) throws(RTPError) -> [[UInt8]] {
        if let lastSequence, packet.sequenceNumber != lastSequence &+ 1 {
            fragment.removeAll()
            fragmentSize = 0
            skippingFragments = true
        }
        lastSequence = packet.sequenceNumber
        let payload = packet.payload
        guard payload.count >= 2, sizeLength > 0 else { throw .malformed("AAC payload without AU headers") }
        let headerBits = Int(payload[payload.startIndex]) << 8 | Int(payload[payload.startIndex + 1])
        let headerBytes = (headerBits + 7) / 8
        guard payload.count - 2 >= headerBytes else { throw .malformed("AU headers past the end") }
        var reader = PayloadBitReader(payload[(payload.startIndex + 2)..<(payload.startIndex + 2 + headerBytes)])
        var sizes: [Int] = []
        var used = 0
        while used + sizeLength <= headerBits {
            let indexBits = sizes.isEmpty ? indexLength : indexDeltaLength
            guard used + sizeLength + indexBits <= headerBits else { break }
            sizes.append(reader.read(sizeLength))
            _ = reader.read(indexBits)
            used += sizeLength + indexBits
            guard sizes.count <= 512 else { throw .malformed("over 512 AU headers") }
        }
        var offset = payload.startIndex + 2 + headerBytes
        let available = payload.endIndex - offset
        // One AU larger than what follows: a fragment.
        if sizes.count == 1, let size = sizes.first, size > available {
            guard size <= Self.maximumFrameBytes else { throw .tooLarge(size) }
            if skippingFragments {
                if packet.marker { skippingFragments = false }
                return []
            }
            if fragment.isEmpty { fragmentSize = size }
            guard fragmentSize == size, fragment.count + available <= size else {
                fragment.removeAll()
                throw .malformed("AAC fragment sizes do not add up")
            }
            fragment.append(contentsOf: payload[offset...])
            guard packet.marker else { return [] }
            defer { fragment.removeAll() }
            guard fragment.count == size else {
                throw .malformed("AAC fragment ended \(size - fragment.count) bytes short")
            }
            return [fragment]
        }
        skippingFragments = false
        if !fragment.isEmpty {
            if sizes.count == 1, sizes[0] == fragmentSize, available == fragmentSize - fragment.count {
                fragment.append(contentsOf: payload[offset...])
                defer { fragment.removeAll() }
                return [fragment]
            }
            fragment.removeAll()
        }
        var frames: [[UInt8]] = []
        for size in sizes {
            guard size <= payload.endIndex - offset else { throw .malformed("AU of \(size) bytes past the end") }
            frames.append(Array(payload[offset..<(offset + size)]))
            offset += size
        }
        return frames
    }
}
