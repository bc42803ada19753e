import MistData
import MistShm
import MistStream
import Testing

/// When a stream's buffer runs a process entry: MistServer's selector and inhibitor rules.
@Suite struct ProcessGateTests {
    static func track(_ index: Int, _ type: String, height: UInt32 = 0) -> StreamTrack {
        var info = TrackInfo(type: type, codec: type == "video" ? "H264" : "AAC", id: UInt32(index), initData: [])
        (info.width, info.height) = (height * 16 / 9, height)
        return StreamTrack(index: index, info: info, firstMs: 0, lastMs: 0, bps: 1000, maxBps: 1000)
    }

    static let tracks = [track(0, "video", height: 720), track(1, "audio"), track(2, "video", height: 180)]

    static func admits(_ entry: String, own: [Int] = [], running: Bool = false, tags: Set<String> = []) throws -> Bool {
        ProcessGate.admits(try JSONParser.parse(entry), tracks: tracks, own: own, running: running, tags: tags)
    }

    @Test func selectorsMustSelectATrack() throws {
        #expect(try Self.admits(#"{"process": "FFMPEG"}"#))
        #expect(try Self.admits(#"{"source_track": "720p", "x-LSP-kind": "video"}"#))
        #expect(try !Self.admits(#"{"source_track": "1080p", "x-LSP-kind": "video"}"#))
        #expect(try !Self.admits(#"{"source_track": "720p", "x-LSP-kind": "audio"}"#))
        #expect(try Self.admits(#"{"source_track": "automatic"}"#))
        #expect(try Self.admits(#"{"track_select": "video=none&audio=all"}"#))
        #expect(try !Self.admits(#"{"track_select": "video=none&audio=none"}"#))
        #expect(try !Self.admits(#"{"track_select": "video=4k&audio=none"}"#))
    }

    @Test func tagsInhibitByNameOrHashName() throws {
        #expect(try !Self.admits(#"{"tags_inhibit": "quiet"}"#, tags: ["quiet"]))
        #expect(try !Self.admits(##"{"tags_inhibit": ["x", "#quiet"]}"##, tags: ["quiet"]))
        #expect(try Self.admits(#"{"tags_inhibit": ["x"]}"#, tags: ["quiet"]))
        #expect(try Self.admits(#"{"tags_inhibit": ["quiet"]}"#))
    }

    @Test func aTrackInhibitorHoldsBackAllButTheTracksTheProcessMade() throws {
        let entry = #"{"track_inhibit": "video=320x180"}"#
        // Track 2 is 320x180: a process that is not running does not start.
        #expect(try !Self.admits(entry))
        // Running, and it made track 2 itself: it goes on.
        #expect(try Self.admits(entry, own: [2], running: true))
        // Running, but track 2 is someone else's: it stops.
        #expect(try !Self.admits(entry, own: [5], running: true))
        #expect(try Self.admits(#"{"track_inhibit": "video=1080p"}"#))
        // The default inhibitor selects nothing.
        #expect(try Self.admits(#"{"track_inhibit": "audio=none&video=none&subtitle=none"}"#))
    }
}
