/// What an H.264 sequence parameter set says about the picture.
public struct H264SPS: Sendable, Equatable {
    public var profile: UInt8
    public var level: UInt8
    public var width: UInt32
    public var height: UInt32
    /// Frames per 1000 seconds from the VUI timing, or 0 when the stream does not say.
    public var fpks: UInt32
    /// `pic_order_cnt_type`: 2 means pictures are presented in decode order.
    public var pictureOrderType: UInt32
    /// How many pictures may precede one in decode order and follow it in presentation order
    /// (the VUI's `max_num_reorder_frames`); nil when the stream does not say.
    public var maxReorderFrames: UInt32?

    /// Parses a whole SPS NAL unit (starting with its NAL header byte).
    public init(nalUnit: ArraySlice<UInt8>) throws(MediaError) {
        var reader = BitReader(nalUnit: nalUnit)
        guard try reader.bits(8) & 0x1F == 7 else { throw .invalid("H.264 SPS NAL type") }
        profile = UInt8(try reader.bits(8))
        try reader.skip(8)
        level = UInt8(try reader.bits(8))
        _ = try reader.ue()
        var chroma: UInt32 = 1
        if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(profile) {
            chroma = try reader.ue()
            if chroma == 3 { try reader.skip(1) }
            _ = try reader.ue()
            _ = try reader.ue()
            try reader.skip(1)
            if try reader.bit() == 1 {
                for list in 0..<(chroma == 3 ? 12 : 8) where try reader.bit() == 1 {
                    try H264SPS.skipScalingList(&reader, size: list < 6 ? 16 : 64)
                }
            }
        }
        _ = try reader.ue()
        let orderType = try reader.ue()
        pictureOrderType = orderType
        if orderType == 0 {
            _ = try reader.ue()
        } else if orderType == 1 {
            try reader.skip(1)
            _ = try reader.se()
            _ = try reader.se()
            let cycle = try reader.ue()
            guard cycle <= 255 else { throw .invalid("H.264 SPS reference frame cycle") }
            for _ in 0..<cycle { _ = try reader.se() }
        }
        _ = try reader.ue()
        try reader.skip(1)
        let widthInMacroblocks = try reader.ue() + 1
        let heightInMapUnits = try reader.ue() + 1
        let frameMacroblocksOnly = try reader.bit()
        if frameMacroblocksOnly == 0 { try reader.skip(1) }
        try reader.skip(1)
        var crop: (left: UInt32, right: UInt32, top: UInt32, bottom: UInt32) = (0, 0, 0, 0)
        if try reader.bit() == 1 { crop = (try reader.ue(), try reader.ue(), try reader.ue(), try reader.ue()) }
        let cropX: UInt32 = chroma == 1 || chroma == 2 ? 2 : 1
        let cropY: UInt32 = (chroma == 1 ? 2 : 1) * (2 - frameMacroblocksOnly)
        let fullWidth = widthInMacroblocks &* 16
        let fullHeight = heightInMapUnits &* 16 &* (2 - frameMacroblocksOnly)
        let cropWidth = cropX &* (crop.left &+ crop.right)
        let cropHeight = cropY &* (crop.top &+ crop.bottom)
        guard widthInMacroblocks <= 1024, heightInMapUnits <= 1024, cropWidth < fullWidth, cropHeight < fullHeight
        else { throw .invalid("H.264 SPS picture size") }
        width = fullWidth - cropWidth
        height = fullHeight - cropHeight
        // A VUI cut short still gives what came before the cut.
        var rate: UInt32 = 0
        maxReorderFrames = (try? H264SPS.usability(&reader, fpks: &rate)) ?? nil
        fpks = rate
    }

    /// How many pictures may wait for reordering: what the SPS says, else none for streams that
    /// cannot reorder (baseline profile, picture order type 2), else nil.
    public var reorderDepth: UInt32? {
        if let maxReorderFrames { return maxReorderFrames }
        return profile == 66 || pictureOrderType == 2 ? 0 : nil
    }

    private static func skipScalingList(_ reader: inout BitReader, size: Int) throws(MediaError) {
        var last: Int32 = 8
        var next: Int32 = 8
        for _ in 0..<size where next != 0 {
            // delta_scale is -128...127; anything else is a broken SPS, not a number to add.
            let delta = try reader.se()
            guard (-128...127).contains(delta) else { throw .invalid("H.264 SPS scaling list delta \(delta)") }
            next = (last + delta + 256) % 256
            if next != 0 { last = next }
        }
    }

    /// The VUI's frame rate into `fpks` (frames per 1000 s, the field rate halved; 0 when not
    /// given), and its `max_num_reorder_frames` (nil when not given).
    private static func usability(_ reader: inout BitReader, fpks: inout UInt32) throws(MediaError) -> UInt32? {
        guard try reader.bit() == 1 else { return nil }
        if try reader.bit() == 1, try reader.bits(8) == 255 { try reader.skip(32) }
        if try reader.bit() == 1 { try reader.skip(1) }
        if try reader.bit() == 1 {
            try reader.skip(4)
            if try reader.bit() == 1 { try reader.skip(24) }
        }
        if try reader.bit() == 1 {
            _ = try reader.ue()
            _ = try reader.ue()
        }
        if try reader.bit() == 1 {
            let tick = UInt64(try reader.bits(32))
            let scale = UInt64(try reader.bits(32))
            if tick > 0 { fpks = UInt32(clamping: scale * 1000 / (2 * tick)) }
            try reader.skip(1)
        }
        let nal = try reader.bit() == 1
        if nal { try skipHRD(&reader) }
        let vcl = try reader.bit() == 1
        if vcl { try skipHRD(&reader) }
        if nal || vcl { try reader.skip(1) }
        try reader.skip(1)
        guard try reader.bit() == 1 else { return nil }
        try reader.skip(1)
        for _ in 0..<4 { _ = try reader.ue() }
        let reorder = try reader.ue()
        // More than a decoded picture buffer can hold (16) is a broken SPS, not a depth to wait for.
        guard reorder <= 16 else { throw .invalid("H.264 SPS max_num_reorder_frames \(reorder)") }
        return reorder
    }

    private static func skipHRD(_ reader: inout BitReader) throws(MediaError) {
        let count = try reader.ue() + 1
        guard count <= 32 else { throw .invalid("H.264 SPS HRD cpb count") }
        try reader.skip(8)
        for _ in 0..<count {
            _ = try reader.ue()
            _ = try reader.ue()
            try reader.skip(1)
        }
        try reader.skip(20)
    }
}
