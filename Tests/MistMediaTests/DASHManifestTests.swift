import MistMedia
import Testing

/// DASH manifests as MistServer's CMAF output writes them, byte for byte on small examples.
@Suite struct DASHManifestTests {
    static let tracks = [
        DASHManifest.Representation(
            index: 1, type: "video", codecs: "avc1.64001F", bandwidth: 125_000, width: 640, height: 360, fpks: 25000),
        DASHManifest.Representation(
            index: 2, type: "audio", codecs: "mp4a.40.2", bandwidth: 16_000, rate: 48000, channels: 1,
            language: "eng"),
    ]
    static let segments = [
        HLSPlaylist.Segment(sequence: 3, start: 6000, duration: 2000),
        HLSPlaylist.Segment(sequence: 4, start: 8000, duration: 2000),
        HLSPlaylist.Segment(sequence: 5, start: 10000, duration: 1500),
    ]

    @Test func aFileIsStaticWithItsDuration() {
        let text = DASHManifest.manifest(Self.tracks, segments: Self.segments, live: nil, duration: 11_500)
        #expect(
            text.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""))
        #expect(
            text.contains("type=\"static\" mediaPresentationDuration=\"PT11.500S\" maxSegmentDuration=\"PT2.000S\""))
        #expect(
            text.contains(
                "<SegmentTemplate timescale=\"1000\" media=\"$RepresentationID$/chunk_$Time$.m4s\" "
                    + "initialization=\"$RepresentationID$/init.m4s\"><SegmentTimeline><S t=\"6000\" d=\"2000\"/>"
                    + "<S d=\"2000\"/><S d=\"1500\"/></SegmentTimeline></SegmentTemplate>"))
        #expect(
            text.contains(
                "<Representation id=\"1\" bandwidth=\"1000000\" codecs=\"avc1.64001F\" width=\"640\" height=\"360\" "
                    + "frameRate=\"25000/1000\"/>"))
        #expect(
            text.contains(
                "<AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" "
                    + "segmentAlignment=\"true\" startWithSAP=\"1\" lang=\"eng\">"))
        #expect(text.contains("audioSamplingRate=\"48000\"><AudioChannelConfiguration"))
        #expect(text.hasSuffix("</Period>\n</MPD>\n"))
    }

    @Test func aLiveStreamIsDynamicOverItsWindow() {
        let live = DASHManifest.Live(availabilityStart: 1_796_000_000_123, now: 1_796_000_011_500, minimumUpdate: 750)
        let text = DASHManifest.manifest(Self.tracks, segments: Self.segments, live: live, duration: 0)
        #expect(text.contains("type=\"dynamic\" availabilityStartTime=\"2026-11-30T00:53:20.123Z\" "))
        #expect(text.contains("publishTime=\"2026-11-30T00:53:31.500Z\" minimumUpdatePeriod=\"PT0.750S\" "))
        #expect(text.contains("timeShiftBufferDepth=\"PT5.500S\" suggestedPresentationDelay=\"PT4.000S\""))
    }

    @Test func fMP4PlaylistsAreVersion7WithTheirInitialisationSegment() {
        let text = HLSPlaylist.media(Self.segments, ended: false, map: "init.m4s") { "chunk_\($0.start).m4s" }
        #expect(
            text
                == "#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-INDEPENDENT-SEGMENTS\r\n#EXT-X-MAP:URI=\"init.m4s\"\r\n"
                + "#EXT-X-MEDIA-SEQUENCE:3\r\n#EXT-X-TARGETDURATION:2\r\n#EXTINF:2.000,\r\nchunk_6000.m4s\r\n"
                + "#EXTINF:2.000,\r\nchunk_8000.m4s\r\n#EXTINF:1.500,\r\nchunk_10000.m4s\r\n")
    }
}
