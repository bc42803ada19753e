/// What an H.264 sequence parameter set says about the picture.
public struct H264SPS: Sendable, Equatable {
    public var profile: UInt8
    public var level: UInt8
    public var width: UInt32
    public var height: UInt32
    /// Frames per 1000 seconds from the VUI timing, or 0 when the stream does not say.
    public var fpks: UInt32

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
        fpks = (try? H264SPS.frameRate(&reader)) ?? 0
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

    /// Frames per 1000 s from the VUI timing information (field rate halved).
    private static func frameRate(_ reader: inout BitReader) throws(MediaError) -> UInt32 {
        guard try reader.bit() == 1 else { return 0 }
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
        guard try reader.bit() == 1 else { return 0 }
        let tick = UInt64(try reader.bits(32))
        let scale = UInt64(try reader.bits(32))
        guard tick > 0 else { return 0 }
        return UInt32(clamping: scale * 1000 / (2 * tick))
    }
}
