import Foundation
import Testing

/// MistInHLS pulling from an origin whose playlists say what no real one does (`#EXTINF:inf,`,
/// huge target durations): the input reads them as numbers clamped to their range and ends with
/// an error of its own, not a Swift trap.
@Suite struct HLSHostileSourceTests {
    @Test func anInfiniteSegmentDurationIsAnErrorNotATrap() throws {
        let origin = try TriggerRecorder { call in
            if call.path.hasSuffix(".m3u8") {
                return "#EXTM3U\n#EXT-X-TARGETDURATION:99999999999999999\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n"
                    + "#EXTINF:inf,\na.ts\n#EXTINF:1e300,\nb.ts\n#EXTINF:nan,\nc.ts\n#EXT-X-ENDLIST\n"
            }
            return "not a transport stream"
        }
        let folder = try MediaTools.temporaryFolder("hlshostile")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try BinaryTests.run(
            "MistInHLS", ["-s", "hostile", "http://127.0.0.1:\(origin.port)/hostile.m3u8", "-g", "4"],
            environment: ["MIST_SHM_FOLDER": folder.appendingPathComponent("shm").path])
        // It fetched all three segments (the durations did not stop it) and ended with its own error.
        #expect(result.status == 1, "status \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("Downloaded 3 segments"), "\(result.stderr)")
        #expect(result.stderr.contains("no audio or video track"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)")
        #expect(!origin.calls("").filter { $0.path == "/hostile.m3u8" }.isEmpty, "the playlist was read")
    }
}
