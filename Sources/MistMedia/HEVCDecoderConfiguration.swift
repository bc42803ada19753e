/// The HEVC decoder configuration record (`hvcC`): the init data of an HEVC track. Gives the
/// picture size from its SPS.
public struct HEVCDecoderConfiguration: Sendable, Equatable {
    public var lengthSize: Int
    /// Parameter set NAL units by type (32 VPS, 33 SPS, 34 PPS, others as given).
    public var arrays: [(type: UInt8, units: [[UInt8]])]

    public static func == (lhs: HEVCDecoderConfiguration, rhs: HEVCDecoderConfiguration) -> Bool {
        lhs.lengthSize == rhs.lengthSize && lhs.arrays.map(\.type) == rhs.arrays.map(\.type)
            && lhs.arrays.map(\.units) == rhs.arrays.map(\.units)
    }

    public init(bytes: [UInt8]) throws(MediaError) {
        var reader = ByteReader(bytes, what: "HEVC decoder configuration")
        guard try reader.uint8() == 1 else { throw .invalid("HEVC decoder configuration version") }
        try reader.skip(20)
        lengthSize = Int(try reader.uint8() & 3) + 1
        var arrays: [(type: UInt8, units: [[UInt8]])] = []
        for _ in 0..<Int(try reader.uint8()) {
            let type = try reader.uint8() & 0x3F
            var units: [[UInt8]] = []
            for _ in 0..<Int(try reader.uint16()) { units.append(Array(try reader.take(Int(try reader.uint16())))) }
            arrays.append((type, units))
        }
        self.arrays = arrays
    }

    /// Width and height from the first SPS.
    public func pictureSize() throws(MediaError) -> (width: UInt32, height: UInt32) {
        let read = try sequenceParameters()
        return (read.width, read.height)
    }

    /// `sps_max_num_reorder_pics` of the highest sub-layer: how many pictures may wait for
    /// reordering; nil when the SPS ends before it.
    public func reorderDepth() throws(MediaError) -> UInt32? {
        try sequenceParameters().reorder
    }

    private func sequenceParameters() throws(MediaError) -> (width: UInt32, height: UInt32, reorder: UInt32?) {
        guard let sps = arrays.first(where: { $0.type == 33 })?.units.first else {
            throw .invalid("HEVC configuration without an SPS")
        }
        var reader = BitReader(nalUnit: sps[...])
        try reader.skip(16)  // NAL header
        try reader.skip(4)
        let subLayers = Int(try reader.bits(3))
        try reader.skip(1)
        try reader.skip(96)  // general profile, tier and level
        var profilePresent: [Bool] = []
        var levelPresent: [Bool] = []
        for _ in 0..<subLayers {
            profilePresent.append(try reader.bit() == 1)
            levelPresent.append(try reader.bit() == 1)
        }
        if subLayers > 0 { try reader.skip(2 * (8 - subLayers)) }
        for index in 0..<subLayers {
            if profilePresent[index] { try reader.skip(88) }
            if levelPresent[index] { try reader.skip(8) }
        }
        _ = try reader.ue()
        let chroma = try reader.ue()
        if chroma == 3 { try reader.skip(1) }
        var width = try reader.ue()
        var height = try reader.ue()
        if try reader.bit() == 1 {
            let unitX: UInt32 = chroma == 1 || chroma == 2 ? 2 : 1
            let unitY: UInt32 = chroma == 1 ? 2 : 1
            let left = try reader.ue()
            let right = try reader.ue()
            let top = try reader.ue()
            let bottom = try reader.ue()
            let cropX = unitX &* (left &+ right)
            let cropY = unitY &* (top &+ bottom)
            guard cropX < width, cropY < height else { throw .invalid("HEVC SPS conformance window") }
            width -= cropX
            height -= cropY
        }
        guard width > 0, height > 0, width <= 16384, height <= 16384 else { throw .invalid("HEVC SPS picture size") }
        // Ordering for every sub-layer, or only the highest: the highest's is what holds. An SPS
        // cut short here still gives its size.
        func ordering(_ reader: inout BitReader) throws(MediaError) -> UInt32 {
            _ = try reader.ue()
            _ = try reader.ue()
            _ = try reader.ue()
            let everyLayer = try reader.bit() == 1
            var reorder: UInt32 = 0
            for _ in (everyLayer ? 0 : subLayers)...subLayers {
                _ = try reader.ue()
                reorder = try reader.ue()
                _ = try reader.ue()
            }
            guard reorder <= 16 else { throw .invalid("HEVC SPS sps_max_num_reorder_pics \(reorder)") }
            return reorder
        }
        return (width, height, try? ordering(&reader))
    }
}
