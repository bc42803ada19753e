import Foundation
import MistData
import Testing

/// MistProcLivepeer against a stand-in for Livepeer's API and broadcasters that transcodes with
/// ffmpeg: renditions come back as tracks of the stream and play, and a segment refused with
/// 422 fires LIVEPEER_SEGMENT_REJECTED with MistServer's payload.
@Suite struct LivepeerProcessTests {
    /// The `live` stream's video tracks from `json_`: "WIDTHxHEIGHT" → lastms.
    static func videoSizes(_ port: Int) -> [String: Int64] { StreamProcessTests.videoLast(port, "live") }

    /// Each upload the stand-in saw, for failure messages.
    static func summary(_ standIn: LivepeerStandIn) -> String {
        standIn.uploads.map { "\($0.broadcaster)/\($0.number): \($0.status)" }.joined(separator: ", ")
    }

    @Test(.enabled(if: MediaTools.available)) func renditionsFromTheBroadcasterBecomeTracksThatPlay() throws {
        let folder = try MediaTools.temporaryFolder("livepeer")
        defer { try? FileManager.default.removeItem(at: folder) }
        let standIn = try LivepeerStandIn(folder: folder)
        let process =
            #", "processes": [{"process": "Livepeer", "access_token": "s3cret", "custom_url": "\#(standIn.api)", "#
            + #""target_profiles": [{"name": "P180", "bitrate": 300000, "height": 180}, "#
            + #"{"name": "P144", "bitrate": 200000, "width": 256}]}]"#
        let suite = try LivePushSuite(folder: folder, pushSeconds: 90, liveExtra: process)
        defer { suite.stop() }
        let port = suite.httpPort
        // Heights are cut to multiples of 16, as MistServer asks Livepeer for them.
        #expect(
            waitFor(seconds: 40) { Set(Self.videoSizes(port).keys) == ["640x360", "320x176", "256x144"] },
            "\(Self.videoSizes(port)) \(Self.summary(standIn)) \(suite.controller.log.suffix(3000))")

        // The API saw the token, and the transcode request carried the completed profiles.
        let requests = standIn.apiRequests
        #expect(requests.map(\.path) == ["/api/broadcaster", "/api/stream"], "\(requests.map(\.path))")
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer s3cret" })
        let transcode = try JSONParser.parse(requests.last?.body ?? "")
        #expect(transcode["name"] == "live")
        let first = transcode["profiles"][0]
        #expect(first["name"] == "P180" && first["width"] == 320 && first["height"] == 176, "\(transcode)")
        #expect(first["fps"] == 25000 && first["fpsDen"] == 1000 && first["gop"] == "0.0", "\(transcode)")
        #expect(first["profile"] == "H264High" && transcode["profiles"][1]["height"] == 144, "\(transcode)")

        // Segments go in order to one broadcaster of the list, as MistServer sends them.
        #expect(waitFor(seconds: 20) { standIn.uploads.count >= 3 }, "\(Self.summary(standIn))")
        let uploads = standIn.uploads.sorted { $0.number < $1.number }
        #expect(uploads.count >= 3 && uploads.allSatisfy { $0.id == "standin-1" && $0.status == 200 })
        #expect(Set(uploads.map(\.broadcaster)).count == 1)
        #expect(uploads.map(\.number) == Array(0..<UInt64(uploads.count)), "\(uploads.map(\.number))")
        for upload in uploads {
            #expect(upload.headers["accept"] == "multipart/mixed")
            #expect(upload.headers["content-resolution"] == "640x360")
            // The push has a keyframe every two seconds: segments end at the first one after a second.
            #expect(upload.headers["content-duration"] == "2000", "\(upload.headers)")
            #expect(upload.body.first == 0x47 && upload.body.count % 188 == 0)
            #expect(upload.headers["livepeer-transcode-configuration"] == nil)
        }
        #expect(uploads.dropFirst().allSatisfy { $0.headers["cookie"] == "standin=\(standIn.port)" })

