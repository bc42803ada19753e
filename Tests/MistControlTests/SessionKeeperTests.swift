import MistShm
import Testing

@testable import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// MistSession's sums over a session's connection table, and its USER_END payload.
@Suite struct SessionKeeperTests {
    static func table() throws -> (UnsafeMutableRawPointer, SessionTable) {
        let size = 64 * 1024
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        return (memory, try SessionTable(creating: memory, capacity: size, sessions: false))
    }

    static func connection(_ connector: String, up: UInt64, now: UInt64) -> SessionRecord {
        var record = SessionRecord()
        record.pid = UInt64(getpid())
        record.now = now
        record.up = up
        record.down = 10
        record.host = SessionRecord.hostBytes("10.1.2.3")
        record.stream = "live"
        record.connector = connector
        return record
    }

    @Test func connectionsAreSummedOnlyByWhatGrew() throws {
        let (memory, table) = try Self.table()
        defer { memory.deallocate() }
        let first = try #require(table.claim())
        let second = try #require(table.claim())
        table.write(first, Self.connection("HLS", up: 1000, now: 100))
        table.write(second, Self.connection("HTTPTS", up: 500, now: 100))
        var tally = SessionKeeper.Tally()
        #expect(SessionKeeper.sample(table, into: &tally, now: 100, incoming: false) == 2)
        #expect(tally.up == 1500)
        // Counters are totals: the next pass adds only their growth.
        table.write(first, Self.connection("HLS", up: 1600, now: 101))
        #expect(SessionKeeper.sample(table, into: &tally, now: 101, incoming: false) == 2)
        #expect(tally.up == 2100)
        #expect(tally.down == 20)
        // A closed connection is freed; one not updated for 10 s no longer counts as live.
        table.setStatus(second, SessionRecord.active | SessionRecord.disconnected)
        #expect(SessionKeeper.sample(table, into: &tally, now: 112, incoming: false) == 0)
        #expect(table.status(second) == 0)
        var record = SessionRecord()
        SessionKeeper.summarize(&record, tally, now: 112)
        #expect(record.connector == "HLS,HTTPTS")
        #expect(record.hostText == "10.1.2.3")
        #expect(record.stream == "live")
    }

    /// USER_END's lines as MistServer's MistSession writes them.
    @Test func userEndPayloadHasMistServersLines() {
        var tally = SessionKeeper.Tally()
        tally.seconds = 30
        tally.up = 4000
        tally.down = 50
        tally.connectors = ["HLS": 20, "HTTPTS": 10]
        tally.hosts = ["10.1.2.3": 30]
        tally.streams = ["live": 30]
        let details = SessionKeeper.Details(
            id: "abc", stream: "live", host: "10.1.2.3", token: "tkn", protocolName: "HLS", url: "/hls/live/index.m3u8")
        let payload = SessionKeeper.userEndPayload(details, tally, tags: "[a]")
        #expect(
            payload.split(separator: "\n", omittingEmptySubsequences: false)
                == ["tkn", "live", "HLS,HTTPTS", "10.1.2.3", "30", "4000", "50", "[a]", "30", "20,10", "30", "abc"])
        #expect(details.isViewer)
        #expect(!SessionKeeper.Details(id: "Iabc", stream: "", host: "", token: "", protocolName: "", url: "").isViewer)
    }
}
