import Logging
import MistCore
import MistData
import MistMedia
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// Loads a media file (MP4, FLV, MPEG-TS ...) into a stream's shared memory as video on demand
/// through a demuxer, and writes the `.dtsh` header cache beside it as MistServer does.
public struct MediaFileInput {
    public let path: String
    public let stream: String
    let logger: Logger
    let demux: ([UInt8]) throws -> MediaFile
    let read: () throws -> [UInt8]
    /// Whether a `.dtsh` cache is kept beside the source (files, not URLs).
    let keepsCache: Bool

    /// Reads the file its own way (an MP4's index boxes only), instead of `read` then `demux`.
    let open: ((String) throws -> MediaFile)?

    public init(
        path: String, stream: String, logger: Logger, demux: @escaping ([UInt8]) throws -> MediaFile,
        open: ((String) throws -> MediaFile)? = nil
    ) {
        self.path = path
        self.stream = stream
        self.logger = logger
        self.demux = demux
        self.open = open
        read = { try FileBytes.read(path) }
        keepsCache = true
    }

    /// A source whose bytes come from `read` (a downloaded VOD playlist's segments), without a cache.
    public init(
        source: String, stream: String, logger: Logger, read: @escaping () throws -> [UInt8],
        demux: @escaping ([UInt8]) throws -> MediaFile
    ) {
        path = source
        self.stream = stream
        self.logger = logger
        self.demux = demux
        self.read = read
        open = nil
        keepsCache = false
    }

    /// Reads and demuxes the file and lays out the stream's metadata in shared memory with
    /// every page planned; the first page of each track is loaded, the others when readers reach
    /// them (`FileInputRunner` has the returned stream serve them).
    public func load() throws -> FileInputRunner.Loaded {
        if keepsCache, let header = currentCache {
            do {
                return try loadFromCache(header)
            } catch {
                logger.mist(.warn, "\(cachePath) cannot be used (\(error)); reading \(path) instead")
            }
        }
        let file = try demuxed()
        for warning in file.warnings { logger.mist(.warn, "\(path): \(warning)") }
        guard !file.tracks.isEmpty else { throw MediaFileInputError.noTracks(path) }
        let writer = try StreamWriter(stream: stream, live: false, bufferWindow: 0)
        var counts = [Int](repeating: 0, count: file.tracks.count)
        for sample in file.samples where counts.indices.contains(sample.track) { counts[sample.track] += 1 }
        var indices: [Int] = []
        for (position, track) in file.tracks.enumerated() {
            let packets = UInt32(clamping: counts[position])
            let capacity = StreamWriter.TrackCapacity.file(packets: packets)
            indices.append(try writer.addTrack(TrackInfo(track), capacity: capacity))
        }
        var members = [[UInt64: [FilePages.Member]]](repeating: [:], count: indices.count)
        var skipped = 0
        var lastProblem = ""
        for (number, sample) in file.samples.enumerated() where indices.indices.contains(sample.track) {
            do {
                guard file.holds(sample) else { throw MediaFileInputError.outside(sample.position) }
                let planned = try writer.plan(
                    track: indices[sample.track], time: sample.time, offset: sample.offset,
                    bytePosition: UInt64(clamping: sample.seekPosition ?? sample.position), keyframe: sample.keyframe,
                    size: sample.data?.count ?? sample.size)
                members[indices[sample.track]][planned.page, default: []].append(
                    FilePages.Member(sample: number, isKey: planned.isKey))
            } catch {
                // Frames before a track's first keyframe, or out of order: skipped, the rest plays.
                skipped += 1
                lastProblem = "\(error)"
            }
        }
        if skipped > 0 { logger.mist(.warn, "\(path): skipped \(skipped) frames (the last: \(lastProblem))") }
        let pages = FilePages(writer: writer, file: file, members: members, name: stream, logger: logger)
        pages.loadFirstPages()
        writer.status = .ready
        if keepsCache { writeCache() }
        return FileInputRunner.Loaded(writer: writer) { try pages.service() }
    }

