import MistData
import Synchronization

/// Which kinds of readers see a track: the `valid` field of a stream's track list, in
/// MistServer's bits. A stream process can hide the tracks it reads (`source_mask`) or makes
/// (`target_mask`) from viewers, pushes or other processes; a reader sees a track when the
/// track's bits and its process's kind share one.
public enum TrackMask {
    /// Viewers connecting from outside (MistServer's TRACK_VALID_EXT_HUMAN).
    public static let viewers: UInt8 = 1
    /// Pushes and recordings (TRACK_VALID_EXT_PUSH).
    public static let pushes: UInt8 = 2
    /// Stream processes (TRACK_VALID_INT_PROCESS).
    public static let processes: UInt8 = 4
    /// Every kind (TRACK_VALID_ALL), what a track gets unless a process says otherwise.
    public static let all: UInt8 = 0xFF
    /// What a process's tracks get when its entry sets no `target_mask`: viewers and pushes, not
    /// other processes (so no process feeds on another's output unless asked to).
    public static let processOutput: UInt8 = viewers | pushes

    private static let current = Atomic<UInt8>(all)

    /// The kind of reader this process is: outputs set viewers, pushes pushes, stream processes
    /// processes; inputs and the controller see everything.
    public static var ofThisProcess: UInt8 {
        get { current.load(ordering: .relaxed) }
        set { current.store(newValue, ordering: .relaxed) }
    }

    /// A mask option as a process entry gives it (`source_mask`, `target_mask`: a number or its
    /// text; empty or absent keeps the default), nil when unset or out of range.
    public static func option(_ text: String?) -> UInt8? {
        guard let text, !text.isEmpty, let value = Int(text), (0...255).contains(value) else { return nil }
        return UInt8(value)
    }

    /// A mask option as it stands in a process entry: a number, or its text.
    public static func option(_ value: JSONValue) -> UInt8? {
        option(value.stringValue ?? value.intValue.map { String($0) })
    }

    /// Sets the mask of `track` of `stream` in its track list (from any process, as MistServer's
    /// processes mask the tracks they read).
    public static func set(_ mask: UInt8, track: Int, of stream: String) throws(SharedMemoryError) {
        let page = try SharedMemoryPage(opening: StreamPageNames.meta(stream), writable: true)
        let tables = try StreamTables(stream: try RecordTable(reading: page.base, capacity: page.size))
        guard track >= 0, tables.trackList.isAvailable(UInt64(track)) else {
            throw .notFound("track \(track) of \(stream)")
        }
        tables.trackList.setInt(tables.valid, UInt64(track), UInt64(mask))
    }
}
