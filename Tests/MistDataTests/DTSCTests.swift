import Testing

@testable import MistData

/// DTSC frames written out by hand: 4-byte magic, 32-bit length of the rest, then for DTP2 a
/// 32-bit track id and 64-bit time before the DTMI object.
@Suite struct DTSCTests {
    /// A media packet as MistServer's inputs write it: offset, bpos, keyframe, data.
    static let mediaPacket: [UInt8] =
        ascii("DTP2") + hex("00000051")  // 81 bytes follow
        + hex("00000001")  // track 1
        + hex("0000000000000028")  // time 40 ms
        + hex("E0")
        + hex("0006") + ascii("offset") + hex("01 0000000000000050")  // offset 80 ms
        + hex("0004") + ascii("bpos") + hex("01 00000000000004D2")  // byte position 1234
        + hex("0008") + ascii("keyframe") + hex("01 0000000000000001")
        + hex("0004") + ascii("data") + hex("02 00000003") + ascii("ABC")
        + hex("0000EE")

    /// A stream header frame: vod flag, version 4, no tracks.
    static let header: [UInt8] =
        ascii("DTSC") + hex("00000030")
        + hex("E0")
        + hex("0003") + ascii("vod") + hex("01 0000000000000001")
        + hex("0007") + ascii("version") + hex("01 0000000000000004")
        + hex("0006") + ascii("tracks") + hex("E0 0000EE")
        + hex("0000EE")

    /// A command frame.
    static let command: [UInt8] =
        ascii("DTCM") + hex("00000012")
        + hex("E0") + hex("0003") + ascii("cmd") + hex("02 00000004") + ascii("play") + hex("0000EE")

    /// A version 1 packet: time and track id are members of the object.
    static let version1Packet: [UInt8] =
        ascii("DTPD") + hex("00000031")
        + hex("E0")
        + hex("0007") + ascii("trackid") + hex("01 0000000000000002")
        + hex("0004") + ascii("time") + hex("01 0000000000000064")
        + hex("0004") + ascii("data") + hex("02 00000001") + ascii("Z")
        + hex("0000EE")

    /// A second media packet: not a keyframe, no offset or position.
    static let plainPacket: [UInt8] =
        ascii("DTP2") + hex("0000001D")  // 29 bytes follow
        + hex("00000002") + hex("000000000000003C")  // track 2, time 60 ms
        + hex("E0") + hex("0004") + ascii("data") + hex("02 00000002") + hex("FFFE") + hex("0000EE")

    @Test func readsMediaPacketInPlace() throws {
        try Self.mediaPacket.withUnsafeBytes { buffer throws in
            let packet = try DTSCPacket(buffer)
            #expect(packet.kind == .packetV2)
            #expect(packet.frameLength == 89)
            #expect(packet.trackID == 1)
            #expect(packet.time == 40)
            #expect(packet.offset == 80)
            #expect(packet.bytePosition == 1234)
            #expect(packet.isKeyframe)
            let data = try #require(packet.data)
            #expect(Array(data) == ascii("ABC"))
            #expect(data.baseAddress == buffer.baseAddress.map { $0 + 83 })
        }
    }

    @Test func writesMediaPacketByteForByte() throws {
        let written = try ascii("ABC").withUnsafeBytes {
            try DTSCFrameWriter.mediaPacket(
                trackID: 1, time: 40, offset: 80, bytePosition: 1234, keyframe: true, data: $0)
        }
        #expect(written == Self.mediaPacket)
        let plain = try ([0xFF, 0xFE] as [UInt8]).withUnsafeBytes {
            try DTSCFrameWriter.mediaPacket(trackID: 2, time: 60, keyframe: false, data: $0)
        }
        #expect(plain == Self.plainPacket)
    }

    @Test func readsOtherFrameKinds() throws {
        try Self.header.withUnsafeBytes { buffer throws in
            let frame = try DTSCPacket(buffer)
            #expect(frame.kind == .header)
            #expect(try frame.json() == ["vod": 1, "version": 4, "tracks": [:]])
        }
        try Self.command.withUnsafeBytes { buffer throws in
            let frame = try DTSCPacket(buffer)
            #expect(frame.kind == .command)
            #expect(try frame.json()["cmd"] == "play")
        }
        try Self.version1Packet.withUnsafeBytes { buffer throws in
            let frame = try DTSCPacket(buffer)
            #expect(frame.kind == .packetV1)
            #expect(frame.trackID == 2 && frame.time == 100)
            #expect(frame.data.map(Array.init) == ascii("Z"))
            #expect(!frame.isKeyframe)
        }
    }

