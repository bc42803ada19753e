import MistMedia
import Testing

@testable import MistOutput

/// The LL-HLS playlist of a live CMAF track, byte for byte, and the part names it accepts.
@Suite struct LowLatencyHLSTests {
    @Test func partsPreloadHintAndRenditionReports() {
        let edge = LowLatencyHLS.Edge(
            complete: [
                .init(sequence: 7, start: 14000, duration: 2000), .init(sequence: 8, start: 16000, duration: 1200),
            ], growing: (9, 17200), reached: 18300)
        #expect(edge.growingParts == 2)
        #expect(edge.has(sequence: 9, part: 1) && !edge.has(sequence: 9, part: 2) && !edge.has(sequence: 9, part: nil))
        #expect(
            edge.has(sequence: 8, part: nil) && edge.has(sequence: 3, part: nil) && !edge.has(sequence: 10, part: 0))
        let text = LowLatencyHLS.playlist(edge, others: ["../2/index.m3u8"])
        #expect(
            text
                == "#EXTM3U\r\n#EXT-X-VERSION:9\r\n#EXT-X-INDEPENDENT-SEGMENTS\r\n"
                + "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500\r\n"
                + "#EXT-X-PART-INF:PART-TARGET=0.500\r\n#EXT-X-MAP:URI=\"init.m4s\"\r\n#EXT-X-TARGETDURATION:2\r\n"
                + "#EXT-X-MEDIA-SEQUENCE:7\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_14000.0.m4s\",INDEPENDENT=YES\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_14000.1.m4s\"\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_14000.2.m4s\"\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_14000.3.m4s\"\r\n"
                + "#EXTINF:2.000,\r\nchunk_14000.m4s\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_16000.0.m4s\",INDEPENDENT=YES\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_16000.1.m4s\"\r\n"
                + "#EXT-X-PART:DURATION=0.200,URI=\"chunk_16000.2.m4s\"\r\n"
                + "#EXTINF:1.200,\r\nchunk_16000.m4s\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_17200.0.m4s\",INDEPENDENT=YES\r\n"
                + "#EXT-X-PART:DURATION=0.500,URI=\"chunk_17200.1.m4s\"\r\n"
                + "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"chunk_17200.2.m4s\"\r\n"
                + "#EXT-X-RENDITION-REPORT:URI=\"../2/index.m3u8\",LAST-MSN=9,LAST-PART=1\r\n")
    }

    @Test func partNamesAreBounded() {
        #expect(LowLatencyHLS.parsePart("chunk_17200.2.m4s").map { [$0.start, $0.part] } == [17200, 2])
        for bad in [
            "chunk_17200.m4s", "chunk_x.1.m4s", "chunk_1.1000.m4s", "chunk_18446744073709551615.999.m4s",
            "chunk_1.2.3.m4s", "chunk_.1.m4s", "init.m4s",
        ] {
            #expect(LowLatencyHLS.parsePart(bad) == nil, "\(bad)")
        }
    }
}
