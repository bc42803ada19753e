import MistData
import Testing

@testable import MistControl

@Suite struct SessionStatisticsTests {
    /// A connection ends without its last page only when its process's page was read and it was
    /// not there; while a live process's page is being rewritten (unreadable), its connections
    /// stay, so they are not ended and counted again when they come back.
    @Test func connectionsOfUnreadablePagesDoNotVanish() {
        let keys = ["10:1", "10:2", "20:1", "30:7"]
        let seen: [String: (JSONValue, Bool)] = ["10:1": (.null, true)]
        #expect(SessionStatistics.vanished(keys, seen: seen, unreadable: ["20"]).sorted() == ["10:2", "30:7"])
        #expect(SessionStatistics.vanished(keys, seen: seen, unreadable: []).sorted() == ["10:2", "20:1", "30:7"])
        // A pid that only starts like another's is not covered by it.
        #expect(SessionStatistics.vanished(["2:1", "20:1"], seen: [:], unreadable: ["20"]) == ["2:1"])
    }
}
