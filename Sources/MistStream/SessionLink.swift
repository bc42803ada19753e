import MistCore
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// A connection's record in its session's connection table (`/MstSession<id>`), kept the way
/// MistServer's outputs keep theirs: the first connection of a session starts `MistSession`
/// (whichever code base's lies beside this binary), then each connection claims a slot and
/// writes its bytes there once a second. Used under MistServer's controller, which counts
/// sessions only from what `MistSession` processes report.
final class SessionLink {
    let session: String
    private var page: SharedMemoryPage?
    private var table: SessionTable?
    private var slot: Int?
    private var spawned = false

    init(session: String) {
        self.session = session
    }

    /// Whether sessions are kept MistServer's way: its controller runs (its global settings page
    /// is there, this suite's own settings page is not).
    static var sessionsAreExternal: Bool {
        SharedMemoryPage.exists(GlobalConfigPage.name) && !SharedMemoryPage.exists(StreamPageNames.serverExtras)
    }

    /// The connection as a record.
    struct Sample {
        var stream: String
        var host: String
        var token: String
        var connector: String
        var url: String
        var seconds: UInt64
        var up: UInt64
        var down: UInt64
        var packets: UInt64
        var lost: UInt64
        var retransmitted: UInt64
    }

    /// Writes `sample` into the session's table, joining it first (starting its MistSession
    /// when there is none). Returns false when the session refused the connection (its table
    /// is marked to exit: USER_NEW said no).
    func update(_ sample: Sample) -> Bool {
        if slot == nil { join(sample) }
        guard let table, let slot else { return true }
        if table.table.isExit { return false }
        var record = SessionRecord()
        record.pid = UInt64(getpid())
        record.now = UInt64(clamping: Int64(monotonicSeconds()))
        record.time = sample.seconds
        record.down = sample.down
        record.up = sample.up
        record.host = SessionRecord.hostBytes(sample.host)
        record.stream = sample.stream
        record.connector = sample.connector
        record.packets = sample.packets
        record.lost = sample.lost
        record.retransmitted = sample.retransmitted
        table.write(slot, record)
        return true
    }

    /// Marks the connection gone (the session sees it at its next pass).
    func close() {
        if let table, let slot { table.setStatus(slot, table.status(slot) | SessionRecord.disconnected) }
        page?.close()
        page = nil
        table = nil
        slot = nil
    }

    private func join(_ sample: Sample) {
        let name = SessionTable.sessionName(session)
        if !SharedMemoryPage.exists(name) {
            guard !spawned else { return }
            spawned = true
            let binary = ChildProcess.ownDirectory() + "MistSession"
            let arguments = [
                session, "--streamname", sample.stream, "--ip", sample.host, "--tkn", sample.token, "--protocol",
                sample.connector,
            ]
            if let pid = try? ChildProcess.spawn(
                binary, arguments: arguments, standardError: 2, extraEnvironment: ["SESSION_REQURL=" + sample.url])
            {
                ChildProcess.reapWhenDone(pid)
            }
            return
        }
        // The session's lock is held while it starts (and asks USER_NEW).
        guard let lock = try? NamedSemaphore(SessionTable.sessionSemaphore(session)), lock.wait(milliseconds: 100)
        else { return }
        defer { lock.post() }
        guard let page = try? SharedMemoryPage(opening: name),
            let table = try? SessionTable(reading: page.base, capacity: page.size)
        else { return }
        page.isOwner = false
        guard let slot = table.claim() else { return }
        self.page = page
        self.table = table
        self.slot = slot
    }
}
