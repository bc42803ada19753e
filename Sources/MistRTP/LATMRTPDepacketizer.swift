/// AAC from RTP in RFC 3016's `MP4A-LATM` format, as IP cameras and ffmpeg's `-rtpflags latm`
/// send it: the StreamMuxConfig is in the SDP (`cpresent=0`, its `config` parameter) and every
/// audioMuxElement is a length (bytes of 255 summed, then the last byte) before its frame. An
/// element larger than a packet spans several, the marker bit on the last.
public struct LATMRTPDepacketizer: Sendable {
    /// The AudioSpecificConfig inside the StreamMuxConfig, byte-aligned as AAC tracks keep it.
    public let audioSpecificConfig: [UInt8]
    /// Frames in each audioMuxElement (numSubFrames + 1).
    public let framesPerElement: Int
    /// The most bytes waiting for a packet with the marker.
    public static let maximumElementBytes = 1 << 16

    private var pending: [UInt8] = []
    private var lastSequence: UInt16?
    /// After a loss, bytes are dropped until an element ends (a marker).
    private var skipping = false

    /// Reads the StreamMuxConfig (`config` of the fmtp, hex-decoded). Only what a single AAC
    /// program needs is taken: audioMuxVersion 0, one program and layer, frame lengths given per
    /// frame (frameLengthType 0), as RFC 3016 senders write.
    public init(streamMuxConfig: [UInt8]) throws(RTPError) {
        var reader = PayloadBitReader(streamMuxConfig[...])
        guard reader.read(1) == 0 else { throw .malformed("LATM audioMuxVersion 1 is not supported") }
        let sameTimeFraming = reader.read(1)
        let subFrames = reader.read(6)
        let programs = reader.read(4)
        let layers = reader.read(3)
        guard sameTimeFraming == 1, programs == 0, layers == 0 else {
            throw .malformed("LATM with several programs, layers or time framings is not supported")
        }
        // The AudioSpecificConfig is not byte-aligned here: its bits are copied out as far as
        // they are read, then padded.
        let start = reader.position
        var objectType = reader.read(5)
        if objectType == 31 { objectType = 32 + reader.read(6) }
        if reader.read(4) == 15 { _ = reader.read(24) }
        _ = reader.read(4)
        if objectType == 5 || objectType == 29 {
            if reader.read(4) == 15 { _ = reader.read(24) }
            objectType = reader.read(5)
            if objectType == 31 { objectType = 32 + reader.read(6) }
        }
        if [1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23].contains(objectType) {
            _ = reader.read(1)
            if reader.read(1) == 1 { _ = reader.read(14) }
            _ = reader.read(1)
        }
        let end = reader.position
        guard reader.read(3) == 0 else { throw .malformed("LATM frameLengthType other than 0 is not supported") }
        guard !reader.overran, objectType > 0 else { throw .malformed("LATM StreamMuxConfig is too short") }
        var copy = PayloadBitReader(streamMuxConfig[...])
        _ = copy.read(start)
        var config: [UInt8] = []
        var remaining = end - start
        while remaining > 0 {
            let take = min(8, remaining)
            config.append(UInt8(copy.read(take) << (8 - take)))
            remaining -= take
        }
        audioSpecificConfig = config
        framesPerElement = subFrames + 1
    }

    /// The access units (raw AAC frames) the packet completes.
    public mutating func push(_ packet: RTPPacket) throws(RTPError) -> [[UInt8]] {
        if let lastSequence, packet.sequenceNumber != lastSequence &+ 1 {
            pending.removeAll()
            skipping = true
        }
        lastSequence = packet.sequenceNumber
        if skipping {
            if packet.marker { skipping = false }
            return []
        }
        let size = pending.count + packet.payload.count
        guard size <= Self.maximumElementBytes else {
            pending.removeAll()
            skipping = !packet.marker
            throw .tooLarge(size)
        }
        pending.append(contentsOf: packet.payload)
        guard packet.marker else { return [] }
        defer { pending.removeAll(keepingCapacity: true) }
        var frames: [[UInt8]] = []
        var offset = 0
        while offset < pending.count {
            for _ in 0..<framesPerElement {
                var length = 0
                while true {
                    guard offset < pending.count else { throw .malformed("LATM length past the end") }
                    let byte = Int(pending[offset])
                    offset += 1
                    length += byte
                    if byte != 255 { break }
                }
                guard length <= pending.count - offset else {
                    throw .malformed("LATM frame of \(length) bytes past the end")
                }
                if length > 0 { frames.append(Array(pending[offset..<(offset + length)])) }
                offset += length
            }
        }
        return frames
    }
}
