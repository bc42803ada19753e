/// AAC into RTP as RFC 3640 AAC-hbr (13-bit sizes, 3-bit indices): consecutive frames share a
/// packet while they fit; a frame larger than a packet is sent in fragments.
public struct AACRTPPacketizer: Sendable {
    public var maximumPayload: Int

    public init(maximumPayload: Int = 1200) {
        self.maximumPayload = max(5, maximumPayload)
    }

    /// The payloads for `frames` (raw AAC, each under 8 KiB as 13 bits allow), and for each
    /// whether it ends an access unit (the marker bit).
    public func payloads(_ frames: [ArraySlice<UInt8>]) -> [(payload: [UInt8], marker: Bool)] {
        var out: [(payload: [UInt8], marker: Bool)] = []
        var batch: [ArraySlice<UInt8>] = []
        var batchBytes = 2
        func emit() {
            guard !batch.isEmpty else { return }
            var payload: [UInt8] = [UInt8((batch.count * 16) >> 8), UInt8(truncatingIfNeeded: batch.count * 16)]
            for frame in batch { payload += [UInt8(frame.count >> 5), UInt8(truncatingIfNeeded: frame.count << 3)] }
            for frame in batch { payload += frame }
            out.append((payload, true))
            batch = []
            batchBytes = 2
        }
        for frame in frames where !frame.isEmpty && frame.count < 8192 {
            if batchBytes + 2 + frame.count <= maximumPayload {
                batch.append(frame)
                batchBytes += 2 + frame.count
                continue
            }
            emit()
            if 4 + frame.count <= maximumPayload {
                batch.append(frame)
                batchBytes += 2 + frame.count
                continue
            }
            let header: [UInt8] = [0, 16, UInt8(frame.count >> 5), UInt8(truncatingIfNeeded: frame.count << 3)]
            var offset = frame.startIndex
            while offset < frame.endIndex {
                let end = min(frame.endIndex, offset + maximumPayload - 4)
                out.append((header + frame[offset..<end], end == frame.endIndex))
                offset = end
            }
        }
        emit()
        return out
    }
}
