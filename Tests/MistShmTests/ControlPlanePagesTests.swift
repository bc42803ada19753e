import MistData
import Testing

@testable import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// MistServer's control-plane pages: triggers, global settings, stream keys, sessions.
@Suite struct ControlPlanePagesTests {
    /// MistServer's packing of a trigger's stream list: a 4-byte length before each name, a zero
    /// length after the last.
    @Test func triggerStreamListsArePackedAsMistServerPacksThem() {
        let packed = TriggerPage.packStreams(["live", "!#tag"])
        #expect(packed == [4, 0, 0, 0] + Array("live".utf8) + [5, 0, 0, 0] + Array("!#tag".utf8) + [0, 0, 0, 0])
        #expect(TriggerPage.packStreams([]).isEmpty)
        packed.withUnsafeBytes { #expect(TriggerPage.unpackStreams($0) == ["live", "!#tag"]) }
        // The legacy form has no terminating zero length; a length past the field ends the list.
        let legacy: [UInt8] = [3, 0, 0, 0] + Array("abc".utf8) + [200, 0, 0, 0, 1]
        legacy.withUnsafeBytes { #expect(TriggerPage.unpackStreams($0) == ["abc"]) }
        // Names longer than the field are cut at 256 bytes, as MistServer cuts them.
        #expect(TriggerPage.packStreams([String(repeating: "x", count: 300)]).count == 256)
    }

    @Test func triggerPagesRoundTrip() throws {
        let trigger = "TEST_TRIGGER_\(getpid())"
        defer { TriggerPage.remove(trigger) }
        #expect(TriggerPage.read(trigger) == nil)
        let entries = [
            TriggerPageEntry(
                url: "http://127.0.0.1/hook", sync: true, streams: ["live"], params: "", defaultResponse: ""),
            TriggerPageEntry(url: "/bin/true", sync: false, streams: [], params: "5000", defaultResponse: "false"),
        ]
        try TriggerPage.write(trigger, entries)
        #expect(TriggerPage.read(trigger) == entries)
        // MistServer's page is 32 KiB with one 641-byte record per handler.
        #expect(SharedMemoryPage.identity(of: TriggerPage.name(trigger))?.size == 32 * 1024)
        #expect(TriggerPage.capacity == 51)
    }

    @Test func globalSettingsRoundTrip() throws {
        let name = "/MstTestGlobalConfig\(getpid())"
        defer { _ = SharedMemoryPage.unlink(name) }
        let values: JSONValue = [
            "defaultStream": "fallback", "systemBoot": 1_700_000_000_000, "sessionViewerMode": 14,
            "sessionInputMode": 15, "sessionOutputMode": 15, "sessionUnspecifiedMode": 0,
            "sessionStreamInfoMode": 1, "tknMode": 15, "udpApi": "localhost:4242", "iid": "abc", "hrn": "server",
        ]
        try GlobalConfigPage.write(values, to: name)
        let read = try #require(GlobalConfigPage.read(name))
        #expect(read.sortedKeys() == values.sortedKeys())
    }

    @Test func sessionRecordAddresses() {
        let mapped = SessionRecord.hostBytes("127.0.0.1")
        #expect(mapped == Array(repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1])
        #expect(SessionRecord.hostBytes("::ffff:127.0.0.1") == mapped)
        var record = SessionRecord()
        record.host = mapped
        #expect(record.hostText == "127.0.0.1")
        record.host = SessionRecord.hostBytes("2001:db8::1")
        #expect(record.host[0..<4] == [0x20, 0x01, 0x0D, 0xB8])
        #expect(record.host[15] == 1)
        #expect(record.hostText == "2001:db8:0:0:0:0:0:1")
        #expect(SessionRecord.hostBytes("not an address") == Array(repeating: 0, count: 16))
        #expect(SessionRecord.hostBytes("1::2::3") == Array(repeating: 0, count: 16))
    }

    /// A fresh table as MistServer's masters make it: every slot free, the end position at 1;
    /// writers claim free slots in order.
    @Test func sessionTablesClaimAndKeepRecords() throws {
        let size = 64 * 1024
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let table = try SessionTable(creating: memory, capacity: size, sessions: true)
        #expect(table.table.isReady)
        #expect(table.table.endPosition == 1)
        // 2 + 8 * 10 + 16 + 100 + 20 + 512 + 80 bytes per session record.
        #expect(table.table.recordSize == 1 + 8 * 9 + 16 + 100 + 20 + 512 + 80)
        let first = try #require(table.claim())
        let second = try #require(table.claim())
        #expect((first, second) == (0, 1))
        #expect(table.table.endPosition == 2)
        var record = SessionRecord()
        record.pid = 42
        record.down = 1000
        record.up = 123_456
        record.host = SessionRecord.hostBytes("10.0.0.1")
        record.stream = "live"
        record.connector = "HLS,HTTPTS"
        record.sessionID = "abcdef"
        record.tags = "[a]"
        table.write(second, record)
        record.status = SessionRecord.active
        #expect(table.record(second) == record)
        let reopened = try SessionTable(reading: memory, capacity: size)
        #expect(reopened.record(second).sessionID == "abcdef")
        table.setStatus(first, 0)
        #expect(table.claim() == first)
    }
}

/// Our pages byte for byte against pages MistServer's controller wrote (Fixtures/README.md).
@Suite struct ControlPlaneFixtureTests {
    /// Copies `bytes` into a fresh page of `size` bytes named `name`.
    static func page(_ name: String, size: Int, bytes: [UInt8]) throws -> SharedMemoryPage {
        let page = try SharedMemoryPage(creating: name, size: size)
        page.bytes.copyBytes(from: bytes.prefix(size))
        return page
    }

    static func contents(_ name: String) throws -> [UInt8] {
        let page = try SharedMemoryPage(opening: name, writable: false)
        defer { page.close() }
        return Array(page.bytes)
    }

    @Test func globalSettingsPageMatchesMistServers() throws {
        let theirs = try FixtureFile.bytes("MstGlobalConfig")
        #expect(theirs.count == 4096)
        let source = "/MstTestGlobalTheirs\(getpid())"
        let copy = try Self.page(source, size: 4096, bytes: theirs)
        defer { copy.close() }
        let values = try #require(GlobalConfigPage.read(source))
        #expect(values["sessionViewerMode"] == 14)
        #expect(values["udpApi"] == "udp://[::ffff:127.0.0.1]:4242/")
        let ours = "/MstTestGlobalOurs\(getpid())"
        defer { _ = SharedMemoryPage.unlink(ours) }
        try GlobalConfigPage.write(values, to: ours)
        #expect(try Self.contents(ours) == theirs)
    }

    @Test func triggerPageMatchesMistServers() throws {
        let head = try FixtureFile.bytes("MstTRGRUSER_NEW.head")
        let theirs = head + [UInt8](repeating: 0, count: 32 * 1024 - head.count)
        let trigger = "TEST_FIXTURE_\(getpid())"
        let copy = try Self.page(TriggerPage.name(trigger), size: theirs.count, bytes: theirs)
        defer { copy.close() }
        let entries = try #require(TriggerPage.read(trigger))
        #expect(entries.count == 1)
        #expect(entries.first?.streams == ["live"])
        #expect(entries.first?.url.hasSuffix("/USER_NEW.sh") == true)
        let ours = "TEST_FIXTURE_OURS_\(getpid())"
        defer { TriggerPage.remove(ours) }
        try TriggerPage.write(ours, entries)
        #expect(try Self.contents(TriggerPage.name(ours)) == theirs)
    }

    @Test func sessionTableMatchesMistServers() throws {
        let head = try FixtureFile.bytes("MstStat.head")
        let size = SessionTable.statisticsSize
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        _ = try SessionTable(creating: memory, capacity: size, sessions: true)
        #expect(Array(UnsafeRawBufferPointer(start: memory, count: head.count)) == head)
    }
}
