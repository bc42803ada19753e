import MistData
import Testing

@testable import MistOutput

/// The stream processes' options as MistServer names them, and the ffmpeg command an FFMPEG
/// entry becomes.
@Suite struct StreamProcessOptionsTests {
    @Test func capabilitiesCarryMistServersOptionNames() {
        let ffmpeg = FFmpegProcessCapabilities.declaration.json(version: "3.10")
        #expect(Set(ffmpeg["required"].objectValue?.keys.map { $0 } ?? []) == ["x-LSP-kind", "codec"])
        let optional = Set(ffmpeg["optional"].objectValue?.keys.map { $0 } ?? [])
        for name in [
            "source_track", "resolution", "x-LSP-rate_or_crf", "rate", "crf", "sink", "inconsequential", "restart_type",
            "restart_delay", "min_rate", "max_rate", "profile", "preset", "keys", "keyfrms", "keysecs", "flags",
        ] {
            #expect(optional.contains(name), "\(name)")
        }
        let mkv = MKVExecProcessCapabilities.declaration.json(version: "3.10")
        #expect(mkv["required"].hasMember("exec") && mkv["optional"].hasMember("track_select"))
        // The general options every process shares, MistServer's masks and inhibitors among them.
        for name in ["source_mask", "target_mask", "exit_unmask", "track_inhibit", "tags_inhibit"] {
            #expect(mkv["optional"].hasMember(name) && ffmpeg["optional"].hasMember(name), "\(name)")
        }
        #expect(ffmpeg["optional"]["target_mask"]["select"].arrayValue?.count == 8)

        let livepeer = LivepeerProcessCapabilities.declaration.json(version: "3.10")
        #expect(Set(livepeer["required"].objectValue?.keys.map { $0 } ?? []) == ["access_token", "target_profiles"])
        let profiles = livepeer["required"]["target_profiles"]
        #expect(profiles["type"] == "sublist" && profiles["itemLabel"] == "profile")
        #expect(profiles["required"].hasMember("name") && profiles["required"].hasMember("bitrate"))
        for name in ["width", "height", "fps", "gop", "profile", "track_inhibit"] {
            #expect(profiles["optional"].hasMember(name), "\(name)")
        }
        for name in ["source_track", "audio_select", "leastlive", "custom_url", "hardcoded_broadcasters", "sink"] {
            #expect(livepeer["optional"].hasMember(name), "\(name)")
        }
        #expect(livepeer["optional"]["custom_url"]["default"] == "https://livepeer.live/api")
        #expect(livepeer["ainfo"].hasMember("lp_id") && livepeer["ainfo"].hasMember("fail_non200"))
    }

    @Test func anEntryBecomesFFmpegArguments() throws {
        let video = try FFmpegProcess.arguments(
            ["x-LSP-kind": "video", "codec": "H264", "resolution": "320x180", "rate": 500_000]
        ).get()
        #expect(video.contains("scale=320:180") && video.contains("libx264"))
        #expect(video.joined(separator: " ").contains("-b:v 500000"))
        #expect(video.joined(separator: " ").contains("-force_key_frames source"))
        #expect(video.joined(separator: " ").contains("-f mpegts -i pipe:0"))
        // MistServer's defaults and its other video options.
        #expect(video.joined(separator: " ").contains("-preset medium") && !video.contains("-maxrate"))
        let tuned = try FFmpegProcess.arguments(
            [
                "codec": "H264", "preset": "veryfast", "profile": "main", "rate": 800_000, "min_rate": 400_000,
                "max_rate": 1_000_000, "keys": "frames", "keyfrms": 48, "flags": "-bf 0  -refs 2",
            ]
        ).get().joined(separator: " ")
        #expect(tuned.contains("-preset veryfast") && tuned.contains("-profile:v main"), "\(tuned)")
        #expect(tuned.contains("-b:v 800000 -minrate 400000 -maxrate 1000000 -bufsize 1000000"), "\(tuned)")
        #expect(tuned.contains("-g 48") && !tuned.contains("force_key_frames"), "\(tuned)")
        #expect(tuned.hasSuffix("-bf 0 -refs 2 -f mpegts pipe:1"), "\(tuned)")
        let seconds = try FFmpegProcess.arguments(["codec": "H264", "keys": "secs", "keysecs": 2.5]).get()
        #expect(seconds.contains("expr:gte(t,n_forced*2.5)"))
        let crf = try FFmpegProcess.arguments(["codec": "H264", "x-LSP-rate_or_crf": "crf", "crf": 99]).get()
        #expect(crf.joined(separator: " ").contains("-crf 51"))
        let vp9 = try FFmpegProcess.arguments(["codec": "VP9"]).get()
        #expect(vp9.contains("libvpx-vp9") && vp9.last == "pipe:1" && vp9.contains("matroska"))
        let opus = try FFmpegProcess.arguments(["x-LSP-kind": "audio", "codec": "opus"]).get()
        #expect(opus.contains("libopus") && opus.contains("0:a:0"))
        // Nonsense is refused with a reason, not passed to ffmpeg.
        for bad: JSONValue in [
            ["x-LSP-kind": "subtitle"], ["codec": "MPEG2"], ["x-LSP-kind": "audio", "codec": "H264"],
            ["resolution": "huge"], ["resolution": "99999x2"], ["preset": "ludicrous"], ["profile": "extreme"],
            ["keys": "frames", "keyfrms": 0], ["keys": "secs", "keysecs": -1], ["keys": "secs"],
        ] {
            #expect(throws: ProcessPipe.Failure.self) { try FFmpegProcess.arguments(bad).get() }
        }
        #expect(MKVExecProcess.query("audio=all&video=all").isEmpty)
        #expect(MKVExecProcess.query("video=1&audio=none") == ["video": "1", "audio": "none"])
    }
}
