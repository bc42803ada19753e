import Foundation
import MistData
import Testing

/// WebRTC playback with a stack no one here wrote: Debian's aiortc as a WHEP viewer of an RTMP
/// push (30 fps), against MistOutWebRTC's port and MistOutHTTP's, every address on loopback.
@Suite(.serialized) struct WebRTCEndToEndTests {
    /// Runs the aiortc WHEP viewer for `seconds` and returns what it printed.
    static func view(_ url: String, seconds: Int, arguments: [String] = [], folder: URL, name: String) throws
        -> JSONValue
    {
        try PythonPeer("whep_client.py", [url, String(seconds)] + arguments, folder: folder, name: name)
            .result(seconds: Double(seconds) + 60, "the aiortc WHEP viewer")
    }

    /// The codecs of a stream's tracks, from its json_.
    static func codecs(_ port: Int, _ stream: String) -> Set<String> {
        guard let body = try? HTTPTestClient(port: port).get("/json_\(stream).js").body,
            let tracks = (try? JSONParser.parse(body))?["meta"]["tracks"].objectValue
        else { return [] }
        return Set(tracks.map { $0.value["codec"].asString })
    }

    /// Frames per second over what arrived after the first frame.
    static func rate(_ kind: JSONValue) -> Double {
        let span = kind["span"].doubleValue ?? 0
        return span > 0 ? Double(kind["frames"].intValue ?? 0) / span : 0
    }

