import Logging
import MistCore
import MistData
import MistMedia
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// MistInPlaylist: a `.pls` file listing media files (one per line, relative to the playlist's
/// folder or absolute; `#` lines are comments) played one after another, in real time and in a
/// loop, as one live stream whose timestamps run on across entries. The playlist is read again
/// at each entry, so edits take effect as it goes.
public enum PlaylistInput {
    public static let declaration = Capabilities.input(
        name: "Playlist",
        description:
            "Plays the media files a .pls playlist lists (MP4, MOV, FLV, MPEG-TS), one after another and in a loop, "
            + "as one live stream; the playlist is reread before each entry.",
        optional: [
            CapabilityOption(
                "DVR", name: "Buffer time (ms)",
                help: "How much of the stream stays available for seeking, in milliseconds",
                type: .unsignedInteger, long: "buffer", default: 50000)
        ],
        extra: [
            "priority": 9,
            "source_match": "/*.pls",
            "always_match": "/*.pls",
            "source_prefill": "/",
            "source_syntax": "/[path/to/][file_name].pls",
        ])

    /// The demuxer for a file, by its extension.
    public static func demuxer(for path: String) -> (([UInt8]) throws -> MediaFile)? {
        let lowered = path.lowercased()
        let ext = lowered.split(separator: ".").last.map(String.init) ?? ""
        switch ext {
        case "mp4", "mov", "m4v", "m4a", "3gp", "fmp4": return MP4InputCapabilities.demux
        case "flv": return FLVInputCapabilities.demux
        case "ts", "m2ts", "mts": return TSInputCapabilities.demux
        default: return nil
        }
    }

    /// The entries of the playlist at `path`, as absolute paths.
    public static func entries(_ path: String) throws -> [String] {
        let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).compactMap { line in
            let entry = line.drop { $0 == " " || $0 == "\t" }
            guard !entry.isEmpty, !entry.hasPrefix("#") else { return nil }
            return entry.hasPrefix("/") ? String(entry) : folder + "/" + entry
        }
    }

    public static func run(_ options: ParsedOptions, logger: Logger) throws -> Int32 {
        try FileInputRunner.runLive(options, name: "Playlist", logger: logger) { source, stream, window, stop in
            try play(source, stream: stream, window: window, logger: logger, stop: stop)
        }
    }

    /// Plays the playlist's entries in a loop until `stop` or a minute without viewers.
    static func play(_ source: String, stream: String, window: UInt64, logger: Logger, stop: () -> Bool) throws {
        let writer = try StreamWriter(stream: stream, live: true, bufferWindow: window)
        defer { writer.close() }
        // Stream tracks by kind and codec; an entry whose init data differs gets a track of its own.
        var tracks: [(info: TrackInfo, index: Int)] = []
        var streamTime: UInt64 = 0
        var entryNumber = 0
        let started = monotonicSeconds()
        var failuresInARow = 0
        var lastViewer = monotonicSeconds()
        let idleSeconds = 60.0
        var stopping: Bool {
            if writer.viewerCount() > 0 { lastViewer = monotonicSeconds() }
            return stop() || monotonicSeconds() - lastViewer > idleSeconds
        }
        while !stopping {
            let list = try entries(source)
            guard !list.isEmpty else { throw PlaylistInputError.empty(source) }
            let path = list[entryNumber % list.count]
            entryNumber += 1
            guard let demux = demuxer(for: path) else {
                logger.mist(.fail, "\(path): no demuxer for this kind of file; skipping it")
                failuresInARow += 1
                if failuresInARow >= list.count { usleepMilliseconds(1000) }
                continue
            }
            let file: MediaFile
            do {
                file = try demux(try FileBytes.read(path))
            } catch {
                logger.mist(.fail, "\(path) cannot be played: \(error); skipping it")
                failuresInARow += 1
                if failuresInARow >= list.count { usleepMilliseconds(1000) }
                continue
            }
            failuresInARow = 0
            var map: [Int: Int] = [:]
            for (position, track) in file.tracks.enumerated() {
                let info = TrackInfo(track)
                if let existing = tracks.first(where: {
                    $0.info.codec == info.codec && $0.info.initData == info.initData
                }) {
                    map[position] = existing.index
                } else {
                    let index = try writer.addTrack(info)
                    tracks.append((info, index))
                    map[position] = index
                }
            }
            writer.status = .ready
            logger.mist(.info, "Playing \(path) at \(streamTime) ms")
            let first = file.samples.first?.time ?? 0
            var last = streamTime
            for (number, sample) in file.samples.enumerated() {
                if number % 64 == 0 && stopping { break }
                guard let index = map[sample.track] else { continue }
                let time = streamTime + (sample.time &- first)
                // Real time: no more than a second ahead of the clock.
                let due = started + Double(time) / 1000 - 1
                while monotonicSeconds() < due && !stop() { usleepMilliseconds(5) }
                do {
                    if let data = sample.data {
                        try data.withUnsafeBytes {
                            try writer.append(
                                track: index, time: time, offset: sample.offset, keyframe: sample.keyframe, data: $0)
                        }
                    } else if sample.position >= 0, sample.position + sample.size <= file.bytes.count {
                        try file.bytes.withUnsafeBytes { raw in
                            try writer.append(
                                track: index, time: time, offset: sample.offset, keyframe: sample.keyframe,
                                data: UnsafeRawBufferPointer(
                                    rebasing: raw[sample.position..<(sample.position + sample.size)]))
                        }
                    }
                } catch {
                    continue
                }
                last = max(last, time)
            }
            // The next entry starts one frame after this one's last.
            streamTime = last + 40
        }
        logger.mist(.info, stop() ? "Stopping \(stream)" : "Stopping \(stream): no viewers")
    }
}
