import Logging
import MistCore
import MistData

/// `MistProcFFMPEG`: a rendition made by Debian's `ffmpeg` (spawned, no shell). One track of the
/// source (`x-LSP-kind` video or audio; `source_track` picks which, else the first) is encoded to
/// `codec` (H264 or VP9 for video, AAC, MP3 or opus for audio) at the `resolution`, bitrate
/// (`rate`, bits per second) or `crf` asked, and added to the sink stream (`sink`, else the
/// source). Video keyframes follow the source's (`-force_key_frames source`), so HLS and CMAF
/// variants switch cleanly; times are kept (`-copyts`), so the rendition lines up.
enum FFmpegProcess {
    /// The ffmpeg arguments for a process entry, or why the entry cannot be done.
    static func arguments(_ config: JSONValue) -> Result<[String], ProcessPipe.Failure> {
        let kind = config["x-LSP-kind"].stringValue ?? "video"
        guard kind == "video" || kind == "audio" else {
            return .failure(.init(description: "x-LSP-kind must be video or audio, not \(kind)"))
        }
        let codec = config["codec"].stringValue ?? (kind == "video" ? "H264" : "opus")
        let format = container(codec: codec) == .ts ? "mpegts" : "matroska"
        var arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-f", format, "-i", "pipe:0"]
        arguments += ["-map", kind == "video" ? "0:v:0" : "0:a:0", "-copyts", "-muxdelay", "0", "-muxpreload", "0"]
        let rate = config["rate"].intValue.flatMap { $0 > 0 ? String($0) : nil }
        if kind == "video" {
            switch codec {
            case "H264":
                let preset = config["preset"].stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "medium"
                guard presets.contains(preset) else {
                    return .failure(
                        .init(description: "preset \(preset) is not one of \(presets.joined(separator: ", "))"))
                }
                arguments += ["-c:v", "libx264", "-preset", preset, "-tune", "zerolatency", "-pix_fmt", "yuv420p"]
                if let profile = config["profile"].stringValue, !profile.isEmpty {
                    guard profiles.contains(profile) else {
                        return .failure(
                            .init(description: "profile \(profile) is not one of \(profiles.joined(separator: ", "))"))
                    }
                    arguments += ["-profile:v", profile]
                }
            case "VP9":
                arguments += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1"]
            default:
                return .failure(.init(description: "video codec \(codec) is not one of H264, VP9"))
            }
            switch config["keys"].stringValue ?? "" {
            case "frames":
                guard let frames = config["keyfrms"].intValue, (1...10_000).contains(frames) else {
                    return .failure(.init(description: "keyfrms must be a number of frames from 1 to 10000"))
                }
                arguments += ["-g", String(frames), "-keyint_min", String(frames)]
            case "secs":
                guard let seconds = config["keysecs"].doubleValue, seconds > 0, seconds <= 3600 else {
                    return .failure(.init(description: "keysecs must be seconds from above 0 to 3600"))
                }
                arguments += ["-force_key_frames", "expr:gte(t,n_forced*\(seconds))"]
            default:
                // The source's keyframes, so the rendition's segments line up with the source's.
                arguments += ["-force_key_frames", "source", "-sc_threshold", "0"]
            }
            arguments += ["-fps_mode", "passthrough", "-enc_time_base:v", "-1"]
            if let resolution = config["resolution"].stringValue, !resolution.isEmpty,
                resolution != "keep source resolution"
            {
                let parts = resolution.lowercased().split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, (16...8192).contains(parts[0]), (16...8192).contains(parts[1]) else {
                    return .failure(.init(description: "resolution \(resolution) is not WIDTHxHEIGHT"))
                }
                arguments += ["-vf", "scale=\(parts[0]):\(parts[1])"]
            }
            if let crf = config["crf"].intValue, config["x-LSP-rate_or_crf"].asString == "crf" || rate == nil {
                arguments += ["-crf", String(min(51, max(0, crf)))]
            } else {
                arguments += bitrate("v", rate: rate, config: config)
            }
        } else {
            switch codec {
            case "AAC": arguments += ["-c:a", "aac"]
            case "MP3": arguments += ["-c:a", "libmp3lame"]
            case "opus": arguments += ["-c:a", "libopus", "-ar", "48000"]
            default: return .failure(.init(description: "audio codec \(codec) is not one of AAC, MP3, opus"))
            }
            arguments += bitrate("a", rate: rate, config: config)
        }
        // MistServer's `flags`: more ffmpeg options, split on spaces (no shell), before the output.
        arguments += (config["flags"].stringValue ?? "").split(separator: " ").map(String.init)
        // Matroska clusters reach the buffer whole; short ones keep the rendition close to the source.
        let clusters = format == "matroska" ? ["-cluster_time_limit", "500"] : []
        return .success(arguments + clusters + ["-f", format, "pipe:1"])
    }

    /// x264's presets, MistServer's choices.
    static let presets = [
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
    ]
    static let profiles = ["baseline", "main", "high", "high10", "high422", "high444"]

    /// MistServer's bitrate settings: `rate` as the target, `min_rate` and `max_rate` as bounds
    /// (a maximum gets a buffer of the same size, which x264 needs to honour it).
    private static func bitrate(_ stream: String, rate: String?, config: JSONValue) -> [String] {
        var arguments: [String] = []
        if let rate { arguments += ["-b:\(stream)", rate] }
        if let minimum = config["min_rate"].intValue, minimum > 0 { arguments += ["-minrate", String(minimum)] }
        if let maximum = config["max_rate"].intValue, maximum > 0 {
            arguments += ["-maxrate", String(maximum), "-bufsize", String(maximum)]
        }
        return arguments
    }

    /// How media goes through ffmpeg's pipes: MPEG-TS, or Matroska for what TS cannot carry (VP9).
    static func container(codec: String) -> ProcessPipe.Container { codec == "VP9" ? .matroska : .ts }

    /// Runs the process entry `config` (with its `source`) until it ends or `stop()`.
    static func run(_ config: JSONValue, logger: Logger, stop: @escaping @Sendable () -> Bool) -> Int32 {
        let source = config["source"].asString
        guard !source.isEmpty else {
            logger.mist(.fail, "The process configuration names no source stream")
            return 1
        }
        let arguments: [String]
        switch Self.arguments(config) {
        case .success(let list): arguments = list
        case .failure(let failure):
            logger.mist(.fail, "Cannot process \(source): \(failure.description)")
            return 1
        }
        let kind = config["x-LSP-kind"].stringValue ?? "video"
        var query = kind == "video" ? ["audio": "none"] : ["video": "none"]
        if let selector = config["source_track"].stringValue, !selector.isEmpty, selector != "automatic" {
            query[kind] = selector
        }
        let pipe = ProcessPipe(
            kind: "FFMPEG", config: config, query: query, program: "ffmpeg", arguments: arguments,
            container: container(codec: config["codec"].stringValue ?? ""), logger: logger)
        return pipe.exitStatus(stop: stop)
    }
}
