import Testing

@testable import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// Track masks in the track list's `valid` field, MistServer's bits: each kind of reader sees
/// the tracks whose mask shares a bit with its own.
@Suite struct TrackMaskTests {
    @Test func readersSeeOnlyTracksMaskedForTheirKind() throws {
        let stream = "swiftmask\(getpid())"
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        _ = try writer.addTrack(TrackInfo(type: "video", codec: "H264", id: 1, initData: []))
        _ = try writer.addTrack(
            TrackInfo(type: "video", codec: "H264", id: 2, initData: []), mask: TrackMask.processes)
        _ = try writer.addTrack(
            TrackInfo(type: "audio", codec: "AAC", id: 3, initData: []), mask: TrackMask.processOutput)

        func seen(by mask: UInt8) throws -> [Int] {
            let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
            reader.mask = mask
            return reader.tracks().map(\.index)
        }
        #expect(try seen(by: TrackMask.viewers) == [0, 2])
        #expect(try seen(by: TrackMask.pushes) == [0, 2])
        #expect(try seen(by: TrackMask.processes) == [0, 1])
        #expect(try seen(by: TrackMask.all) == [0, 1, 2])

        // Another process masks a track in the stream's page; the writer undoes it.
        try TrackMask.set(TrackMask.processes, track: 0, of: stream)
        #expect(try seen(by: TrackMask.viewers) == [2])
        let viewer = try StreamReader(stream: stream, waitMilliseconds: 0)
        viewer.mask = TrackMask.viewers
        #expect(viewer.keyWindow(of: 0) == nil)
        writer.setMask(TrackMask.all, track: 0)
        #expect(try seen(by: TrackMask.viewers) == [0, 2])
        // A mask of nothing hides a track from everyone.
        writer.setMask(0, track: 2)
        #expect(try seen(by: TrackMask.all) == [0, 1])
        #expect(throws: SharedMemoryError.self) { try TrackMask.set(1, track: 9, of: stream) }
    }

    @Test func maskOptionsAreNumbersFrom0To255() {
        #expect(TrackMask.option("4") == 4 && TrackMask.option("255") == 255 && TrackMask.option("0") == 0)
        for text in [nil, "", "Keep original value", "256", "-1", "4.5"] {
            #expect(TrackMask.option(text) == nil, "\(text ?? "nil")")
        }
    }
}
