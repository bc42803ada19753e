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
        if format == .hevc { return hevcPayloads(nals) }
        var out: [[UInt8]] = []
        var index = 0
        let units = nals.filter { !$0.isEmpty }
        while index < units.count {
            // As many following NAL units as fit one STAP-A (1 byte, then 2 + size each).
            var size = 1
            var end = index
            while end < units.count, size + 2 + units[end].count <= maximumPayload {
                size += 2 + units[end].count
                end += 1
            }
            if end - index >= 2 {
                var aggregate: [UInt8] = [0]
                aggregate.reserveCapacity(size)
                var forbidden: UInt8 = 0
                var importance: UInt8 = 0
                for unit in units[index..<end] {
                    let header = unit[unit.startIndex]
                    forbidden |= header & 0x80
                    importance = max(importance, header & 0x60)
                    aggregate.append(UInt8(unit.count >> 8))
                    aggregate.append(UInt8(truncatingIfNeeded: unit.count))
                    aggregate.append(contentsOf: unit)
                }
                aggregate[0] = forbidden | importance | 24
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
            let header = unit[unit.startIndex]
            let indicator = (header & 0xE0) | 28
            var offset = unit.startIndex + 1
            let chunk = maximumPayload - 2
            while offset < unit.endIndex {
                let next = min(unit.endIndex, offset + chunk)
                var fragment: UInt8 = header & 0x1F
                if offset == unit.startIndex + 1 { fragment |= 0x80 }
                if next == unit.endIndex { fragment |= 0x40 }
                var payload: [UInt8] = [indicator, fragment]
                payload.append(contentsOf: unit[offset..<next])
                out.append(payload)
                offset = next
            }
        }
        return out
    }

    private func hevcPayloads(_ nals: [ArraySlice<UInt8>]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var index = 0
        let units = nals.filter { $0.count >= 2 }
        while index < units.count {
            var size = 2
            var end = index
            while end < units.count, size + 2 + units[end].count <= maximumPayload {
                size += 2 + units[end].count
                end += 1
            }
            if end - index >= 2 {
                // The AP's header: forbidden bit of any unit, type 48, the lowest layer and temporal id.
                let headers = units[index..<end].map { ($0[$0.startIndex], $0[$0.startIndex + 1]) }
                let forbidden = headers.reduce(0) { $0 | ($1.0 & 0x80) }
                let layer = headers.map { UInt16($0.0 & 1) << 5 | UInt16($0.1 >> 3) }.min() ?? 0
                let temporal = headers.map { $0.1 & 7 }.min() ?? 1
                var aggregate: [UInt8] = [
                    forbidden | 48 << 1 | UInt8(layer >> 5), UInt8(truncatingIfNeeded: layer << 3) | temporal,
                ]
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
            let first = unit[unit.startIndex]
            let second = unit[unit.startIndex + 1]
            let type = first >> 1 & 0x3F
            var offset = unit.startIndex + 2
            let chunk = maximumPayload - 3
            while offset < unit.endIndex {
                let next = min(unit.endIndex, offset + chunk)
                var fuHeader = type
                if offset == unit.startIndex + 2 { fuHeader |= 0x80 }
                if next == unit.endIndex { fuHeader |= 0x40 }
                var payload: [UInt8] = [(first & 0x81) | 49 << 1, second, fuHeader]
                payload.append(contentsOf: unit[offset..<next])
                out.append(payload)
                offset = next
            }
        }
        return out
    }
}