    /// A start from the header cache: the stream's metadata is published from the cache at once
    /// (players get their playlists and stream info while the file is still being read), and
    /// the file is demuxed on the input's first service round, its samples matched to the pages
    /// planned from the cache. A file that does not match its cache ends the stream.
    func loadFromCache(_ header: DTSHHeader) throws -> FileInputRunner.Loaded {
        guard !header.tracks.isEmpty else { throw MediaFileInputError.noTracks(cachePath) }
        let writer = try StreamWriter(stream: stream, live: false, bufferWindow: 0)
        do {
            // Per track, each part as planned: its page, whether it starts a key, its time and size.
            var planned: [[(page: UInt64, isKey: Bool, time: UInt64, size: Int)]] = []
            for track in header.tracks {
                let count = UInt32(clamping: track.parts.count)
                let capacity = StreamWriter.TrackCapacity.file(packets: count)
                let index = try writer.addTrack(TrackInfo(track), capacity: capacity)
                var parts: [(page: UInt64, isKey: Bool, time: UInt64, size: Int)] = []
                parts.reserveCapacity(track.parts.count)
                var next = 0
                for key in track.keys {
                    var time = key.time
                    for number in 0..<Int(key.partCount) {
                        guard track.parts.indices.contains(next) else { throw MediaFileInputError.outside(next) }
                        let part = track.parts[next]
                        next += 1
                        let result = try writer.plan(
                            track: index, time: time, offset: Int64(part.offset),
                            bytePosition: number == 0 ? key.bytePosition : 0,
                            keyframe: number == 0, size: Int(part.size))
                        parts.append((result.page, result.isKey, time, Int(part.size)))
                        time += UInt64(part.duration)
                    }
                }
                planned.append(parts)
            }
            let source = self
            let pages = FilePages(writer: writer, trackCount: planned.count, name: stream, logger: logger) {
                try source.match(source.demuxed(), to: planned)
            }
            writer.status = .ready
            return FileInputRunner.Loaded(writer: writer) { try pages.service() }
        } catch {
            writer.close()
            throw error
        }
    }

    /// Assigns the demuxed samples to the planned parts, track by track, by time and size;
    /// samples the first load skipped (before a keyframe, out of order) are skipped again.
    func match(_ file: MediaFile, to planned: [[(page: UInt64, isKey: Bool, time: UInt64, size: Int)]]) throws
        -> (MediaFile, [[UInt64: [FilePages.Member]]])
    {
        guard file.tracks.count == planned.count else {
            throw MediaFileInputError.changed(path, "\(file.tracks.count) tracks, the cache has \(planned.count)")
        }
        var members = [[UInt64: [FilePages.Member]]](repeating: [:], count: planned.count)
        var positions = [Int](repeating: 0, count: planned.count)
        for (number, sample) in file.samples.enumerated() where planned.indices.contains(sample.track) {
            let track = sample.track
            guard planned[track].indices.contains(positions[track]) else { continue }
            let part = planned[track][positions[track]]
            guard part.time == sample.time, part.size == sample.data?.count ?? sample.size else { continue }
            members[track][part.page, default: []].append(FilePages.Member(sample: number, isKey: part.isKey))
            positions[track] += 1
        }
        for track in planned.indices where positions[track] != planned[track].count {
            throw MediaFileInputError.changed(
                path, "track \(track) has \(positions[track]) of the \(planned[track].count) frames its cache lists")
        }
        return (file, members)
    }

    /// The file's tracks and samples.
    func demuxed() throws -> MediaFile {
        if let open { return try open(path) }
        return try demux(try read())
    }

    /// The header cache's path: the file's path plus `.dtsh`, as MistServer names it.
    public var cachePath: String { path + ".dtsh" }

    /// The header cache, if one exists that is not older than the file and parses (read and
    /// parsed once: a start from it uses what this returns).
    public var currentCache: DTSHHeader? {
        var fileInfo = stat()
        var cacheInfo = stat()
        guard stat(path, &fileInfo) == 0, stat(cachePath, &cacheInfo) == 0,
            cacheInfo.st_mtim.tv_sec >= fileInfo.st_mtim.tv_sec, let bytes = try? FileBytes.read(cachePath),
            let header = try? DTSHHeader(fileBytes: bytes)
        else { return nil }
        // MistServer's inputs, which share the cache's name, add metadata tracks (FLV's
        // onMetaData) that these demuxers do not make; such a cache cannot be matched to the file.
        guard !header.tracks.contains(where: { $0.type == "meta" }) else { return nil }
        return header
    }

    /// Whether a header cache exists that is not older than the file and parses.
    public var hasCurrentCache: Bool { currentCache != nil }

    /// Writes the header cache from what was loaded, unless a current one exists (one of
    /// MistServer's that cannot be used here is replaced).
    func writeCache() {
        guard !hasCurrentCache else { return }
        do {
            let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
            try FileBytes.write(try reader.header(includeTables: true, renumber: false).encode(), to: cachePath)
            logger.mist(.medium, "Wrote header cache \(cachePath)")
        } catch {
            logger.mist(.warn, "Could not write header cache \(cachePath): \(error)")
        }
    }
}

extension TrackInfo {
    /// A track as a file demuxer found it.
    public init(_ track: DemuxedTrack) {
        self.init(
            type: track.type, codec: track.codec, id: track.id, initData: track.initData, language: track.language)
        width = track.width
        height = track.height
        fpks = track.fpks
        rate = track.rate
        channels = track.channels
        sampleSize = track.sampleSize
    }
}
