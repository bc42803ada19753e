import Foundation
import MistData
import Testing

/// MistOutHTTP's request handling around the media: Range and HEAD, start/stop windows, the
/// player script, the single-format binaries, and clients that misbehave.
@Suite(.serialized) struct HTTPServingTests {
    /// An 8 s file stream (GOP 2 s) behind a controller with MistOutHTTP.
    static func fileServer(_ prefix: String) throws -> (ControllerHarness, Int, URL) {
        let httpPort = ControllerHarness.freePort()
        let folder = try MediaTools.temporaryFolder(prefix)
        let flv = folder.appendingPathComponent("source.flv")
        try MediaTools.makeTestFile(flv, seconds: 8)
        let file = folder.appendingPathComponent("movie.dtsc")
        try RTMPEndToEndTests.dtscFile(fromFLV: flv, to: file)
        let controller = try ControllerHarness(
            config: """
                {"config": {"protocols": [{"connector": "HTTP", "port": \(httpPort), "interface": "127.0.0.1"}]},
                 "streams": {"movie": {"name": "movie", "source": "\(file.path)"}}}
                """)
        #expect(waitFor { ControllerHarness.portAccepts(httpPort) })
        return (controller, httpPort, folder)
    }

    @Test(.enabled(if: MediaTools.available)) func rangesHeadAndWindowsOnAFile() throws {
        let (controller, httpPort, folder) = try Self.fileServer("httpranges")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = controller

        // A client that starts a request and never finishes it gets 408 after 10 s; meanwhile
        // everyone else is served.
        let stalled = try TCPTestClient(port: UInt16(httpPort))
        try stalled.write(Array("GET /movie.ts HTTP/1.1\r\nHost: x\r\nX-Slow:".utf8))
        let stalledSince = Date()

        let client = try HTTPTestClient(port: httpPort)
        let full = try client.get("/movie.mp4")
        #expect(full.status == 200 && full.headers["accept-ranges"] == "bytes")
        let length = full.body.count
        #expect(length > 100_000 && full.headers["content-length"] == String(length))
        // HEAD: the same head, no body; the connection stays usable.
        let head = try client.head("/movie.mp4")
        #expect(head.status == 200 && head.headers["content-length"] == String(length) && head.body.isEmpty)
        for (range, expected) in [
            ("bytes=0-99", 0...99),
            ("bytes=\(length / 2)-\(length / 2 + 65_535)", (length / 2)...(length / 2 + 65_535)),
            ("bytes=-500", (length - 500)...(length - 1)), ("bytes=\(length - 10)-", (length - 10)...(length - 1)),
        ] {
            let part = try client.get("/movie.mp4", headers: ["Range": range])
            #expect(part.status == 206, "\(range)")
            #expect(part.headers["content-range"] == "bytes \(expected.lowerBound)-\(expected.upperBound)/\(length)")
            #expect(part.body == Array(full.body[expected]), "\(range)")
        }
        let beyond = try client.get("/movie.mp4", headers: ["Range": "bytes=\(length)-"])
        #expect(beyond.status == 416 && beyond.headers["content-range"] == "bytes */\(length)")
        // A browser's preflight, and CORS on what it then asks for.
        let preflight = try client.request("OPTIONS /movie.mp4 HTTP/1.1\r\nHost: x\r\nOrigin: http://page\r\n\r\n")
        #expect(preflight.status == 200 && preflight.headers["access-control-allow-methods"]?.contains("GET") == true)
        #expect(
            full.headers["access-control-allow-origin"] == "*" && full.headers["access-control-expose-headers"] == "*")
        let infoHead = try client.head("/json_movie.js")
        #expect(infoHead.status == 200 && infoHead.headers["content-type"] == "application/json")
        #expect(try client.get("/json_movie.js").json()["type"] == "vod")