        // A rendition plays cleanly, and follows the source's clock.
        let probed = try MediaTools.probe(
            "http://127.0.0.1:\(port)/live.ts?video=320x176&audio=none",
            arguments: ["-read_intervals", "%+2", "-show_streams"])
        #expect(probed["streams"][0]["width"] == 320 && probed["streams"][0]["height"] == 176, "\(probed)")
        let (status, errors) = try StreamProcessTests.decode(port, "video=256x144", folder: folder, name: "decode")
        #expect(status == 0 && errors.isEmpty, "\(errors)")
        let sizes = Self.videoSizes(port)
        let behind = (sizes["640x360"] ?? 0) - (sizes["320x176"] ?? 0)
        #expect(behind >= 0 && behind < 10_000, "\(sizes)")

        // proc_list shows the transcode with MistServer's Livepeer counters.
        var listed: JSONValue = .null
        #expect(
            waitFor(seconds: 15) {
                listed = (try? suite.controller.call(#"{"proc_list": "live"}"#))?["proc_list"] ?? .null
                return listed.objectValue?.first(where: { _ in true })?.value["ainfo"]["lp_id"] == "standin-1"
            }, "\(listed)")
        let entry = listed.objectValue?.first(where: { _ in true })?.value ?? .null
        #expect(entry["process"] == "Livepeer" && entry["sink"] == "live", "\(entry)")
        #expect(entry["ainfo"]["bc"].asString.hasPrefix(standIn.broadcaster("b")), "\(entry)")
        #expect(entry["ainfo"]["fail_non200"] == 0 && entry["ainfo"]["switches"] == 0, "\(entry)")
    }

