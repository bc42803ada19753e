/// H.264 (RFC 6184, packetization mode 1) or HEVC (RFC 7798) into RTP payloads: a NAL unit
/// that fits goes alone, consecutive small ones share an aggregation packet (STAP-A, AP), a large
/// one is cut into fragments (FU-A, FU).
public struct NALUnitRTPPacketizer: Sendable {
    /// The most payload bytes per packet (the path MTU less the IP, UDP and RTP headers).
    public var maximumPayload: Int
    public let format: NALUnitFormat

    public init(maximumPayload: Int = 1200, format: NALUnitFormat = .h264) {
        // A fragment needs its 2 (H.264) or 3 (HEVC) header bytes and at least one of data.
        self.maximumPayload = max(format == .hevc ? 4 : 3, maximumPayload)
        self.format = format
    }

    /// The payloads for one access unit's NAL units, in order (the caller sets the marker bit
    /// on the last packet). Empty NAL units are skipped.
    public func payloads(_ nals: [ArraySlice<UInt8>]) -> [[UInt8]] {
        // The unit header is 1 byte (H.264) or 2 (HEVC); an aggregation packet's header too.
        let headerBytes = format == .h264 ? 1 : 2
        var out: [[UInt8]] = []
        var index = 0
        let units = nals.filter { $0.count >= headerBytes }
        while index < units.count {
            // As many following NAL units as fit one aggregation packet (its header, then 2 + size each).
            var size = headerBytes
            var end = index
            while end < units.count, size + 2 + units[end].count <= maximumPayload {
                size += 2 + units[end].count
                end += 1
            }
            if end - index >= 2 {
                var aggregate = aggregationHeader(units[index..<end])
                aggregate.reserveCapacity(size)
                for unit in units[index..<end] {
                    aggregate.append(UInt8(unit.count >> 8))
                    aggregate.append(UInt8(truncatingIfNeeded: unit.count))
                    aggregate.append(contentsOf: unit)
                }
                out.append(aggregate)
                index = end
                continue
            }
            let unit = units[index]
            index += 1
            if unit.count <= maximumPayload {
                out.append(Array(unit))
                continue
            }
            // Fragments: the FU indicator (H.264) or payload header (HEVC), then the FU header
            // with start and end bits and the unit's type, then a piece of the unit's data.
            let first = unit[unit.startIndex]
            let (prefix, type): ([UInt8], UInt8) =
                format == .h264
                ? ([(first & 0xE0) | 28], first & 0x1F)
                : ([(first & 0x81) | 49 << 1, unit[unit.startIndex + 1]], first >> 1 & 0x3F)
            let dataStart = unit.startIndex + headerBytes
            var offset = dataStart
            let chunk = maximumPayload - prefix.count - 1
            while offset < unit.endIndex {
                let next = min(unit.endIndex, offset + chunk)
                var fuHeader = type
                if offset == dataStart { fuHeader |= 0x80 }
                if next == unit.endIndex { fuHeader |= 0x40 }
                var payload = prefix + [fuHeader]
                payload.append(contentsOf: unit[offset..<next])
                out.append(payload)
                offset = next
            }
        }
        return out
    }

    /// An aggregation packet's header for `units`. H.264's STAP-A: any unit's forbidden bit, the
    /// highest importance, type 24. HEVC's AP: any forbidden bit, type 48, the lowest layer and
    /// temporal id.
    private func aggregationHeader(_ units: ArraySlice<ArraySlice<UInt8>>) -> [UInt8] {
        switch format {
        case .h264:
            let headers = units.map { $0[$0.startIndex] }
            let forbidden = headers.reduce(0) { $0 | ($1 & 0x80) }
            let importance = headers.map { $0 & 0x60 }.max() ?? 0
            return [forbidden | importance | 24]
        case .hevc:
            let headers = units.map { ($0[$0.startIndex], $0[$0.startIndex + 1]) }
            let forbidden = headers.reduce(0) { $0 | ($1.0 & 0x80) }
            let layer = headers.map { UInt16($0.0 & 1) << 5 | UInt16($0.1 >> 3) }.min() ?? 0
            let temporal = headers.map { $0.1 & 7 }.min() ?? 1
            return [forbidden | 48 << 1 | UInt8(layer >> 5), UInt8(truncatingIfNeeded: layer << 3) | temporal]
        }
    }
}