        // start=/stop= windows (stream time in ms; the file's frames are at 21 ms + n * 40 ms and
        // its keyframes every 2 s). Playback starts at the keyframe before start, as MistServer's
        // does, and ends with the last frame at or before stop: TS of 2.021 s to 4.981 s (75
        // frames); MP4 of 4.021 s to 7.061 s (77 frames: start 4100 plus 3 s).
        let window = folder.appendingPathComponent("window.ts")
        let windowReader = try MediaTools.ffmpeg(
            [
                "-i", "http://127.0.0.1:\(httpPort)/movie.ts?start=2100&stop=5000", "-c", "copy", "-f", "mpegts",
                window.path,
            ],
            log: folder.appendingPathComponent("window.log"))
        #expect(RTMPEndToEndTests.finish(windowReader, seconds: 30))
        let windowVideo = try #require(try MediaTools.report(window.path)["video"])
        #expect(windowVideo.pts.count == 75, "\(windowVideo.pts.count) frames")
        let windowLength = (windowVideo.dts.last ?? 0) - (windowVideo.dts.first ?? 0)
        #expect(abs(windowLength - 2.96) < 0.01, "lasts \(windowLength) s")
        // A new connection: under load the ffmpeg run above can outlast the 30 s a keep-alive
        // connection may idle, and the server rightly closes `client`'s.
        let clip = try HTTPTestClient(port: httpPort).get("/movie.mp4?start=4100&duration=3")
        let clipFile = folder.appendingPathComponent("clip.mp4")
        try Data(clip.body).write(to: clipFile)
        let clipVideo = try #require(try MediaTools.report(clipFile.path)["video"])
        #expect(clipVideo.pts.count == 77, "\(clipVideo.pts.count) frames")