    @Test(.enabled(if: MediaTools.available)) func aiortcPlaysAnRTMPPushOverWHEP() throws {
        let folder = try MediaTools.temporaryFolder("webrtc")
        defer { try? FileManager.default.removeItem(at: folder) }
        let webRTCPort = ControllerHarness.freePort()
        // AAC has no WebRTC payload: an Opus rendition made by a stream process carries the audio.
        let suite = try LivePushSuite(
            folder: folder, pushSeconds: 120,
            liveExtra: #", "processes": [{"process": "FFMPEG", "x-LSP-kind": "audio", "codec": "opus"}]"#,
            protocols:
                #", {"connector": "WebRTC", "port": \#(webRTCPort), "interface": "127.0.0.1", "iceservers": [{"urls": "stun:127.0.0.1:3478"}]}"#,
            rate: 30)
        defer { suite.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(webRTCPort) })
        let http = suite.httpPort
        #expect(
            waitFor(seconds: 30) {
                Self.codecs(http, "live").contains("opus")
            })

        // json_ offers WebRTC (WHEP on the HTTP port) in MistServer's shape.
        let info = try JSONParser.parse(try HTTPTestClient(port: http).get("/json_live.js").body)
        let whep = info["source"].arrayValue?.first { $0["type"] == "whep" }
        #expect(whep?["url"].asString.hasPrefix("http://localhost/webrtc/live") == true, "\(info["source"])")
        #expect(whep?["hrn"].asString == "WebRTC with WHEP signalling")
        #expect(whep?["simul_tracks"].intValue == 2)
        let webrtc = info["source"].arrayValue?.first { $0["type"] == "webrtc" }
        #expect(webrtc?["url"].asString.hasPrefix("ws://localhost/webrtc/live") == true, "\(info["source"])")
        // The connector's ICE servers: in json_ for players (as MistServer's), and as RFC 9725's
        // Link header to an OPTIONS request.
        #expect(whep?["RTCIceServers"] == [["urls": "stun:127.0.0.1:3478"]], "\(whep ?? .null)")
        let options = try HTTPTestClient(port: webRTCPort).request(
            "OPTIONS /whep/live HTTP/1.1\r\nHost: x\r\n\r\n", bodyless: true)
        #expect(options.headers["link"] == #"<stun:127.0.0.1:3478>; rel="ice-server""#, "\(options.headers)")

        // MistServer's WebSocket signalling on the same URL: its error for what is not handled,
        // and an answer to an H.264 offer.
        let socket = try WebSocketTestClient(port: webRTCPort, path: "/webrtc/live")
        try socket.send(json: ["type": "video_bitrate", "video_bitrate": 1000])
        let unhandled = try socket.next(type: "on_error")
        #expect(unhandled?["message"].asString == "Unhandled command type: video_bitrate", "\(unhandled ?? .null)")
        try socket.send(json: ["type": "offer_sdp", "offer_sdp": .string(Self.h264Offer)])
        let answered = try socket.next(type: "on_answer_sdp")
        #expect(answered?["result"] == true, "\(answered ?? .null)")
        #expect(answered?["answer_sdp"].asString.contains("a=ice-lite") == true)
        socket.close()

        // 12 s of video and Opus audio from MistOutWebRTC's own port.
        let viewed = try Self.view(
            "http://127.0.0.1:\(webRTCPort)/whep/live?audio=opus", seconds: 12, folder: folder, name: "whep")
        #expect(viewed["status"].intValue == 201, "\(viewed)")
        #expect(viewed["location"].asString.hasPrefix("/whep/live/"))
        #expect(viewed["answer"].asString.contains("a=ice-lite"))
        #expect(viewed["answer"].asString.contains("a=candidate:1 1 udp 2130706431 127.0.0.1 "))
        #expect(viewed["width"].intValue == 640 && viewed["height"].intValue == 360)
        #expect(viewed["video"]["span"].doubleValue ?? 0 >= 10, "\(viewed)")
        #expect(Self.rate(viewed["video"]) >= 25, "\(viewed)")
        #expect(viewed["audio"]["frames"].intValue ?? 0 >= 400, "\(viewed)")
        #expect(viewed["delete"].intValue == 200)

        // The URL json_ gives, on the HTTP port; the AAC-only choice leaves audio out.
        let overHTTP = try Self.view(
            "http://127.0.0.1:\(http)/webrtc/live?audio=none", seconds: 5, folder: folder, name: "http")
        #expect(overHTTP["status"].intValue == 201, "\(overHTTP)")
        #expect(overHTTP["video"]["frames"].intValue ?? 0 >= 100, "\(overHTTP)")
        #expect(overHTTP["answer"].asString.contains("m=audio 0 "))

        // Offers that cannot be answered get clear refusals, and the server goes on.
        let client = try HTTPTestClient(port: webRTCPort)
        #expect(try client.post("/whep/live", body: "v=0\r\nbogus", contentType: "application/sdp").status == 400)
        #expect(try client.post("/whep/live", body: "{}", contentType: "application/json").status == 415)
        #expect(try client.request("DELETE /whep/live/0123456789abcdef HTTP/1.1\r\nHost: x\r\n\r\n").status == 404)
        let noCodec = try client.post("/whep/live", body: Self.vp8OnlyOffer, contentType: "application/sdp")
        #expect(noCodec.status == 406, "\(noCodec.text)")
        #expect(
            try client.post("/whep/nosuchstream", body: Self.vp8OnlyOffer, contentType: "application/sdp").status == 404
        )

        // 5 % of the video's packets dropped on the way: NACKs bring them back and the video
        // keeps its rate.
        let lossy = try Self.view(
            "http://127.0.0.1:\(webRTCPort)/whep/live", seconds: 12, arguments: ["--no-audio", "--drop", "0.05"],
            folder: folder, name: "lossy")
        let dropped = lossy["dropped"].intValue ?? 0
        let recovered = lossy["recovered"].intValue ?? 0
        #expect(dropped >= 50, "\(lossy)")
        #expect(Double(recovered) >= Double(dropped) * 0.9, "\(lossy)")
        #expect(Self.rate(lossy["video"]) >= 25, "\(lossy)")
    }

    /// aiortc publishes over WHIP (video showing the wall clock, Opus audio), H.264 or, when the
    /// connector prefers it (`preferredvideocodec`), VP8: the stream plays in ffprobe (over
    /// HTTP-TS, or WebM for VP8) and back over WHEP in aiortc in the same codec, with audio, the
    /// clock read back from the frames.
    @Test(.enabled(if: MediaTools.available), arguments: ["H264", "VP8"])
    func aiortcPublishesOverWHIPAndPlaysBackOverWHEP(codec: String) throws {
        let folder = try MediaTools.temporaryFolder("whip")
        defer { try? FileManager.default.removeItem(at: folder) }
        let webRTCPort = ControllerHarness.freePort()
        let suite = try LivePushSuite(
            folder: folder, files: ["in": "push://"], pushSeconds: 60,
            protocols:
                #", {"connector": "WebRTC", "port": \#(webRTCPort), "interface": "127.0.0.1", "preferredvideocodec": "\#(codec),H264"}"#
        )
        defer { suite.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(webRTCPort) })
        let http = suite.httpPort

        // A viewer's offer has nothing to publish.
        let client = try HTTPTestClient(port: webRTCPort)
        #expect(try client.post("/whip/in", body: Self.vp8OnlyOffer, contentType: "application/sdp").status == 406)

        let publisher = try PythonPeer(
            "whip_client.py", ["http://127.0.0.1:\(webRTCPort)/whip/in", "30"], folder: folder, name: "whip")
        defer { publisher.stop() }
        #expect(waitFor(seconds: 30) { Self.codecs(http, "in") == [codec, "opus"] }, "\(Self.codecs(http, "in"))")

        let probed = try MediaTools.probe(
            "http://127.0.0.1:\(http)/in.\(codec == "VP8" ? "webm" : "ts")", arguments: ["-show_streams"])
        let streams = probed["streams"].arrayValue ?? []
        #expect(
            streams.contains {
                $0["codec_name"].asString == codec.lowercased() && $0["width"].intValue == 640
                    && $0["height"].intValue == 360
            }, "\(probed)")
        #expect(streams.contains { $0["codec_name"] == "opus" }, "\(probed)")

        let viewed = try Self.view(
            "http://127.0.0.1:\(webRTCPort)/whep/in", seconds: 10, arguments: ["--clock"], folder: folder,
            name: "whep-in")
        #expect(viewed["status"].intValue == 201, "\(viewed)")
        #expect(viewed["answer"].asString.contains(" \(codec)/90000"), "\(viewed["answer"])")
        #expect(Self.rate(viewed["video"]) >= 25, "\(viewed)")
        #expect(viewed["audio"]["frames"].intValue ?? 0 >= 300, "\(viewed)")
        // The clock drawn by the publisher reads back from the played frames, so the pixels went
        // through intact; how late they arrive is measured by `make bench`, not under a test's load.
        let latency = viewed["latency"]
        #expect(latency["count"].intValue ?? 0 >= 150, "\(viewed)")

        let result = publisher.result(seconds: 60, "the aiortc WHIP publisher")
        #expect(result["status"].intValue == 201 && result["delete"].intValue == 200, "\(result)")
        #expect(result["location"].asString.hasPrefix("/whip/in/"))
    }

    /// MistOutWebRTC pushes to WHIP servers (`whip://`, as MistServer's): to our own, whose copy
    /// of the stream plays over HTTP-TS in ffprobe, and to one on aiortc, which is given the
    /// Bearer token from `?auth=`, decodes the H.264 at the stream's rate, and gets the DELETE
    /// that ends the session when the push stops.
    @Test(.enabled(if: MediaTools.available)) func pushesToWHIPServers() throws {
        let folder = try MediaTools.temporaryFolder("whip-push")
        defer { try? FileManager.default.removeItem(at: folder) }
        let webRTCPort = ControllerHarness.freePort()
        let whipPort = ControllerHarness.freePort()
        let suite = try LivePushSuite(
            folder: folder, files: ["copy": "push://"], pushSeconds: 90,
            protocols: #", {"connector": "WebRTC", "port": \#(webRTCPort), "interface": "127.0.0.1"}"#, rate: 30)
        defer { suite.stop() }
        let controller = suite.controller
        #expect(RTMPEndToEndTests.waitForActive(controller, "live"))
        #expect(waitFor { ControllerHarness.portAccepts(webRTCPort) })

        let server = try PythonPeer(
            "whip_server.py", [String(whipPort), "8", "secret"], folder: folder, name: "whip-server")
        defer { server.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(whipPort) })

        for target in [
            "whip://127.0.0.1:\(whipPort)/whip/in?auth=secret", "whip://127.0.0.1:\(webRTCPort)/whip/copy",
        ] {
            let reply = try controller.call("{\"push_start\": [\"live\", \"\(target)\"]}")
            #expect(!reply.hasMember("error"), "\(target): \(reply)")
        }
        // Our own WHIP endpoint takes the push into the stream `copy`.
        #expect(RTMPEndToEndTests.waitForActive(controller, "copy"))
        #expect(waitFor(seconds: 30) { Self.codecs(suite.httpPort, "copy") == ["H264"] })
        let probed = try MediaTools.probe("http://127.0.0.1:\(suite.httpPort)/copy.ts", arguments: ["-show_streams"])
        #expect(
            probed["streams"].arrayValue?.contains { $0["codec_name"] == "h264" && $0["width"].intValue == 640 }
                == true,
            "\(probed)")
        let list = try controller.call(#"{"push_list": true}"#)["push_list"].arrayValue ?? []
        #expect(list.filter { $0[2].asString.hasPrefix("whip://") }.count == 2, "\(list)")

        // aiortc counts for 8 s after its first frame; then the pushes stop.
        Thread.sleep(forTimeInterval: 14)
        _ = try controller.call(#"{"push_stop": "live"}"#)
        let result = server.result(seconds: 60, "the aiortc WHIP server")
        guard !result.isNull else { return }
        #expect(result["offers"].intValue == 1 && result["authorized"].asBool, "\(result)")
        #expect(result["contentType"] == "application/sdp", "\(result)")
        #expect(result["codecs"].arrayValue?.contains { $0.asString.hasPrefix("H264/90000") } == true, "\(result)")
        let counted = result["counted"]
        let span = counted["span"].doubleValue ?? 0
        #expect(span > 0 && Double(counted["video"].intValue ?? 0) / span >= 25, "\(result)")
        #expect(counted["width"].intValue == 640 && counted["height"].intValue == 360, "\(result)")
        #expect(result["deleted"].asBool, "\(result)")
    }

    /// An offer that takes H.264 video only (answered, never connected).
    static let h264Offer = vp8OnlyOffer.replacing(
        "97 VP8/90000", with: "97 H264/90000\r\na=fmtp:97 packetization-mode=1")

    /// An offer that takes VP8 video only (an H.264 stream has nothing for it).
    static let vp8OnlyOffer =
        [
            "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "m=video 9 UDP/TLS/RTP/SAVPF 97", "c=IN IP4 0.0.0.0",
            "a=recvonly", "a=mid:0", "a=rtcp-mux", "a=rtpmap:97 VP8/90000", "a=ice-ufrag:abcd",
            "a=ice-pwd:0123456789012345678901",
            "a=fingerprint:sha-256 5E:6F:5C:72:C1:19:D0:AE:41:51:1C:F7:AC:46:06:D7:9B:57:40:08:7C:34:37:71:DC:DD:96:72:01:1C:AA:53",
            "a=setup:actpass",
        ].joined(separator: "\r\n") + "\r\n"
}

