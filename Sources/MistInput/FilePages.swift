import Logging
import MistCore
import MistShm

/// A file stream's data pages, loaded as readers reach them and freed when none has been near
/// for a while: the stream's metadata is complete from the start, but only the pages viewers
/// are at (and the one after each, read ahead) take memory. The first page of every track stays,
/// so a new viewer starts at once.
final class FilePages {
    /// A page not wanted for this long is freed.
    static let keepSeconds = 10.0

    struct Member {
        var sample: Int
        var isKey: Bool
    }

    let writer: StreamWriter
    let logger: Logger
    let name: String
    /// The demuxed file and, per writer track, the samples on each page record, in order; nil
    /// until `resolve` has run (a start from the header cache publishes the metadata first).
    private var file: MediaFile?
    private(set) var members: [[UInt64: [Member]]]
    private var resolve: (() throws -> (MediaFile, [[UInt64: [Member]]]))?
    private var loaded: [Set<UInt64>]
    private var lastWanted: [[UInt64: Double]]
    private var lastSweep = 0.0

    init(writer: StreamWriter, file: MediaFile, members: [[UInt64: [Member]]], name: String, logger: Logger) {
        self.writer = writer
        self.file = file
        self.members = members
        self.name = name
        self.logger = logger
        loaded = Array(repeating: [], count: members.count)
        lastWanted = Array(repeating: [:], count: members.count)
    }

    /// Pages whose samples `resolve` finds on the first `service` round (it demuxes the file
    /// and matches the samples to the pages planned from the header cache).
    init(
        writer: StreamWriter, trackCount: Int, name: String, logger: Logger,
        resolve: @escaping () throws -> (MediaFile, [[UInt64: [Member]]])
    ) {
        self.writer = writer
        self.resolve = resolve
        members = Array(repeating: [:], count: trackCount)
        self.name = name
        self.logger = logger
        loaded = Array(repeating: [], count: trackCount)
        lastWanted = Array(repeating: [:], count: trackCount)
    }

    /// Loads each track's first page.
    func loadFirstPages() {
        for track in members.indices {
            if let first = writer.pages(of: track).first { load(track: track, page: first) }
        }
    }

    /// Loads one page unless it is loaded; false if that failed (logged).
    @discardableResult
    func load(track: Int, page: UInt64) -> Bool {
        guard let file, members.indices.contains(track), !loaded[track].contains(page), let list = members[track][page]
        else { return true }
        do {
            var scratch: [UInt8] = []
            let bytes = try writer.loadPage(track: track, page: page) { write in
                for member in list {
                    let sample = file.samples[member.sample]
                    try file.withBytes(of: sample, scratch: &scratch) {
                        try write(sample.time, sample.offset, UInt64(clamping: sample.position), member.isKey, $0)
                    }
                }
            }
            loaded[track].insert(page)
            logger.mist(
                .medium, "\(name): loaded page \(page) of track \(track) (\(list.count) packets, \(bytes) bytes)")
            return true
        } catch {
            logger.mist(.error, "\(name): could not load page \(page) of track \(track): \(error)")
            return false
        }
    }

    /// One round: loads the pages readers are at or wait for, and the next one of each, then
    /// (once a second) frees the pages nobody wanted for `keepSeconds`.
    func service(now: Double = monotonicSeconds()) throws {
        if let resolve {
            self.resolve = nil
            let started = monotonicSeconds()
            (file, members) = try resolve()
            let milliseconds = Int((monotonicSeconds() - started) * 1000)
            logger.mist(.info, "\(name): read the file behind its header cache in \(milliseconds) ms")
            loadFirstPages()
        }
        for (track, key) in writer.wantedKeys() where members.indices.contains(track) {
            guard let page = writer.page(track: track, key: key) else { continue }
            for wanted in [page, page + 1] where members[track][wanted] != nil {
                load(track: track, page: wanted)
                lastWanted[track][wanted] = now
            }
        }
        guard now - lastSweep >= 1 else { return }
        lastSweep = now
        for track in loaded.indices {
            let first = writer.pages(of: track).lowerBound
            for page in loaded[track] where page != first && now - (lastWanted[track][page] ?? 0) > Self.keepSeconds {
                writer.unloadPage(track: track, page: page)
                loaded[track].remove(page)
                logger.mist(.medium, "\(name): freed page \(page) of track \(track)")
            }
        }
    }
}
