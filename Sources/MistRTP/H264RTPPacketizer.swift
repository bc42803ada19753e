/// H.264 into RTP payloads (RFC 6184, packetization mode 1): a NAL unit that fits goes alone,
/// consecutive small ones share a STAP-A, a large one is cut into FU-A fragments.
public struct H264RTPPacketizer: Sendable {
    /// The most payload bytes per packet (the path MTU less the IP, UDP and RTP headers).
    public var maximumPayload: Int

    public init(maximumPayload: Int = 1200) {
        // FU-A needs 2 header bytes and at least one of data.
        self.maximumPayload = max(3, maximumPayload)
    }

    /// The payloads for one access unit's NAL units, in order (the caller sets the marker bit
    /// on the last packet). Empty NAL units are skipped.
    public func payloads(_ nals: [ArraySlice<UInt8>]) -> [[UInt8]] {
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
}