/// Headless Chromium with WebRTC: `/player.js` picks WHEP for a live stream by itself and its
/// `<video>` advances; Chromium publishes VP9 or AV1 over WHIP and plays it back over WHEP.
@Suite(.serialized) struct WebRTCBrowserTests {
    @Test(.enabled(if: MediaTools.available)) func chromiumPlaysALiveStreamOverWHEPThroughPlayerJS() throws {
        let folder = try MediaTools.temporaryFolder("webrtc-browser")
        defer { try? FileManager.default.removeItem(at: folder) }
        let webRTCPort = ControllerHarness.freePort()
        let suite = try LivePushSuite(
            folder: folder, pushSeconds: 90,
            protocols: #", {"connector": "WebRTC", "port": \#(webRTCPort), "interface": "127.0.0.1"}"#)
        defer { suite.stop() }
        let played = try BrowserHarness.play(
            base: "http://127.0.0.1:\(suite.httpPort)", stream: "live", forceType: "", seconds: 30, folder: folder,
            name: "whep")
        #expect(played.player == "whep" && played.type == "whep", "\(played.log)")
        #expect(played.firstTime >= 0 && played.lastTime > played.firstTime + 1, "\(played.log)")
        #expect(played.message.isEmpty, "\(played.message)")
    }

    /// Chromium's fake camera and microphone, published over WHIP in `codec` (the connector
    /// prefers it): the stream's track is `codec` with its size and Opus, ffprobe reads it from
    /// Matroska, and Chromium plays it back over WHEP in the same codec, frames decoded with audio.
    @Test(.enabled(if: MediaTools.available), arguments: ["VP9", "AV1"])
    func chromiumPublishesOverWHIPAndPlaysBackOverWHEP(codec: String) throws {
        let folder = try MediaTools.temporaryFolder("webrtc-\(codec)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let webRTCPort = ControllerHarness.freePort()
        let suite = try LivePushSuite(
            folder: folder, files: ["in": "push://"], pushSeconds: 60,
            protocols:
                #", {"connector": "WebRTC", "port": \#(webRTCPort), "interface": "127.0.0.1", "preferredvideocodec": "\#(codec)"}"#
        )
        defer { suite.stop() }
        #expect(waitFor { ControllerHarness.portAccepts(webRTCPort) })
        let base = "http://127.0.0.1:\(webRTCPort)"
        let browser = try PythonPeer(
            "browser_webrtc.py",
            [
                base + "/", base + "/whip/in", base + "/whep/in", codec, "12",
                folder.appendingPathComponent("chromium").path,
            ], folder: folder, name: "browser")
        defer { browser.stop() }

        let http = suite.httpPort
        #expect(
            waitFor(seconds: 40) { WebRTCEndToEndTests.codecs(http, "in") == [codec, "opus"] },
            "\(WebRTCEndToEndTests.codecs(http, "in"))")
        let probed = try MediaTools.probe("http://127.0.0.1:\(http)/in.mkv", arguments: ["-show_streams"])
        let streams = probed["streams"].arrayValue ?? []
        #expect(
            streams.contains { $0["codec_name"].asString == codec.lowercased() && ($0["width"].intValue ?? 0) > 0 },
            "\(probed)")
        #expect(streams.contains { $0["codec_name"] == "opus" }, "\(probed)")

        let result = browser.result(seconds: 120, "headless Chromium")
        guard !result.isNull else { return }
        let text = browser.logText
        #expect(result["publish"]["status"].intValue == 201, "\(result["publish"]) \(text)")
        #expect(result["view"]["status"].intValue == 201, "\(result["view"]) \(text)")
        let viewed = result["viewed"]
        #expect(viewed["codec"].asString == "video/\(codec)", "\(result)")
        #expect(viewed["connection"] == "connected", "\(result)")
        // Chromium lowers its sending rate and size under load; frames must keep coming, decoded.
        #expect((viewed["framesDecoded"].intValue ?? 0) >= 60, "\(result)")
        #expect((viewed["rate"].doubleValue ?? 0) >= 5, "\(result)")
        #expect((viewed["keyFramesDecoded"].intValue ?? 0) >= 1, "\(result)")
        #expect((viewed["width"].intValue ?? 0) > 0 && (viewed["videoWidth"].intValue ?? 0) > 0, "\(result)")
        #expect(viewed["audioCodec"].asString.lowercased() == "audio/opus", "\(result)")
        #expect((viewed["audioSamples"].intValue ?? 0) > 48000, "\(result)")
        #expect(result["published"]["codec"].asString == "video/\(codec)", "\(result)")
        #expect(result["deleteViewer"].intValue == 200 && result["deletePublisher"].intValue == 200, "\(result)")
    }
}
