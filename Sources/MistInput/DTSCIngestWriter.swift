import MistData
import MistShm

/// Writes DTSC frames (a header, then packets) into a live stream's pages: what a pull that
/// converts its source to DTSC (RTSP) hands over. Tracks are matched by id across headers; after
/// `rebase()` (the source reconnected and its clock starts again) the next packets continue
/// where the stream was, so its time never goes back.
struct DTSCIngestWriter {
    let writer: StreamWriter
    private var buffer = DTSCStreamBuffer()
    private var indices: [UInt32: Int] = [:]
    /// Added to the source's times.
    private var offset: Int64 = 0
    private var lastTime: UInt64 = 0
    private var rebasing = false
    private(set) var written = 0
    private(set) var refused = 0

    init(writer: StreamWriter) { self.writer = writer }

    /// The source starts its clock again: its next packet follows the last one written.
    mutating func rebase() { rebasing = indices.isEmpty ? false : true }

    mutating func write(_ bytes: [UInt8]) throws {
        buffer.bytes += bytes
        while let frame = try buffer.nextFrame() {
            try frame.withUnsafeBytes { raw in
                let packet = try DTSCPacket(raw)
                switch packet.kind {
                case .header:
                    for track in try DTSHHeader(packet).tracks
                    where indices[UInt32(truncatingIfNeeded: track.trackID)] == nil {
                        let info = TrackInfo(track)
                        indices[info.id] = try writer.addTrack(info)
                    }
                    if !indices.isEmpty { writer.status = .ready }
                case .packetV2, .packetV1:
                    guard let index = indices[packet.trackID], let data = packet.data else { return }
                    if rebasing {
                        rebasing = false
                        offset = Int64(clamping: lastTime + 40) - Int64(clamping: packet.time)
                    }
                    let time = UInt64(clamping: Int64(clamping: packet.time).addingClamped(offset))
                    do {
                        try writer.append(
                            track: index, time: time, offset: packet.offset, keyframe: packet.isKeyframe, data: data)
                        lastTime = max(lastTime, time)
                        written += 1
                    } catch {
                        refused += 1
                    }
                case .command:
                    break
                }
            }
        }
    }
}
