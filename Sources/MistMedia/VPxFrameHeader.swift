/// What the first bytes of a VP8 frame (RFC 6386 9.1) or a VP9 frame's uncompressed header
/// (VP9 bitstream spec 6.2) say: whether it is a keyframe and, for keyframes, the picture size.
public struct VPxFrameHeader: Sendable, Equatable {
    public var keyframe: Bool
    /// Zero when the frame does not say (an inter frame).
    public var width: Int
    public var height: Int

    public init(keyframe: Bool, width: Int, height: Int) {
        self.keyframe = keyframe
        self.width = width
        self.height = height
    }

    /// A VP8 frame's tag and, for a keyframe, its start code and size.
    public static func vp8(_ frame: ArraySlice<UInt8>) throws(MediaError) -> VPxFrameHeader {
        guard let tag = frame.first else { throw .truncated("VP8 frame") }
        guard tag & 0x01 == 0 else { return VPxFrameHeader(keyframe: false, width: 0, height: 0) }
        let bytes = Array(frame.prefix(10))
        guard bytes.count == 10 else { throw .truncated("VP8 keyframe header") }
        guard bytes[3] == 0x9D, bytes[4] == 0x01, bytes[5] == 0x2A else { throw .invalid("VP8 keyframe start code") }
        return VPxFrameHeader(
            keyframe: true, width: Int(bytes[6]) | Int(bytes[7] & 0x3F) << 8,
            height: Int(bytes[8]) | Int(bytes[9] & 0x3F) << 8)
    }

    /// A VP9 frame's uncompressed header up to its frame size (of the first frame when `frame`
    /// is a superframe).
    public static func vp9(_ frame: ArraySlice<UInt8>) throws(MediaError) -> VPxFrameHeader {
        var bits = BitReader(Array(frame.prefix(16)))
        guard try bits.bits(2) == 2 else { throw .invalid("VP9 frame marker") }
        let low = try bits.bit()
        let profile = try bits.bit() << 1 | low
        if profile == 3 { try bits.skip(1) }
        if try bits.bit() == 1 { return VPxFrameHeader(keyframe: false, width: 0, height: 0) }  // show_existing_frame
        guard try bits.bit() == 0 else { return VPxFrameHeader(keyframe: false, width: 0, height: 0) }
        try bits.skip(2)  // show_frame, error_resilient_mode
        guard try bits.bits(24) == 0x49_8342 else { throw .invalid("VP9 sync code") }
        if profile >= 2 { try bits.skip(1) }  // ten_or_twelve_bit
        let colorSpace = try bits.bits(3)
        if colorSpace != 7 {
            try bits.skip(1)
            if profile == 1 || profile == 3 { try bits.skip(3) }
        } else if profile == 1 || profile == 3 {
            try bits.skip(1)
        }
        let width = Int(try bits.bits(16)) + 1
        let height = Int(try bits.bits(16)) + 1
        return VPxFrameHeader(keyframe: true, width: width, height: height)
    }
}
