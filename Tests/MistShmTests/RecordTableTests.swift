import Testing

@testable import MistShm

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct RecordTableTests {
    static let fields: [(name: String, type: RecordFieldType, size: UInt32?)] = [
        ("valid", .unsigned, 1), ("id", .unsigned, 4), ("type", .string, 32), ("big", .unsigned, 8),
        ("delta", .signed, 2), ("odd", .unsigned, 3), ("blob", .raw, 5),
    ]

    /// The header and field list bytes MistServer's RelAccX writes for the same fields.
    @Test func layoutMatchesMistServer() throws {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        let table = try RecordTable(creating: memory, capacity: 4096, fields: Self.fields, recordCount: 10)
        let bytes = UnsafeRawBufferPointer(start: memory, count: 120)
        #expect(bytes[1] == 36)  // field list right after the 36-byte header
        #expect(Array(bytes[2..<6]) == [10, 0, 0, 0])  // record count
        let recordSize: UInt32 = 1 + 4 + 32 + 8 + 2 + 3 + 5
        #expect(Array(bytes[6..<10]) == [UInt8(recordSize), 0, 0, 0])
        // "valid": name length 5, type length 1 (0x10 implies one byte)
        #expect(Array(bytes[36..<43]) == [5 << 3 | 1] + Array("valid".utf8) + [0x10])
        // "id": 0x13 is a 4-byte unsigned integer
        #expect(Array(bytes[43..<47]) == [2 << 3 | 1] + Array("id".utf8) + [0x13])
        // "type": 0x31 is a 32-byte string
        #expect(Array(bytes[47..<53]) == [4 << 3 | 1] + Array("type".utf8) + [0x31])
        // "odd": 3 bytes is not 0x12's default of 3? it is: 0x12 means 3 bytes
        #expect(table.fields["odd"]?.size == 3)
        // "blob": 5 raw bytes needs an explicit 8-bit size
        let blobEntry = 36 + 7 + 4 + 6 + 5 + 7 + 5
        #expect(Array(bytes[blobEntry..<(blobEntry + 7)]) == [4 << 3 | 2] + Array("blob".utf8) + [0x40, 5])
        #expect(!table.isReady)
        table.setReady()
        #expect(bytes[0] == 1)
    }

    @Test func valuesRoundTripThroughAReader() throws {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        let writer = try RecordTable(creating: memory, capacity: 4096, fields: Self.fields, recordCount: 4)
        #expect(throws: SharedMemoryError.self) { try RecordTable(reading: memory, capacity: 4096) }  // not ready
        writer.setReady()
        for record: UInt64 in 0..<6 {
            try writer.setInt(writer.field("id"), record, 1000 + record)
            try writer.setInt(writer.field("big"), record, UInt64.max - record)
            try writer.setInt(writer.field("delta"), record, UInt64(bitPattern: -5))
            try writer.setInt(writer.field("odd"), record, 0x01_02_03)
            try writer.setBytes(writer.field("type"), record, "video".utf8)
            writer.addRecords(1)
            if record >= 4 { writer.deleteRecords(1) }  // ring of 4: drop the oldest
        }
        let reader = try RecordTable(reading: memory, capacity: 4096)
        #expect(reader.endPosition == 6 && reader.deleted == 2 && reader.present == 4)
        #expect(!reader.isAvailable(1) && reader.isAvailable(2) && reader.isAvailable(5) && !reader.isAvailable(6))
        #expect(try reader.int(reader.field("id"), 5) == 1005)
        #expect(try reader.int(reader.field("big"), 5) == UInt64.max - 5)
        #expect(try Int64(bitPattern: reader.int(reader.field("delta"), 3)) == -5)
        #expect(try reader.int(reader.field("odd"), 2) == 0x01_02_03)
        #expect(try reader.string(reader.field("type"), 4) == "video")
        // 24-bit integers are big-endian, as in MistServer.
        let odd = try reader.pointer(reader.field("odd"), 2)
        #expect(odd.load(as: UInt8.self) == 1)
    }

    @Test func corruptTablesThrow() throws {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { memory.deallocate() }
        func reset() {
            memory.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        }
        reset()
        let table = try RecordTable(creating: memory, capacity: 256, fields: Self.fields, recordCount: 2)
        table.setReady()
        #expect(throws: SharedMemoryError.self) { try RecordTable(reading: memory, capacity: 100) }  // too small
        memory.storeBytes(of: UInt32(1_000_000), toByteOffset: 2, as: UInt32.self)  // record count beyond page
        #expect(throws: SharedMemoryError.self) { try RecordTable(reading: memory, capacity: 256) }
        memory.storeBytes(of: UInt32(2), toByteOffset: 2, as: UInt32.self)
        memory.storeBytes(of: UInt8(0x77), toByteOffset: 36 + 6, as: UInt8.self)  // unknown field type
        #expect(throws: SharedMemoryError.self) { try RecordTable(reading: memory, capacity: 256) }
        memory.storeBytes(of: UInt8(0x10), toByteOffset: 36 + 6, as: UInt8.self)
        memory.storeBytes(of: UInt8(5), toByteOffset: 1, as: UInt8.self)  // field list offset below 11
        #expect(throws: SharedMemoryError.self) { try RecordTable(reading: memory, capacity: 256) }
        #expect(throws: SharedMemoryError.self) { try RecordTable(reading: memory, capacity: 10) }
    }

    /// Random bytes never trap the table reader.
    @Test func randomBytesNeverTrap() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 8)
        defer { memory.deallocate() }
        for _ in 0..<20_000 {
            for index in 0..<512 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                memory.storeBytes(of: UInt8(truncatingIfNeeded: state >> 33), toByteOffset: index, as: UInt8.self)
            }
            memory.storeBytes(of: UInt8(1), as: UInt8.self)  // ready, so the field list is parsed
            if let table = try? RecordTable(reading: memory, capacity: 512) {
                for field in table.fields.values {
                    _ = table.int(field, 3)
                    _ = table.string(field, 7)
                }
            }
        }
    }
}

@Suite struct TrackPageLayoutTests {
    /// Init data sits in the track page as MistServer keeps it: a 16-bit big-endian length, then
    /// the bytes, so data ending in zero bytes survives.
    @Test func initDataHasALengthPrefix() throws {
        let stream = "swiftinit\(getpid())"
        let writer = try StreamWriter(stream: stream, live: true)
        defer { writer.close() }
        _ = try writer.addTrack(TrackInfo(type: "audio", codec: "AAC", id: 1, initData: [0x12, 0x08, 0x00, 0x00]))
        let page = try SharedMemoryPage(
            opening: StreamPageNames.track(stream, pid: getpid(), index: 0), writable: false)
        let tables = try TrackTables(track: RecordTable(reading: page.base, capacity: page.size))
        let stored = UnsafeRawBufferPointer(start: tables.track.pointer(tables.initData, 0), count: 8)
        #expect(Array(stored) == [0x00, 0x04, 0x12, 0x08, 0x00, 0x00, 0x00, 0x00])
        let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
        #expect(reader.tracks().first?.info.initData == [0x12, 0x08, 0x00, 0x00])
    }
}
