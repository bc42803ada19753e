import MistData
import MistMedia
import Testing

/// Matroska read as it arrives from a pipe: whatever the pieces, the DTSC frames are the
/// demuxer's frames of the whole stream, for files of known-size clusters and for live streams
/// of unknown-size clusters (a cluster is handed on once the next one starts).
@Suite struct MatroskaIngestTests {
    /// Track id, time and size of every media packet in `frames`, and the tracks of its headers.
    static func read(_ frames: [UInt8]) throws -> (packets: [[UInt64]], tracks: [String]) {
        var packets: [[UInt64]] = []
        var tracks: [String] = []
        var buffer = DTSCStreamBuffer()
        buffer.bytes = frames
        while let frame = try buffer.nextFrame() {
            try frame.withUnsafeBytes { raw in
                let packet = try DTSCPacket(raw)
                switch packet.kind {
                case .header: tracks = try DTSHHeader(packet).tracks.map { "\($0.type) \($0.codec)" }
                case .packetV1, .packetV2:
                    packets.append([UInt64(packet.trackID), packet.time, UInt64(packet.data?.count ?? 0)])
                case .command: break
                }
            }
        }
        return (packets, tracks)
    }

    static func ingest(_ bytes: [UInt8], pieces: Int) throws -> [UInt8] {
        var ingest = MatroskaIngest()
        var out: [UInt8] = []
        var position = 0
        while position < bytes.count {
            let end = min(bytes.count, position + pieces)
            out += try ingest.feed(bytes[position..<end])
            position = end
        }
        return out
    }

    @Test(arguments: [1, 7, 1000, 1 << 20]) func aFileInPiecesGivesTheDemuxersFrames(pieces: Int) throws {
        let frames = MatroskaFileTests.frames()
        let file = try MatroskaFile(
            tracks: [MatroskaMuxerTests.video, MatroskaMuxerTests.audio], webm: false, duration: 6000, frames: frames)
        let bytes = MatroskaFileTests.assemble(file, frames)
        let whole = try MatroskaDemuxer(bytes: bytes)
        let expected = whole.samples.map { [UInt64($0.track + 1), $0.time, UInt64($0.size)] }
        let (packets, tracks) = try Self.read(try Self.ingest(bytes, pieces: pieces))
        #expect(tracks == ["video H264", "audio AAC"])
        // Every cluster is whole in a file, so every frame comes through.
        #expect(packets.count == 300 && packets == expected)
    }

    @Test func aLiveStreamHandsOnEachClusterOnceTheNextBegins() throws {
        var muxer = try MatroskaMuxer(tracks: [MatroskaMuxerTests.video, MatroskaMuxerTests.audio])
        var bytes = muxer.header
        for index in 0..<75 {
            let video = [UInt8](repeating: UInt8(index), count: 50 + index)
            _ = video.withUnsafeBytes {
                muxer.add(
                    position: 0, time: UInt64(10_000 + index * 40), offset: 0, keyframe: index % 25 == 0, data: $0,
                    into: &bytes)
            }
            let audio = [UInt8](repeating: 9, count: 20)
            _ = audio.withUnsafeBytes {
                muxer.add(
                    position: 1, time: UInt64(10_005 + index * 40), offset: 0, keyframe: true, data: $0, into: &bytes)
            }
        }
        let (packets, _) = try Self.read(try Self.ingest(bytes, pieces: 333))
        // Three clusters (keyframes at 10, 11 and 12 s); the last waits for a next one.
        #expect(packets.count == 100, "\(packets.count)")
        #expect(packets.first == [1, 10_000, 50] && packets.allSatisfy { $0[1] < 12_000 })
    }

    @Test func bytesThatAreNotMatroskaAreRefused() {
        var ingest = MatroskaIngest()
        #expect(throws: MediaError.self) { try ingest.feed(Array("GET / HTTP/1.1\r\n\r\n".utf8)[...]) }
        var zero = MatroskaIngest()
        // An EBML header, then an element ID that starts with a zero byte.
        #expect(throws: MediaError.self) {
            try zero.feed([0x1A, 0x45, 0xDF, 0xA3, 0x80, 0x18, 0x53, 0x80, 0x67, 0xFF, 0x00, 0x00, 0x00, 0x00][...])
        }
    }
}
