import Testing

@testable import MistMedia

@Suite struct HLSPlaylistReaderTests {
    @Test func ourOwnPlaylistsReadBack() throws {
        let master = HLSPlaylist.master([
            .init(
                path: "0_1", bandwidth: 250_000, width: 640, height: 360, fpks: 25000,
                codecs: ["avc1.42C01E", "mp4a.40.2"]),
            .init(
                path: "2_1", bandwidth: 90_000, width: 320, height: 180, fpks: 25000,
                codecs: ["avc1.42C01E", "mp4a.40.2"]),
        ])
        #expect(
            try HLSPlaylistReader.parse(master)
                == .master([
                    .init(uri: "0_1/index.m3u8", bandwidth: 2_000_000),
                    .init(uri: "2_1/index.m3u8", bandwidth: 720_000),
                ]))
        let live = HLSPlaylist.media(
            [.init(sequence: 7, start: 14000, duration: 2000), .init(sequence: 8, start: 16000, duration: 1960)],
            ended: false)
        guard case .media(let segments, let target, let ended) = try HLSPlaylistReader.parse(live) else {
            Issue.record("not a media playlist")
            return
        }
        #expect(
            segments.map(\.sequence) == [7, 8] && segments.map(\.duration) == [2000, 1960] && target == 2000 && !ended)
        #expect(segments[0].uri == "chunk_14000.ts?msn=7&dur=2000")
        guard
            case .media(_, _, let complete) = try HLSPlaylistReader.parse(
                HLSPlaylist.media([.init(sequence: 0, start: 0, duration: 2000)], ended: true))
        else { return }
        #expect(complete)
        #expect(throws: MediaError.self) { try HLSPlaylistReader.parse("<html>not a playlist</html>") }
        #expect(HLSPlaylistReader.attribute("CODECS", in: "#EXT-X-STREAM-INF:BANDWIDTH=5,CODECS=\"a,b\",X=1") == "a,b")
    }
}
