import MistData
import ShmTestSupport
import Testing

@testable import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// A push written into a buffer's pages by another writer, as MistServer's outputs feed a
/// buffer: its tracks join the buffer's list, readers get its packets, the buffer trims them to
/// its window and removes them when the push ends.
@Suite struct PushedTrackTests {
    @Test func attachedWriterFeedsTheBuffersStream() throws {
        let stream = StreamDataPlaneTests.uniqueStream("pushed")
        let buffer = try StreamWriter(stream: stream, live: true, bufferWindow: 6000)
        defer { buffer.close() }
        buffer.setSource("push://")
        buffer.status = .waiting
        let pusher = try StreamWriter(attachingTo: stream)
        #expect(pusher.isAttached)
        let packets = TestStream.packets(seconds: 20)
        try StreamDataPlaneTests.writeAll(pusher, packets)

        // The buffer sees two pushed tracks, each with a live source record.
        let pushed = buffer.pushedTracks()
        #expect(pushed.map(\.index) == [0, 1])
        let sources = buffer.pushSources()
        #expect(sources.map(\.track).sorted() == [0, 1])
        #expect(sources.allSatisfy { $0.live })

        // Readers get the packets from the pusher's pages; the buffer's own list holds them.
        let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
        let seen = reader.tracks()
        #expect(seen.map(\.info.codec) == ["H264", "AAC"])
        #expect(seen.first?.lastMs == 19_960)

        // The buffer trims them to its window (the pusher keeps everything).
        buffer.trimPushedTracks()
        let trimmed = try StreamReader(stream: stream, waitMilliseconds: 0).tracks()
        // Keys every 2 s, the newest at 18 s: the oldest kept is the one at least 6 s behind 18 s.
        #expect(trimmed[0].firstMs == 10_000)
        try reader.select([0, 1])
        let frames = try StreamDataPlaneTests.readAll(reader)
        let times = try frames.map { frame in try frame.withUnsafeBytes { try DTSCPacket($0).time } }
        #expect(times.first == 10_000)
        #expect(times == times.sorted())

        // A track the buffer adds now goes after the pushed ones.
        let own = try buffer.addTrack(TrackInfo(type: "meta", codec: "JSON", id: 9))
        #expect(own == 0)
        #expect(try StreamReader(stream: stream, waitMilliseconds: 0).tracks().map(\.index) == [0, 1, 2])

        // The push ends: its source records end; the buffer removes its tracks and pages.
        pusher.close()
        #expect(buffer.pushSources().allSatisfy { !$0.live })
        for (index, _) in buffer.pushedTracks() { buffer.dropPushedTrack(index) }
        #expect(buffer.pushedTracks().isEmpty)
        #expect(!SharedMemoryPage.exists(StreamPageNames.track(stream, pid: getpid(), index: 0)))
        #expect(try StreamReader(stream: stream, waitMilliseconds: 0).tracks().map(\.index) == [2])
    }

    /// A pushed stream's metadata track (MistServer's RTMP output makes one for onMetaData),
    /// which gets a packet at the start and then nothing, does not hold the media tracks back.
    @Test func aSparseMetadataTrackHoldsNothingBack() throws {
        let stream = StreamDataPlaneTests.uniqueStream("metaempty")
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        let meta = try writer.addTrack(TrackInfo(type: "meta", codec: "JSON", id: 9))
        for info in TestStream.tracks { _ = try writer.addTrack(info) }
        // One packet at the start, then nothing, as MistServer's RTMP output writes onMetaData.
        try [UInt8]("{}".utf8).withUnsafeBytes { try writer.append(track: meta, time: 0, keyframe: true, data: $0) }
        for packet in TestStream.packets(seconds: 2) {
            try packet.payload.withUnsafeBytes {
                try writer.append(
                    track: packet.track + 1, time: packet.time, offset: packet.offset, keyframe: packet.keyframe,
                    data: $0)
            }
        }
        let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
        try reader.select(reader.tracks().map(\.index))
        var packets = 0
        while case .packet = try reader.nextReady(holdMilliseconds: 60_000) { packets += 1 }
        // Everything but the last packet of each track goes out at once (those wait for a
        // possible earlier packet of the other track).
        #expect(packets >= TestStream.packets(seconds: 2).count - 1)
    }

    @Test func attachingNeedsAWaitingBuffer() {
        #expect(throws: StreamWriteError.self) {
            _ = try StreamWriter(attachingTo: StreamDataPlaneTests.uniqueStream("nobuffer"))
        }
    }
}
