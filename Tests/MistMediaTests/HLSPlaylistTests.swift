import Testing

@testable import MistMedia

@Suite struct HLSPlaylistTests {
    @Test func subtitleRenditionsAndTheirSegments() {
        let master = HLSPlaylist.master(
            [.init(path: "0", bandwidth: 1000, width: 320, height: 180, fpks: 0, codecs: ["avc1.42C00C"])],
            subtitles: [.init(language: "", path: "2"), .init(language: "nld", path: "3")])
        #expect(
            master
                == "#EXTM3U\r\n"
                + "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub1\",LANGUAGE=\"und\",NAME=\"und\",AUTOSELECT=NO,"
                + "DEFAULT=NO,FORCED=NO,URI=\"2/index.m3u8\"\r\n"
                + "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub1\",LANGUAGE=\"nld\",NAME=\"nld\",AUTOSELECT=NO,"
                + "DEFAULT=NO,FORCED=NO,URI=\"3/index.m3u8\"\r\n"
                + "#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=8000,RESOLUTION=320x180,SUBTITLES=\"sub1\","
                + "CODECS=\"avc1.42C00C\"\r\n0/index.m3u8\r\n")
        let media = HLSPlaylist.media([.init(sequence: 0, start: 0, duration: 2000)], ended: true) {
            "../../../s.vtt?meta=2&from=\($0.start)&to=\($0.start + $0.duration)"
        }
        #expect(media.contains("#EXTINF:2.000,\r\n../../../s.vtt?meta=2&from=0&to=2000\r\n#EXT-X-ENDLIST"))
    }

    @Test func masterAndMediaPlaylists() {
        let master = HLSPlaylist.master([
            .init(
                path: "0_1", bandwidth: 250_000, width: 640, height: 360, fpks: 25000,
                codecs: [
                    HLSPlaylist.codecString(codec: "H264", initData: CodecTests.avcC),
                    HLSPlaylist.codecString(codec: "AAC", initData: [0x11, 0x88]),
                ])
        ])
        #expect(
            master
                == "#EXTM3U\r\n#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=2000000,RESOLUTION=640x360,FRAME-RATE=25,"
                + "CODECS=\"avc1.42C01E,mp4a.40.2\"\r\n0_1/index.m3u8\r\n")
        let segments: [HLSPlaylist.Segment] = [
            .init(sequence: 7, start: 14000, duration: 2000), .init(sequence: 8, start: 16000, duration: 1960),
        ]
        #expect(
            HLSPlaylist.media(segments, ended: false)
                == "#EXTM3U\r\n#EXT-X-VERSION:3\r\n#EXT-X-MEDIA-SEQUENCE:7\r\n#EXT-X-TARGETDURATION:2\r\n"
                + "#EXTINF:2.000,\r\nchunk_14000.ts?msn=7&dur=2000\r\n#EXTINF:1.960,\r\nchunk_16000.ts?msn=8&dur=1960\r\n"
        )
        let file = HLSPlaylist.media([.init(sequence: 0, start: 0, duration: 2005)], ended: true)
        #expect(file.contains("#EXT-X-TARGETDURATION:3\r\n#EXT-X-PLAYLIST-TYPE:VOD\r\n#EXTINF:2.005,"))
        #expect(file.hasSuffix("#EXT-X-ENDLIST\r\n"))
        #expect(
            HLSPlaylist.error("Stream open failed")
                == "#EXTM3U\r\n#EXT-X-ERROR: Stream open failed\r\n#EXT-X-ENDLIST\r\n")
        #expect(HLSPlaylist.codecString(codec: "HEVC", initData: []) == "hvc1")
    }
}

/// Tokens added to a playlist's URIs, for players to carry into their next requests.
@Suite struct HLSPlaylistQueryTests {
    @Test func everyURIGetsTheQueryWhateverTheLineEndings() {
        let master =
            "#EXTM3U\r\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub\",URI=\"3/index.m3u8\"\r\n"
            + "#EXT-X-STREAM-INF:BANDWIDTH=1\r\n1_2/index.m3u8\r\n"
        #expect(
            HLSPlaylist.addingQuery(master, "tkn=a")
                == "#EXTM3U\r\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub\",URI=\"3/index.m3u8?tkn=a\"\r\n"
                + "#EXT-X-STREAM-INF:BANDWIDTH=1\r\n1_2/index.m3u8?tkn=a\r\n")
        let media = "#EXTM3U\n#EXTINF:2.000,\nchunk_0.ts?msn=0\n\n#EXT-X-ENDLIST\n"
        #expect(
            HLSPlaylist.addingQuery(media, "tkn=b")
                == "#EXTM3U\n#EXTINF:2.000,\nchunk_0.ts?msn=0&tkn=b\n\n#EXT-X-ENDLIST\n")
    }
}
