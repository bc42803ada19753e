/// Which NAL unit syntax an RTP video payload carries: H.264 (RFC 6184, one header byte, type in
/// its low 5 bits) or HEVC (RFC 7798, two header bytes, type in bits 1–6 of the first).
public enum NALUnitFormat: Sendable, Equatable {
    case h264
    case hevc

    /// The NAL unit type of a unit starting with `header`.
    public func type(_ header: UInt8) -> Int { self == .h264 ? Int(header & 0x1F) : Int(header >> 1 & 0x3F) }

    /// Whether a unit of `type` is a parameter set (SPS, PPS; and VPS for HEVC).
    public func isParameterSet(_ type: Int) -> Bool {
        self == .h264 ? type == 7 || type == 8 : (32...34).contains(type)
    }

    /// Whether a unit of `type` is an access unit delimiter.
    public func isDelimiter(_ type: Int) -> Bool { self == .h264 ? type == 9 : type == 35 }

    /// Whether a unit of `type` starts a picture a decoder can begin at (IDR; HEVC's IRAP).
    public func isKeyframe(_ type: Int) -> Bool { self == .h264 ? type == 5 : (16...21).contains(type) }
}
