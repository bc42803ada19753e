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

    public init(path: String, stream: String, logger: Logger, demux: @escaping ([UInt8]) throws -> MediaFile) {
        self.path = path
        self.stream = stream
        self.logger = logger
        self.demux = demux
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
        keepsCache = false
    }

    /// Reads and demuxes the file and lays out the stream's metadata in shared memory with
    /// every page planned; the first page of each track is loaded, the others when readers reach
    /// them (`FileInputRunner` has the returned stream serve them).
    public func load() throws -> FileInputRunner.Loaded {
        let file = try demux(try read())
        for warning in file.warnings { logger.mist(.warn, "\(path): \(warning)") }
        guard !file.tracks.isEmpty else { throw MediaFileInputError.noTracks(path) }
        let writer = try StreamWriter(stream: stream, live: false, bufferWindow: 0)
        var counts = [Int](repeating: 0, count: file.tracks.count)
        for sample in file.samples where counts.indices.contains(sample.track) { counts[sample.track] += 1 }
        var indices: [Int] = []
        for (position, track) in file.tracks.enumerated() {
            let packets = UInt32(clamping: counts[position])
            let capacity = StreamWriter.TrackCapacity(
                parts: packets + 16, keys: packets + 16, fragments: packets + 16, pages: min(packets + 16, 4096))
            indices.append(try writer.addTrack(TrackInfo(track), capacity: capacity))
        }
        var members = [[UInt64: [FilePages.Member]]](repeating: [:], count: indices.count)
        var skipped = 0
        var lastProblem = ""
        for (number, sample) in file.samples.enumerated() where indices.indices.contains(sample.track) {
            do {
                let inFile =
                    sample.position >= 0 && sample.size >= 0 && sample.position + sample.size <= file.bytes.count
                guard sample.data != nil || inFile else { throw MediaFileInputError.outside(sample.position) }
                let planned = try writer.plan(
                    track: indices[sample.track], time: sample.time, offset: sample.offset,
                    bytePosition: UInt64(max(0, sample.position)), keyframe: sample.keyframe,
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
        for track in indices.indices {
            if let first = writer.pages(of: track).first { pages.load(track: track, page: first) }
        }
        writer.status = .ready
        if keepsCache { writeCache() }
        return FileInputRunner.Loaded(writer: writer) { pages.service() }
    }

    /// The header cache's path: the file's path plus `.dtsh`, as MistServer names it.
    public var cachePath: String { path + ".dtsh" }

    /// Whether a header cache exists that is not older than the file and parses.
    public var hasCurrentCache: Bool {
        var fileInfo = stat()
        var cacheInfo = stat()
        guard stat(path, &fileInfo) == 0, stat(cachePath, &cacheInfo) == 0,
            cacheInfo.st_mtim.tv_sec >= fileInfo.st_mtim.tv_sec, let bytes = try? FileBytes.read(cachePath)
        else { return false }
        return (try? DTSHHeader(fileBytes: bytes)) != nil
    }

    /// Writes the header cache from what was loaded, unless a current one exists.
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