    @Test func everyFrameRoundTripsByteIdentical() throws {
        for fixture in [Self.header, Self.command, Self.version1Packet] {
            let json = try fixture.withUnsafeBytes { try DTSCPacket($0).json() }
            let kind = try #require(fixture.withUnsafeBytes { DTSCFrameKind(magicOf: $0) })
            let object = try #require(json.objectValue)
            #expect(try DTSCFrameWriter.frame(kind, object: object) == fixture)
        }
        for fixture in [Self.mediaPacket, Self.plainPacket] {
            var json = try fixture.withUnsafeBytes { try DTSCPacket($0).json() }
            let time = UInt64(json["time"].asInt)
            let track = UInt32(json["trackid"].asInt)
            json.removeMember("time")
            json.removeMember("trackid")
            let object = try #require(json.objectValue)
            #expect(try DTSCFrameWriter.packet(trackID: track, time: time, members: object) == fixture)
        }
    }

    /// A DTSC stream as a `.dtsc` file holds it: a header, then packets of two tracks.
    @Test func walksMultiPacketStream() throws {
        let stream = Self.header + Self.mediaPacket + Self.plainPacket + Self.version1Packet + Self.command
        var seen: [(DTSCFrameKind, UInt32, UInt64)] = []
        var rebuilt: [UInt8] = []
        try stream.withUnsafeBytes { buffer throws in
            var frames = DTSCFrameIterator(buffer)
            while let frame = try frames.next() {
                seen.append((frame.kind, frame.trackID, frame.time))
                rebuilt.append(contentsOf: frame.bytes)
            }
            #expect(frames.remainder == 0)
        }
        #expect(seen.map(\.0) == [.header, .packetV2, .packetV2, .packetV1, .command])
        #expect(seen.map(\.1) == [0, 1, 2, 2, 0])
        #expect(seen.map(\.2) == [0, 40, 60, 100, 0])
        #expect(rebuilt == stream)
    }

    @Test func partialFrameWaitsForMoreBytes() throws {
        let stream = Self.mediaPacket + Array(Self.plainPacket.prefix(30))
        try stream.withUnsafeBytes { buffer throws in
            var frames = DTSCFrameIterator(buffer)
            #expect(try frames.next() != nil)
            #expect(try frames.next() == nil)
            #expect(frames.remainder == 30)
        }
    }

    @Test func rejectsMalformedFrames() {
        func check(_ bytes: [UInt8], _ expected: DTMIError) {
            #expect(throws: expected) { try bytes.withUnsafeBytes { try DTSCPacket($0) } }
        }
        check(ascii("XXXX") + hex("00000004 E0 0000EE"), DTMIError(.badMagic, at: 0))
        check(ascii("DTP2") + hex("000000FF"), DTMIError(.truncated, at: 8))
        check(ascii("DTP2") + hex("00000004 00000001"), DTMIError(.badLength, at: 4))
        check(ascii("DTSC") + hex("00000003 E0 0000"), DTMIError(.truncated, at: 9))
        check(ascii("DTSC") + hex("00000005 E0 0000EE 00"), DTMIError(.trailingData, at: 12))
        check(ascii("DTSC") + hex("00000001 03"), DTMIError(.typeMismatch, at: 8))
        check(ascii("DT"), DTMIError(.truncated, at: 2))
        var corrupt = Self.mediaPacket
        corrupt[22] = 0x60  // the "offset" name length now runs past the frame
        check(corrupt, DTMIError(.truncated, at: 21))
    }

    @Test func streamWithGarbageThrowsAtItsOffset() {
        let stream = Self.header + ascii("JUNKJUNK")
        #expect(throws: DTMIError(.badMagic, at: Self.header.count)) {
            try stream.withUnsafeBytes { buffer throws in
                var frames = DTSCFrameIterator(buffer)
                while try frames.next() != nil {}
            }
        }
    }

    @Test func oversizedLengthIsRefusedBeforeWaiting() {
        let bytes = ascii("DTP2") + hex("7FFFFFFF")
        #expect(throws: DTMIError(.badLength, at: 4)) {
            try bytes.withUnsafeBytes { buffer throws in
                var frames = DTSCFrameIterator(buffer, maximumFrameLength: 1 << 20)
                _ = try frames.next()
            }
        }
    }
}
