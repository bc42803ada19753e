import Logging
import MistCore
import MistData
import MistNet
import MistShm
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The connections of this process, as the controller's statistics see them: each with its
/// session, stream, address, connector and bytes (server perspective: up = sent). A thread
/// publishes them once a second in `/MstStat<pid>`, closes the connections of sessions the
/// controller asked to stop (`/MstStop`), and after `invalidate_sessions` asks USER_NEW again
/// for the viewer sessions playing here, cutting those it now refuses.
public enum ConnectionStats {
    struct Entry {
        var session: String
        var stream: String
        var host: String
        var connector: String
        var token: String
        var kind: String
        /// The URL the viewer asked for (USER_NEW's fifth line when asked again).
        var url: String
        /// The player's User-Agent (RTMP: its flashVer), for the session's `UA:` tag.
        var userAgent: String
        var connection: any CountedConnection
        var started: Int64
        /// Published once more after closing, with the final counts.
        var closed = false
    }

    private static let table = Mutex<(entries: [Int: Entry], next: Int, running: Bool)>(([:], 1, false))

    /// The session id for a connection of `kind` (`viewer`, `input`, `output`), MistServer's way.
    public static func session(kind: String, stream: String, host: String, token: String, connector: String) -> String {
        switch kind {
        case "input":
            return "I"
                + ViewerSession.id(
                    stream: stream, host: host, token: token, connector: connector,
                    mode: ViewerSession.mode("sessionInputMode", default: 15))
        case "output":
            return "O"
                + ViewerSession.id(
                    stream: stream, host: host, token: token, connector: connector,
                    mode: ViewerSession.mode("sessionOutputMode", default: 15))
        case "unspecified":
            return "U"
                + ViewerSession.id(
                    stream: stream, host: host, token: token, connector: connector,
                    mode: ViewerSession.mode("sessionUnspecifiedMode", default: 0))
        default: return ViewerSession.viewerID(stream: stream, host: host, token: token, connector: connector)
        }
    }

    /// The kind a stream-info request (`json_`, `info_`: connector `HTTP`) is counted as under
    /// `sessionStreamInfoMode`, MistServer's way: 1 a viewer, 2 an output, 3 not at all,
    /// 4 an unspecified session (bundled by `sessionUnspecifiedMode`); others a viewer.
    public static var streamInfoKind: String? {
        switch ViewerSession.mode("sessionStreamInfoMode", default: 1) {
        case 2: return "output"
        case 3: return nil
        case 4: return "unspecified"
        default: return "viewer"
        }
    }

    /// Starts counting `connection`; the handle to close it with.
    public static func open(
        _ connection: any CountedConnection, kind: String = "viewer", stream: String, host: String, connector: String,
        token: String, url: String = "", userAgent: String = ""
    ) -> Int {
        let entry = Entry(
            session: session(kind: kind, stream: stream, host: host, token: token, connector: connector),
            stream: stream,
            host: host, connector: kind == "input" ? "INPUT:" + connector : connector, token: token, kind: kind,
            url: url, userAgent: String(userAgent.prefix(512)), connection: connection, started: Int64(time(nil)))
        let (handle, start) = table.withLock { table -> (Int, Bool) in
            let handle = table.next
            table.next += 1
            table.entries[handle] = entry
            defer { table.running = true }
            return (handle, !table.running)
        }
        if start { startDetachedThread { publishLoop() } }
        return handle
    }

    public static func close(_ handle: Int) {
        table.withLock { $0.entries[handle]?.closed = true }
    }