    @Test(.enabled(if: MediaTools.available)) func aRejectedSegmentFiresLivepeerSegmentRejected() throws {
        let folder = try MediaTools.temporaryFolder("livepeer-reject")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Segment 2 is refused everywhere; every other segment is transcoded.
        let standIn = try LivepeerStandIn(folder: folder) { _, number in number == 2 }
        let recorder = try TriggerRecorder { _ in "" }
        let (b1, b2, b3) = (standIn.broadcaster("b1"), standIn.broadcaster("b2"), standIn.broadcaster("b3"))
        // Two processes: one that may switch between two broadcasters, one with a single broadcaster.
        let process =
            #", "processes": [{"process": "Livepeer", "hardcoded_broadcasters": "[\"\#(b1)\", \"\#(b2)\"]", "#
            + #""target_profiles": [{"name": "P180", "bitrate": 300000, "height": 180}]}, "#
            + #"{"process": "Livepeer", "hardcoded_broadcasters": "\#(b3)", "#
            + #""target_profiles": [{"name": "P144", "bitrate": 200000, "height": 144}]}]"#
        let settings =
            #", "triggers": {"LIVEPEER_SEGMENT_REJECTED": [{"handler": "\#(recorder.url)", "sync": false}]}"#
        let suite = try LivePushSuite(folder: folder, pushSeconds: 90, liveExtra: process, settings: settings)
        defer { suite.stop() }
        let port = suite.httpPort
        #expect(
            waitFor(seconds: 60) { recorder.calls("LIVEPEER_SEGMENT_REJECTED").count >= 2 },
            "\(Self.summary(standIn)) \(suite.controller.log.suffix(3000))")
        let calls = recorder.calls("LIVEPEER_SEGMENT_REJECTED")
        #expect(calls.count == 2)
        let refused = standIn.uploads.filter { $0.status == 422 }
        for call in calls {
            let lines = call.lines
            #expect(lines.count == 5, "\(lines.map { $0.prefix(80) })")
            guard lines.count == 5 else { continue }
            // 1: the process configuration, its profiles completed.
            let config = try JSONParser.parse(lines[0])
            #expect(config["process"] == "Livepeer" && config["source"] == "live", "\(config)")
            let profile = config["target_profiles"][0]
            #expect(profile["width"].intValue != nil && profile["fps"] == 25000 && profile["gop"] == "0.0")
            // The transcode id the process uploads under, from the first broadcaster's URL.
            let id = lines[3].split(separator: "/").dropLast().last.map(String.init) ?? "?"
            #expect(id.hasPrefix("live-") && id.count == 13, "\(id)")
            // 2: the segment itself, exactly as it was uploaded.
            let segment = Base64.decode(lines[1]) ?? []
            #expect(segment.first == 0x47 && segment.count % 188 == 0)
            let uploaded = refused.filter { $0.id == id }
            #expect(!uploaded.isEmpty && uploaded.allSatisfy { $0.number == 2 && $0.body == segment })
            // 3: the source's size and the segment's duration.
            let info = try JSONParser.parse(lines[2])
            #expect(info == ["duration": 2000, "height": 360, "width": 640], "\(lines[2])")
            #expect(uploaded.first?.headers["content-duration"] == "2000")
            // 4 and 5: the broadcasters that refused it.
            if profile["name"] == "P180" {
                #expect(Set(lines[3...4]) == ["\(b1)/live/\(id)/2.ts", "\(b2)/live/\(id)/2.ts"], "\(lines[3...4])")
                #expect(uploaded.count == 2)
            } else {
                #expect(lines[3] == "\(b3)/live/\(id)/2.ts" && lines[4] == "N/A", "\(lines[3...4])")
                #expect(uploaded.count == 1)
            }
        }
        // Both went on with the next segments: their renditions keep growing.
        let before = Self.videoSizes(port)
        #expect(
            waitFor(seconds: 30) {
                let now = Self.videoSizes(port)
                return ["320x176", "256x144"].allSatisfy { (now[$0] ?? 0) > (before[$0] ?? 0) + 3000 }
            }, "\(before) → \(Self.videoSizes(port))")
        // Without a token, the profiles travel with each segment.
        let sent = standIn.uploads.first { $0.broadcaster != "b3" }?.headers["livepeer-transcode-configuration"]
        let configuration = try JSONParser.parse(sent ?? "")
        #expect(configuration["profiles"][0]["name"] == "P180" && configuration["profiles"][0]["height"] == 176)
    }

    @Test(.enabled(if: MediaTools.available)) func aLivepeerProcessFeedingAnotherStreamGoesOnFromTheFallback() throws {
        let folder = try MediaTools.temporaryFolder("livepeer-switch")
        defer { try? FileManager.default.removeItem(at: folder) }
        let standIn = try LivepeerStandIn(folder: folder)
        let live =
            #", "fallback_stream": "backup", "processes": [{"process": "Livepeer", "sink": "out", "#
            + #""hardcoded_broadcasters": "\#(standIn.broadcaster("b1"))", "#
            + #""target_profiles": [{"name": "P144", "bitrate": 200000, "height": 144}]}]"#
        let suite = try LivePushSuite(
            folder: folder, files: ["out": "push://", "backup": "push://"], pushSeconds: 120, liveExtra: live)
        defer { suite.stop() }
        let port = suite.httpPort
        let backup = try MediaTools.pushTestPattern(
            to: "rtmp://127.0.0.1:\(suite.rtmpPort)/live/backup", seconds: 120,
            log: folder.appendingPathComponent("backup.log"))
        defer { BoundedWait.stop(backup) }
        func rendition() -> Int64 { StreamProcessTests.videoLast(port, "out")["256x144"] ?? 0 }
        #expect(waitFor(seconds: 40) { rendition() > 3000 }, "\(Self.summary(standIn))")

        // `live` ends; with no handler the process takes its fallback, and `out` goes on.
        BoundedWait.stop(suite.push)
        #expect(
            waitFor(seconds: 40) { suite.controller.log.contains("Switching the Livepeer process into out") },
            "\(suite.controller.log.suffix(3000))")
        let switchedAt = rendition()
        #expect(
            waitFor(seconds: 30) { rendition() > switchedAt + 5000 },
            "\(switchedAt) \(rendition()) \(Self.summary(standIn))")
        // One transcode, its segments numbered on across the switch.
        let numbers = standIn.uploads.map(\.number).sorted()
        #expect(Set(standIn.uploads.map(\.id)).count == 1)
        #expect(numbers == Array(0..<UInt64(numbers.count)), "\(numbers)")
        #expect(StreamProcessTests.videoLast(port, "out").count == 1)
    }
}
