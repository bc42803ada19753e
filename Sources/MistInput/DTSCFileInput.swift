import Logging
import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// Loads a `.dtsc` file into a stream's shared memory as video on demand, and keeps the `.dtsh`
/// header cache beside it current.
public struct DTSCFileInput {
    public let path: String
    public let stream: String
    let logger: Logger

    public init(path: String, stream: String, logger: Logger) {
        self.path = path
        self.stream = stream
        self.logger = logger
    }

    /// The header cache's path: the file's path plus `.dtsh`, as MistServer names it.
    public var cachePath: String { path + ".dtsh" }

    /// Reads the whole file, writes every packet into shared memory, and returns the writer that
    /// owns the stream (close it to remove the stream).
    public func load() throws -> StreamWriter {
        let bytes = try FileBytes.read(path)
        let header = try bytes.withUnsafeBytes { raw throws -> (DTSHHeader, [UInt64: Int]) in
            var frames = DTSCFrameIterator(raw)
            guard let first = try frames.next(), first.kind == .header else {
                throw DTSCInputError.noHeader(path)
            }
            var header = try DTSHHeader(first)
            var counts: [UInt64: Int] = [:]
            while let frame = try frames.next() {
                if frame.kind == .packetV2 || frame.kind == .packetV1 { counts[UInt64(frame.trackID), default: 0] += 1 }
            }
            if frames.remainder > 0 {
                logger.mist(.warn, "\(path) ends in a partial packet of \(frames.remainder) bytes; ignoring it")
            }
            if let cached = cachedHeader(), cached.tracks.map(\.trackID) == header.tracks.map(\.trackID) {
                logger.mist(.medium, "Using header cache \(cachePath)")
                header = cached
            }
            return (header, counts)
        }
        let writer = try StreamWriter(stream: stream, live: false, bufferWindow: 0)
        var indices: [UInt64: Int] = [:]
        for track in header.0.tracks {
            let packets = UInt32(clamping: header.1[track.trackID] ?? 0)
            let capacity = StreamWriter.TrackCapacity.file(packets: packets)
            let info = TrackInfo(track)
            indices[track.trackID] = try writer.addTrack(info, capacity: capacity)
        }
        var skipped = 0
        try bytes.withUnsafeBytes { raw in
            var frames = DTSCFrameIterator(raw)
            while let frame = try frames.next() {
                guard frame.kind == .packetV2 || frame.kind == .packetV1 else { continue }
                guard let index = indices[UInt64(frame.trackID)], let data = frame.data else {
                    skipped += 1
                    continue
                }
                try writer.append(
                    track: index, time: frame.time, offset: frame.offset, bytePosition: frame.bytePosition,
                    keyframe: frame.isKeyframe, data: data)
            }
        }
        if skipped > 0 { logger.mist(.warn, "Skipped \(skipped) packets of tracks the header does not list") }
        writer.status = .ready
        writeCache()
        return writer
    }

    /// The header cache, if it exists, is not older than the file, and parses.
    func cachedHeader() -> DTSHHeader? {
        var fileInfo = stat()
        var cacheInfo = stat()
        guard stat(path, &fileInfo) == 0, stat(cachePath, &cacheInfo) == 0,
            cacheInfo.st_mtim.tv_sec >= fileInfo.st_mtim.tv_sec,
            let bytes = try? FileBytes.read(cachePath)
        else { return nil }
        do {
            return try DTSHHeader(fileBytes: bytes)
        } catch {
            logger.mist(.warn, "Ignoring unreadable header cache \(cachePath): \(error)")
            return nil
        }
    }

    /// Writes the header cache from what was loaded, unless a current one exists.
    func writeCache() {
        guard cachedHeader() == nil else { return }
        do {
            let reader = try StreamReader(stream: stream, waitMilliseconds: 0)
            let header = try reader.header(includeTables: true, renumber: false)
            try FileBytes.write(header.encode(), to: cachePath)
            logger.mist(.medium, "Wrote header cache \(cachePath)")
        } catch {
            logger.mist(.warn, "Could not write header cache \(cachePath): \(error)")
        }
    }
}
