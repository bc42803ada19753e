import MistData
import ShmTestSupport
import Testing

@testable import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// Writer and reader in one process.
@Suite(.serialized) struct StreamDataPlaneTests {
    static func uniqueStream(_ label: String) -> String { "swifttest\(label)\(getpid())" }

    static func writeAll(_ writer: StreamWriter, _ packets: [TestStream.Packet]) throws {
        for info in TestStream.tracks { _ = try writer.addTrack(info) }
        for packet in packets {
            try packet.payload.withUnsafeBytes {
                try writer.append(
                    track: packet.track, time: packet.time, offset: packet.offset, keyframe: packet.keyframe, data: $0)
            }
        }
    }

    static func readAll(_ reader: StreamReader) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while case .packet(let packet) = try reader.next(timeoutMilliseconds: 0) {
            frames.append(Array(packet.bytes))
        }
        return frames
    }

    @Test func readerGetsEveryPacketInOrder() throws {
        let stream = Self.uniqueStream("order")
        let packets = TestStream.packets(seconds: 6)
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        try Self.writeAll(writer, packets)
        let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
        let tracks = reader.tracks()
        #expect(tracks.map(\.info) == TestStream.tracks)
        #expect(tracks[0].firstMs == 0 && tracks[0].lastMs == 5960)
        try reader.select(tracks.map(\.index))
        let frames = try Self.readAll(reader)
        #expect(frames == (try TestStream.expectedFrames(packets)))
    }

    @Test func metadataFollowsMistServersRules() throws {
        let stream = Self.uniqueStream("meta")
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        try Self.writeAll(writer, TestStream.packets(seconds: 10))
        let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
        try reader.select([0, 1])
        let cursor = try #require(reader.selectedCursors.first)
        let t = cursor.tables
        #expect(t.keys.endPosition == 5)  // a video key every 2 s
        #expect((0..<5).map { t.keys.int(t.keyTime, UInt64($0)) } == [0, 2000, 4000, 6000, 8000])
        #expect((0..<5).map { t.keys.int(t.keyParts, UInt64($0)) } == [50, 50, 50, 50, 50])
        #expect(t.keys.int(t.keyFirstPart, 3) == 150)
        #expect(t.keys.int(t.keyDuration, 0) == 2000)
        #expect(t.parts.endPosition == 250)
        #expect(t.parts.int(t.partDuration, 10) == 40)
        #expect(Int64(bitPattern: t.parts.int(t.partOffset, 11)) == 80)
        #expect(t.fragments.endPosition == 5)  // one fragment per key at a 1.9 s minimum
        #expect(t.track.int(t.bps, 0) > 0)
        let audio = try #require(reader.selectedCursors.last).tables
        #expect(audio.keys.int(audio.keyTime, 1) == 2047)  // 89 * 23 ms, the first at or after 2047 ms
    }

    @Test func seekStartsAtTheKeyBefore() throws {
        let stream = Self.uniqueStream("seek")
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        try Self.writeAll(writer, TestStream.packets(seconds: 10))
        let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
        try reader.select([0])
        try reader.seek(to: 5000)
        guard case .packet(let first) = try reader.next(timeoutMilliseconds: 0) else {
            Issue.record("no packet after seeking")
            return
        }
        #expect(first.time == 4000 && first.isKeyframe)
        try reader.seekToLiveEdge()
        guard case .packet(let live) = try reader.next(timeoutMilliseconds: 0) else {
            Issue.record("no packet at the live edge")
            return
        }
        #expect(live.time == 8000)
    }

    @Test func liveWindowDropsOldKeysAndPages() throws {
        let stream = Self.uniqueStream("window")
        let writer = try StreamWriter(stream: stream, live: true, bufferWindow: 6000)
        defer { writer.close() }
        try Self.writeAll(writer, TestStream.packets(seconds: 130))
        let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
        let tracks = reader.tracks()
        let video = try #require(tracks.first)
        #expect(video.lastMs == 129_960)
        // The oldest key kept is the newest one at least the window behind the last key (128 s).
        #expect(video.firstMs == 120_000)
        // Pages flip every 60 s; the ones wholly outside the window are gone from /dev/shm.
        #expect(!SharedMemoryPage.exists(StreamPageNames.data(stream, track: 0, page: 0)))
        try reader.select([0, 1])
        let frames = try Self.readAll(reader)
        let times = try frames.map { frame in try frame.withUnsafeBytes { try DTSCPacket($0).time } }
        #expect(times.first == tracks.map(\.firstMs).min())
        #expect(times == times.sorted())
        let first = try #require(frames.first)
        #expect(try first.withUnsafeBytes { try DTSCPacket($0).isKeyframe })
    }

    @Test func badPacketsAreRefused() throws {
        let stream = Self.uniqueStream("refuse")
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        let video = try writer.addTrack(TestStream.tracks[0])
        let bytes: [UInt8] = [1, 2, 3]
        try bytes.withUnsafeBytes { data in
            #expect(throws: StreamWriteError.noKeyframeYet(track: video)) {
                try writer.append(track: video, time: 0, keyframe: false, data: data)
            }
            try writer.append(track: video, time: 100, keyframe: true, data: data)
            #expect(throws: StreamWriteError.outOfOrder(track: video, time: 50, last: 100)) {
                try writer.append(track: video, time: 50, keyframe: false, data: data)
            }
            #expect(throws: StreamWriteError.noSuchTrack(7)) {
                try writer.append(track: 7, time: 200, keyframe: true, data: data)
            }
        }
        #expect(throws: StreamWriteError.streamBusy(stream)) { try StreamWriter(stream: stream, live: true) }
    }

    @Test func closingRemovesEverything() throws {
        let stream = Self.uniqueStream("close")
        let writer = try StreamWriter(stream: stream, live: true)
        try Self.writeAll(writer, TestStream.packets(seconds: 3))
        #expect(!StreamCleanup.pageNames(of: stream).isEmpty)
        writer.close()
        #expect(StreamCleanup.pageNames(of: stream).isEmpty)
        #expect(!StreamCleanup.allMistObjects().contains { $0.contains(stream) })
    }

    @Test func garbageMetadataPageThrows() throws {
        let stream = Self.uniqueStream("garbage")
        let page = try SharedMemoryPage(creating: StreamPageNames.meta(stream), size: 4096)
        defer { page.close() }
        for index in 0..<4096 {
            page.base.storeBytes(of: UInt8(truncatingIfNeeded: index * 31), toByteOffset: index, as: UInt8.self)
        }
        page.base.storeBytes(of: UInt8(1), as: UInt8.self)
        #expect(throws: SharedMemoryError.self) { try StreamReader(stream: stream, waitMilliseconds: 0) }
    }

    @Test func missingStreamTimesOut() {
        #expect(throws: SharedMemoryError.notFound(StreamPageNames.meta("nosuchstream"))) {
            try StreamReader(stream: "nosuchstream", waitMilliseconds: 30)
        }
    }
}

