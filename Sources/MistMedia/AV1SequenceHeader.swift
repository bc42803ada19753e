/// What an AV1 sequence header OBU (AV1 spec 5.5) says that a track needs: the picture size,
/// and the profile, level, tier and colour format an `av1C` record (the AV1 codec configuration
/// of MP4 and Matroska, and MistServer's init data for AV1 tracks) is made of.
public struct AV1SequenceHeader: Sendable, Equatable {
    public var profile: UInt8
    public var level: UInt8
    public var tier: UInt8
    public var highBitDepth: Bool
    public var twelveBit: Bool
    public var monochrome: Bool
    public var subsamplingX: Bool
    public var subsamplingY: Bool
    public var chromaSamplePosition: UInt8
    public var width: Int
    public var height: Int
    /// The whole sequence header OBU, with its size field.
    public var obu: [UInt8]

    /// Reads the sequence header OBU `obu` (its payload; the rest of the OBU is kept as given).
    public init(_ obu: AV1OBU) throws(MediaError) {
        guard obu.type == AV1OBU.sequenceHeader else {
            throw .invalid("AV1 OBU type \(obu.type), not a sequence header")
        }
        var bits = BitReader(Array(obu.payload))
        profile = UInt8(try bits.bits(3))
        guard profile <= 2 else { throw .invalid("AV1 profile \(profile)") }
        try bits.skip(1)  // still_picture
        let reduced = try bits.bit() == 1
        var decoderModel = false
        var bufferDelayLength = 0
        if reduced {
            level = UInt8(try bits.bits(5))
            tier = 0
        } else {
            if try bits.bit() == 1 {  // timing_info_present_flag
                try bits.skip(64)
                if try bits.bit() == 1 { _ = try Self.uvlc(&bits) }  // equal_picture_interval
                decoderModel = try bits.bit() == 1
                if decoderModel {
                    bufferDelayLength = Int(try bits.bits(5)) + 1
                    try bits.skip(32 + 5 + 5)
                }
            }
            let initialDisplayDelay = try bits.bit() == 1
            let points = Int(try bits.bits(5)) + 1
            var first: (level: UInt8, tier: UInt8)?
            for _ in 0..<points {
                try bits.skip(12)  // operating_point_idc
                let level = UInt8(try bits.bits(5))
                let tier = level > 7 ? UInt8(try bits.bit()) : 0
                if first == nil { first = (level, tier) }
                if decoderModel, try bits.bit() == 1 { try bits.skip(2 * bufferDelayLength + 1) }
                if initialDisplayDelay, try bits.bit() == 1 { try bits.skip(4) }
            }
            level = first?.level ?? 0
            tier = first?.tier ?? 0
        }
        let widthBits = Int(try bits.bits(4)) + 1
        let heightBits = Int(try bits.bits(4)) + 1
        width = Int(try bits.bits(widthBits)) + 1
        height = Int(try bits.bits(heightBits)) + 1
        var orderHint = false
        if !reduced, try bits.bit() == 1 { try bits.skip(4 + 3) }  // frame_id_numbers_present_flag
        try bits.skip(3)  // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
        if !reduced {
            try bits.skip(4)  // interintra, masked compound, warped motion, dual filter
            orderHint = try bits.bit() == 1
            if orderHint { try bits.skip(2) }  // jnt_comp, ref_frame_mvs
            let forceScreenContent = try bits.bit() == 1 ? 2 : try bits.bit()
            if forceScreenContent > 0, try bits.bit() == 0 { try bits.skip(1) }  // seq_choose_integer_mv
            if orderHint { try bits.skip(3) }
        }
        try bits.skip(3)  // superres, cdef, restoration
        // color_config
        highBitDepth = try bits.bit() == 1
        twelveBit = profile == 2 && highBitDepth ? try bits.bit() == 1 : false
        monochrome = profile == 1 ? false : try bits.bit() == 1
        var primaries: UInt32 = 2
        var transfer: UInt32 = 2
        var matrix: UInt32 = 2
        if try bits.bit() == 1 {
            primaries = try bits.bits(8)
            transfer = try bits.bits(8)
            matrix = try bits.bits(8)
        }
        chromaSamplePosition = 0
        if monochrome {
            subsamplingX = true
            subsamplingY = true
        } else if primaries == 1 && transfer == 13 && matrix == 0 {
            subsamplingX = false
            subsamplingY = false
        } else {
            try bits.skip(1)  // color_range
            switch profile {
            case 0:
                subsamplingX = true
                subsamplingY = true
            case 1:
                subsamplingX = false
                subsamplingY = false
            default:
                if twelveBit {
                    subsamplingX = try bits.bit() == 1
                    subsamplingY = subsamplingX ? try bits.bit() == 1 : false
                } else {
                    subsamplingX = true
                    subsamplingY = false
                }
            }
            if subsamplingX && subsamplingY { chromaSamplePosition = UInt8(try bits.bits(2)) }
        }
        self.obu = obu.sizedBytes
    }

    /// The `av1C` record: version 1, the fields above, no initial presentation delay, then the
    /// sequence header OBU.
    public var configurationRecord: [UInt8] {
        let flags: UInt8 =
            tier << 7 | (highBitDepth ? 0x40 : 0) | (twelveBit ? 0x20 : 0) | (monochrome ? 0x10 : 0)
            | (subsamplingX ? 0x08 : 0) | (subsamplingY ? 0x04 : 0) | chromaSamplePosition
        return [0x81, profile << 5 | level, flags, 0] + obu
    }

    /// The sequence header among `obus`, if there is one that reads.
    public static func find(in obus: [AV1OBU]) -> AV1SequenceHeader? {
        for obu in obus where obu.type == AV1OBU.sequenceHeader {
            if let header = try? AV1SequenceHeader(obu) { return header }
        }
        return nil
    }

    private static func uvlc(_ bits: inout BitReader) throws(MediaError) -> UInt32 {
        var zeros = 0
        while try bits.bit() == 0 {
            zeros += 1
            guard zeros < 32 else { return UInt32.max }
        }
        return try bits.bits(zeros)
    }
}
