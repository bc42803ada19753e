// libFuzzer target: the whole input as a WebRTC offer, which reads or fails with a typed error;
// an offer that reads gets a playback answer for every codec pair, and that answer reads back as
// SDP with one media section per offered one. The same bytes as a DTLS flight are cut into
// datagrams that hold all of them, in order, each within the size unless one record is larger.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebRTC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let offer = try? WebRTCOffer(parsing: String(decoding: bytes, as: UTF8.self)) {
        for (video, audio) in [("H264", "opus"), ("VP8", "ALAW"), ("AV1", "ULAW")] {
            let sections = WebRTCAnswer.playbackSections(
                offer: offer, video: video, audio: audio, h264Profile: bytes.first)
            let answer = WebRTCAnswer(
                sections: sections, iceUsername: "abcd", icePassword: "0123456789012345678901",
                fingerprint: "AA:BB", candidates: [.init(address: "127.0.0.1", port: 9)], streamName: "s")
            guard let parsed = try? SessionDescription(parsing: answer.text) else {
                fatalError("an answer that does not read as SDP")
            }
            if parsed.media.count != offer.media.count { fatalError("an answer with other media sections") }
        }
    }
    let datagrams = DTLSRecords.datagrams(bytes, maximum: 1200)
    if datagrams.flatMap({ $0 }) != bytes { fatalError("DTLS datagrams that lose or reorder bytes") }
    return 0
}