/// The users table through which readers show up as viewers.
@Suite(.serialized) struct StreamUsersTests {
    @Test func readersRegisterAndLeave() throws {
        let stream = StreamDataPlaneTests.uniqueStream("users")
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        try StreamDataPlaneTests.writeAll(writer, TestStream.packets(seconds: 2))
        #expect(writer.viewerCount() == 0)
        var reader: StreamReader? = try StreamReader(stream: stream, waitMilliseconds: 0)
        try reader?.select([0, 1])
        #expect(writer.viewerCount() == 2)  // one record per track read, as MistServer's outputs keep
        let second = try StreamReader(stream: stream, waitMilliseconds: 0)
        try second.select([1])
        #expect(writer.viewerCount() == 3)
        reader = nil
        #expect(writer.viewerCount() == 1)
        #expect(second.tracks().count == 2)
    }

    @Test func usersTableLayoutIsMistServers() throws {
        let stream = StreamDataPlaneTests.uniqueStream("userlayout")
        let users = try StreamUsers.create(stream: stream)
        defer { users.close() }
        let table = users.table
        #expect(Set(table.fields.keys) == ["status", "pid", "track", "keynum"])
        #expect(table.recordSize == 25)
        #expect(users.page.size == 512 * 1024)
        #expect(table.isReady && table.endPosition == 1)
    }
}