    private static func publishLoop() {
        let name = "/MstStat\(getpid())"
        var invalidation = Triggers.setting("invalidate").intValue ?? 0
        var links: [Int: SessionLink] = [:]
        while true {
            let current = Triggers.setting("invalidate").intValue ?? 0
            if current != invalidation {
                invalidation = current
                recheckViewers()
            }
            let stopping = Set(
                (ConfigPage.read(StreamPageNames.stoppedSessions)?.arrayValue ?? []).compactMap(\.stringValue))
            let (rows, toStop) = table.withLock { table -> ([JSONValue], [any CountedConnection]) in
                var rows: [JSONValue] = []
                var toStop: [any CountedConnection] = []
                for (handle, entry) in table.entries {
                    let packets = entry.connection.packets
                    rows.append([
                        "id": .int(Int64(handle)), "sessid": .string(entry.session), "stream": .string(entry.stream),
                        "host": .string(entry.host), "protocol": .string(entry.connector), "tkn": .string(entry.token),
                        "start": .int(entry.started), "ua": .string(entry.userAgent),
                        "up": .int(Int64(entry.connection.sentBytes)),
                        "down": .int(Int64(entry.connection.receivedBytes)),
                        "pktcount": .int(packets.total),
                        "pktlost": .int(packets.lost),
                        "pktretransmit": .int(packets.retransmitted),
                        "closed": .bool(entry.closed),
                    ])
                    if entry.closed {
                        table.entries[handle] = nil
                    } else if stopping.contains(entry.session) {
                        toStop.append(entry.connection)
                    }
                }
                return (rows, toStop)
            }
            // Cut the connections of stopped sessions; their owners notice and end them.
            for connection in toStop { connection.cut() }
            linkSessions(&links)
            try? ConfigPage.write(["pid": .int(Int64(getpid())), "connections": .array(rows)], to: name)
            usleepMilliseconds(1000)
        }
    }

    /// Under MistServer's controller, every connection also writes its record into its session's
    /// table, where MistServer's `MistSession` and controller count it; a session that refuses
    /// it (USER_NEW said no) has its connections cut.
    private static func linkSessions(_ links: inout [Int: SessionLink]) {
        guard SessionLink.sessionsAreExternal else {
            for link in links.values { link.close() }
            links.removeAll()
            return
        }
        let entries = table.withLock { $0.entries }
        for (handle, link) in links where entries[handle] == nil {
            link.close()
            links[handle] = nil
        }
        let now = Int64(time(nil))
        for (handle, entry) in entries {
            let link = links[handle] ?? SessionLink(session: entry.session)
            links[handle] = link
            let packets = entry.connection.packets
            let sample = SessionLink.Sample(
                stream: entry.stream, host: entry.host, token: entry.token, connector: entry.connector, url: entry.url,
                seconds: UInt64(clamping: now - entry.started), up: UInt64(clamping: entry.connection.sentBytes),
                down: UInt64(clamping: entry.connection.receivedBytes), packets: UInt64(clamping: packets.total),
                lost: UInt64(clamping: packets.lost), retransmitted: UInt64(clamping: packets.retransmitted))
            if !link.update(sample) { entry.connection.cut() }
        }
    }

    /// USER_NEW again for every viewer session playing here (on a thread of its own: handlers
    /// may take seconds); the connections of sessions it now refuses are cut.
    private static func recheckViewers() {
        typealias Viewer = (id: String, stream: String, host: String, token: String, connector: String, url: String)
        let viewers: [Viewer] = table.withLock { table in
            var seen: [String: Viewer] = [:]
            for entry in table.entries.values where entry.kind == "viewer" && !entry.closed {
                seen[entry.session] =
                    seen[entry.session]
                    ?? (entry.session, entry.stream, entry.host, entry.token, entry.connector, entry.url)
            }
            return Array(seen.values)
        }
        guard !viewers.isEmpty else { return }
        startDetachedThread {
            let logger = Logger(label: "sessions")
            for viewer in viewers
            where !ViewerSession.admit(
                stream: viewer.stream, host: viewer.host, token: viewer.token, connector: viewer.connector,
                url: viewer.url, logger: logger)
            {
                let cut = table.withLock { table in
                    table.entries.values.filter { $0.session == viewer.id && !$0.closed }.map(\.connection)
                }
                logger.mist(
                    .info, "Session \(viewer.id) is refused after invalidate_sessions; cutting \(cut.count) connections"
                )
                for connection in cut { connection.cut() }
            }
        }
    }
}