        // Path tricks reach nothing: stream names are sanitised and no file is read from disk.
        for path in [
            "/../../etc/passwd", "/..%2F..%2Fetc%2Fpasswd.ts", "/hls/../../etc/passwd", "/hls/..%2F..%2Fetc/index.m3u8",
            "/json_..%2F..%2Fetc%2Fpasswd.js",
        ] {
            let response = try HTTPTestClient(port: httpPort).get(path)
            #expect(!response.text.contains("root:"), "\(path)")
            #expect(response.status == 404 || response.text.contains("offline"), "\(path): \(response.status)")
        }
        // A wildcard name full of markup stays text in the player page, the embed and info scripts.
        let markup = "x+%3C%2Fscript%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%27%22%0A"
        // (A name with a slash is not a page name, so the page gets one without.)
        let page = try HTTPTestClient(port: httpPort).get("/x+%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%27%22.html").text
        #expect(
            !page.contains("<img") && page.contains("<title>x+&lt;img src=x onerror=alert(1)&gt;&#39;&quot;</title>"))
        #expect(page.contains("mistPlay(\"x+\\u003cimg src=x onerror=alert(1)\\u003e\\u0027\\u0022\""), "\(page)")
        #expect(page.contains("src=\"/hls/x+%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%27%22/index.m3u8\""))
        let embed = try HTTPTestClient(port: httpPort).get("/embed_\(markup).js").text
        #expect(!embed.contains("<img") && !embed.contains("\"x+<"), "\(embed)")
        #expect(
            embed.contains(
                "container.id = \"x+\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e\\u0027\\u0022\";"))
        let info = try HTTPTestClient(port: httpPort).get("/info_\(markup).js").text
        #expect(info.hasPrefix("// Generating info code for stream x+scriptimgsrcxonerroralert1\n"), "\(info)")
        #expect(info.contains("mistvideo['x+\\u003c/script\\u003e") && !info.contains("<img"), "\(info)")

        // Oversized heads get 431 and announced large bodies 413; neither takes the server down.
        let huge = try TCPTestClient(port: UInt16(httpPort))
        try huge.write(Array(("GET /movie.ts HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 70_000)).utf8))
        #expect(String(decoding: try huge.read(timeoutSeconds: 5), as: UTF8.self).hasPrefix("HTTP/1.1 431"))
        let body = try TCPTestClient(port: UInt16(httpPort))
        try body.write(Array("POST /movie.ts HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n".utf8))
        #expect(String(decoding: try body.read(timeoutSeconds: 5), as: UTF8.self).hasPrefix("HTTP/1.1 413"))
        #expect(try HTTPTestClient(port: httpPort).get("/json_movie.js").status == 200)

        let answer = String(decoding: try stalled.read(timeoutSeconds: 15), as: UTF8.self)
        let waited = Date().timeIntervalSince(stalledSince)
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(waited > 9 && waited < 14, "answered after \(waited) s")
    }

    @Test(.enabled(if: MediaTools.available && PlayerHarness.node != nil)) func thePlayerPicksWhatTheBrowserPlays()
        throws
    {
        let (controller, httpPort, folder) = try Self.fileServer("httpplayer")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = controller
        let base = "http://127.0.0.1:\(httpPort)"
        func play(_ stream: String, _ browser: String) throws -> JSONValue {
            let output = try PlayerHarness.run(base: base, stream: stream, browser: browser, seconds: 2, folder: folder)
            // The player logs what it does; the harness's report is the last line.
            let report = output.split(separator: "\n").last.map(String.init) ?? ""
            return try JSONParser.parse(Array(report.utf8))
        }
        // Native HLS where the browser has it; the MP4 file where it only plays MP4.
        let hls = try play("movie", "hls")
        // (Source URLs carry the viewer's token.)
        #expect(
            hls["chosen"]["player"] == "html5" && hls["video"].asString.hasPrefix("\(base)/hls/movie/index.m3u8?tkn="))
        #expect(hls["host"] == .string(base))
        let mp4 = try play("movie", "mp4")
        #expect(mp4["chosen"]["type"] == "html5/video/mp4" && mp4["video"].asString.hasPrefix("\(base)/movie.mp4?tkn="))
        // An unknown stream shows the server's message.
        let offline = try play("nothing", "hls")
        #expect(offline["chosen"].isNull && offline["message"] == "Stream is offline")
        // A browser with neither gets told so rather than a broken player.
        let none = try play("movie", "none")
        #expect(none["message"].asString.hasPrefix("No way to play movie"))

        let client = try HTTPTestClient(port: httpPort)
        let embed = try client.get("/embed_movie.js")
        #expect(embed.headers["content-type"] == "application/javascript; charset=utf-8")
        #expect(embed.text.hasPrefix("if (typeof mistoptions == 'undefined'){mistoptions ={};}\n"))
        #expect(embed.text.hasSuffix("mistPlay(\"movie\",{target:document.getElementById(\"movie\")});\n"))
        let page = try client.get("/movie.html")
        #expect(page.headers["content-type"] == "text/html" && page.text.contains("<script src=\"player.js\">"))
        // A Host header cannot break out of the script's string.
        let hostile = try client.get("/player.js", headers: ["X-Mst-Path": "http://x/'+alert(1)+'"])
        #expect(!hostile.text.contains("'+alert(1)+'") && hostile.text.contains("\\u0027+alert(1)+\\u0027"))
    }

    @Test func eachFormatHasItsOwnBinary() throws {
        for (binary, deps, url) in [
            ("MistOutHLS", "HTTP", "/hls/$/index.m3u8"), ("MistOutHTTPTS", "HTTP", "/$.ts"),
            ("MistOutFLV", "HTTP", "/$.flv"), ("MistOutMP4", "HTTP", "/$.mp4"), ("MistOutCMAF", "HTTP", "/cmaf/$/"),
            ("MistOutEBML", "HTTP", "/$.mkv"),
        ] {
            let capabilities = try JSONParser.parse(BinaryTests.run(binary, ["-j"]).stdout)
            #expect(capabilities["deps"] == .string(deps), "\(binary)")
            #expect(
                capabilities["url_rel"] == .string(url) || capabilities["methods"][0]["url_rel"] == .string(url),
                "\(binary)")
        }
        // Alone on a port, a format binary serves its format and nothing else.
        let port = ControllerHarness.freePort()
        let shm = try MediaTools.temporaryFolder("httpts-shm")
        defer { try? FileManager.default.removeItem(at: shm) }
        let process = Process()
        process.executableURL = BinaryTests.directory.appendingPathComponent("MistOutHTTPTS")
        process.arguments = ["-p", String(port), "-i", "127.0.0.1"]
        process.environment = ["MIST_SHM_FOLDER": shm.path]
        try process.run()
        defer { process.terminate() }
        #expect(waitFor { ControllerHarness.portAccepts(port) })
        let client = try HTTPTestClient(port: port)
        #expect(try client.get("/nothing.ts").text.contains("not available"))
        #expect(try client.get("/nothing.flv").text.hasPrefix("Nothing is served"))
        #expect(try client.get("/json_nothing.js").status == 404)
    }
}
