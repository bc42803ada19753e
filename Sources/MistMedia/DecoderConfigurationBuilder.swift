/// Decoder configuration records built from parameter sets found in-band (an Annex B stream
/// such as MPEG-TS carries them before keyframes instead of in a header).
public enum DecoderConfigurationBuilder {
    /// An `avcC` with 4-byte NAL lengths; nil without an SPS of at least four bytes and a PPS.
    public static func avcC(sps: [[UInt8]], pps: [[UInt8]]) -> [UInt8]? {
        guard let first = sps.first, first.count >= 4, !pps.isEmpty else { return nil }
        var out: [UInt8] = [1, first[1], first[2], first[3], 0xFF, 0xE0 | UInt8(min(sps.count, 31))]
        for unit in sps.prefix(31) { out += length16(unit) + unit }
        out.append(UInt8(min(pps.count, 255)))
        for unit in pps.prefix(255) { out += length16(unit) + unit }
        return out
    }

    /// An `hvcC` with 4-byte NAL lengths, its profile, tier and level taken from the SPS; nil
    /// without a VPS, an SPS long enough to hold them, and a PPS.
    public static func hvcC(vps: [[UInt8]], sps: [[UInt8]], pps: [[UInt8]]) -> [UInt8]? {
        guard let first = sps.first, !vps.isEmpty, !pps.isEmpty else { return nil }
        // NAL header (2 bytes), one byte of ids and sub-layer count, then 12 bytes of general
        // profile, tier and level, read without emulation prevention bytes.
        let raw = BitReader.removingEmulationPrevention(first)
        guard raw.count >= 15 else { return nil }
        var out: [UInt8] = [1] + raw[3..<15]
        out += [0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 3]
        for (type, units) in [(UInt8(32), vps), (33, sps), (34, pps)] {
            out += [0x80 | type] + length16(Array(repeating: 0, count: min(units.count, 0xFFFF)))
            for unit in units.prefix(0xFFFF) { out += length16(unit) + unit }
        }
        return out
    }

    static func length16(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)]
    }
}
