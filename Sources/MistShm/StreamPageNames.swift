/// The names of a stream's shared-memory pages and semaphores, as MistServer 3.x names them.
public enum StreamPageNames {
    /// Stream metadata: the stream table with its nested track list.
    public static func meta(_ stream: String) -> String { "/MstMeta" + stream }
    /// One track's metadata page, named after the process that created it.
    public static func track(_ stream: String, pid: Int32, index: Int) -> String {
        "/MstTrak\(stream)@\(pid)-\(index)"
    }
    /// A data page of a track, numbered by the first key it holds.
    public static func data(_ stream: String, track: Int, page: UInt32) -> String {
        "/MstData\(stream)@\(track)_\(page)"
    }
    /// Two bytes: the stream's status and a load percentage.
    public static func state(_ stream: String) -> String { "/MstSTATE" + stream }
    /// Eight bytes: the input process's pid.
    public static func inputPID(_ stream: String) -> String { "/MstIPID" + stream }
    /// Held by the running input of a stream, so a second one does not start.
    public static func inputSemaphore(_ stream: String) -> String { "/MstSemInpt" + stream }
    /// Held while one process starts a stream's input, so two viewers arriving together start one.
    public static func startSemaphore(_ stream: String) -> String { "/MstSemStrt" + stream }
    /// The local socket a stream's buffer input takes pushed media on.
    /// Abstract socket names are machine-wide, so with pages in a folder of their own
    /// (`MIST_SHM_FOLDER`) the name carries the folder too, keeping such setups apart.
    public static func pushSocket(_ stream: String) -> String {
        guard SharedMemoryPage.useFiles else { return "MistSwiftPush_" + stream }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in SharedMemoryPage.fallbackFolder.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return "MistSwiftPush_\(String(hash, radix: 36))_" + stream
    }
    /// The local socket a stream's buffer takes the tracks of its stream processes on
    /// (`MistProc*`): they add tracks beside the pushed source's instead of replacing it.
    public static func processSocket(_ stream: String) -> String {
        "MistSwiftProc_" + pushSocket(stream).dropFirst("MistSwiftPush_".count)
    }
    /// Guards adding and claiming tracks.
    public static func trackListSemaphore(_ stream: String) -> String { "/MstSemTRKS" + stream }
}

extension StreamPageNames {
    /// A configured stream's settings, published by the controller (by base name: `live` for
    /// `live+cam`).
    public static func configuration(_ baseName: String) -> String { "/MstSCnf" + baseName }
    /// The capabilities of every installed binary, published by the controller.
    public static let capabilities = "/MstCapa"
    /// The configured protocols (`config.protocols`), as the controller publishes them
    /// (MistServer's `SHM_PROTO`, which MistUtilCertbot reads).
    public static let protocols = "/MstProt"
    /// Settings of this suite that MistServer's global settings page has no field for (stream
    /// tags, JSON Web Keys, trusted proxies, the log level, the session invalidation count).
    public static let serverExtras = "/MstXtra"
    /// The custom variables' current values, as the controller publishes them.
    public static let variables = "/MstVars"
    /// The external writers (`extwriters`), as the controller publishes them.
    public static let externalWriters = "/MstXWrt"
    /// A push process's status for `push_list` (our layout: JSON, rewritten once a second).
    public static func pushStatus(_ pid: Int32) -> String { "/MstPush\(pid)" }
    /// Session ids the controller wants stopped; every process cuts their connections.
    public static let stoppedSessions = "/MstStop"
    /// Each process's connection statistics: this prefix and its pid.
    public static let statisticsPrefix = "MstStat"
}
