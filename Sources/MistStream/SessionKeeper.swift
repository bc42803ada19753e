import Logging
import MistCore
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// MistSession: one process per session, as MistServer runs them. The first connection of a
/// session starts it (outputs and inputs of either code base do); it makes the session's
/// connection table (`/MstSession<id>`), which every connection of the session writes its
/// bytes into, asks USER_NEW for viewers (refusing the session if the answer is no), sums the
/// connections once a second into the session's record of the controller's `/MstStat`, and
/// fires USER_END when the session's last connection has been gone for 15 seconds.
public enum SessionKeeper {
    public static let capabilities = Capabilities(
        name: "Session", binary: "MistSession",
        description: "Keeps one session's statistics and its USER_NEW and USER_END triggers. Started by the "
            + "suite's inputs and outputs for each new session; not run by hand.",
        optional: [
            CapabilityOption(
                "streamname", name: "Stream", help: "Stream name; or SESSION_STREAM", long: "streamname", short: "s"),
            CapabilityOption("ip", name: "Address", help: "Viewer address; or SESSION_IP", long: "ip", short: "i"),
            CapabilityOption("tkn", name: "Token", help: "Session token; or SESSION_TKN", long: "tkn", short: "t"),
            CapabilityOption(
                "protocol", name: "Protocol", help: "Protocol; or SESSION_PROTOCOL", long: "protocol", short: "p"),
            CapabilityOption(
                "requrl", name: "Request URL", help: "Requested URL; or SESSION_REQURL", long: "requrl", short: "r"),
            .debug,
        ],
        positional: [PositionalArgument("sessionid", help: "The session's id")])

    /// Seconds a session lives on after its last connection, as MistServer's `STATS_DELAY`.
    static let lingerSeconds: UInt64 = 15
    /// Seconds a refused viewer session keeps refusing reconnections (MistServer's `SESS_TIMEOUT`).
    static let refusedSeconds: UInt64 = 600

    public static let program = MistProgram(capabilities) { options, logger in
        func value(_ key: String, _ variable: String) -> String {
            if let given = options.string(key), !given.isEmpty { return given }
            return getenv(variable).map { String(cString: $0) } ?? ""
        }
        let id = options.string("sessionid") ?? ""
        guard !id.isEmpty, id.utf8.count <= 79, !id.contains("/") else {
            logger.mist(.fail, "A session needs an id of at most 79 characters without '/'")
            return 1
        }
        let details = Details(
            id: id, stream: value("streamname", "SESSION_STREAM"), host: value("ip", "SESSION_IP"),
            token: value("tkn", "SESSION_TKN"), protocolName: value("protocol", "SESSION_PROTOCOL"),
            url: value("requrl", "SESSION_REQURL"))
        return run(details, logger: logger)
    }

    struct Details {
        var id: String
        var stream: String
        var host: String
        var token: String
        var protocolName: String
        var url: String
        /// Only viewer sessions (ids without an I, O or U mark) fire USER_NEW and USER_END.
        var isViewer: Bool { !["I", "O", "U"].contains(id.first) }
    }

    /// What the session has seen of its connections.
    struct Tally {
        var seconds: UInt64 = 0
        var down: UInt64 = 0
        var up: UInt64 = 0
        var packets: UInt64 = 0
        var lost: UInt64 = 0
        var retransmitted: UInt64 = 0
        /// Per slot: the counters last read, to add only what grew.
        var last: [Int: SessionRecord] = [:]
        /// Seconds of connection time per protocol, host and stream (USER_END's lists).
        var connectors: [String: UInt64] = [:]
        var hosts: [String: UInt64] = [:]
        var streams: [String: UInt64] = [:]
        var connectorSeen: [String: UInt64] = [:]
        var hostSeen: [[UInt8]: UInt64] = [:]
        var streamSeen: [String: UInt64] = [:]
    }

    static func run(_ details: Details, logger: Logger) -> Int32 {
        let signals = StopSignals.block()
        let lock: NamedSemaphore
        do {
            lock = try NamedSemaphore(SessionTable.sessionSemaphore(details.id))
        } catch {
            logger.mist(.fail, "Cannot open the lock of session \(details.id): \(error)")
            return 1
        }
        guard lock.wait(milliseconds: 1000) else {
            logger.mist(.fail, "Session '\(details.id)' already locked")
            return 1
        }
        let pageName = SessionTable.sessionName(details.id)
        if SharedMemoryPage.exists(pageName) {
            logger.mist(.info, "Session '\(details.id)' already has a running process")
            lock.post()
            return 0
        }
        // The session's record on the controller's statistics table.
        guard let statistics = try? SharedMemoryPage(opening: SessionTable.statisticsName),
            let sessions = try? SessionTable(reading: statistics.base, capacity: statistics.size),
            let statisticsLock = try? NamedSemaphore(SessionTable.statisticsSemaphore)
        else {
            logger.mist(.fail, "Unable to register entry for session '\(details.id)' on the stats page")
            lock.post()
            return 1
        }
        statistics.isOwner = false
        _ = statisticsLock.wait(milliseconds: 5000)
        let claimed = sessions.claim()
        statisticsLock.post()
        guard let slot = claimed else {
            logger.mist(.fail, "The stats page is full; session '\(details.id)' is not counted")
            lock.post()
            return 1
        }
        var record = SessionRecord()
        record.pid = UInt64(getpid())
        record.host = SessionRecord.hostBytes(details.host)
        record.sessionID = details.id
        record.stream = details.stream
        record.now = UInt64(clamping: Int64(monotonicSeconds()))
        sessions.write(slot, record)
        defer { sessions.setStatus(slot, sessions.status(slot) | SessionRecord.disconnected) }

        let page: SharedMemoryPage
        let connections: SessionTable
        do {
            page = try SharedMemoryPage(creating: pageName, size: SessionTable.sessionSize)
            connections = try SessionTable(creating: page.base, capacity: page.size, sessions: false)
        } catch {
            logger.mist(.fail, "Cannot make the connection table of session \(details.id): \(error)")
            lock.post()
            return 1
        }
        defer {
            page.close()
            NamedSemaphore.unlink(SessionTable.sessionSemaphore(details.id))
        }

        var refused = false
        if details.isViewer {
            if let verdict = ViewerSession.tokenVerdict(
                details.token, stream: details.stream, use: "output", host: details.host, logger: logger)
            {
                refused = !verdict
            } else if Triggers.isActive("USER_NEW", stream: details.stream) {
                let payload = [
                    details.stream, details.host, details.token, details.protocolName, details.url, details.id, "false",
                ].joined(separator: "\n")
                refused = !Triggers.allow("USER_NEW", stream: details.stream, payload: payload, logger: logger)
            }
            if refused {
                logger.mist(.info, "Session \(details.id) refused by USER_NEW")
                connections.table.setExit()
            }
        }
        lock.post()
        logger.mist(.info, "Started new session \(details.id)")

        var tally = Tally()
        var lastSeen = UInt64(clamping: Int64(monotonicSeconds()))
        var open = 0
        while !refused && !signals.arePending {
            let now = UInt64(clamping: Int64(monotonicSeconds()))
            open = sample(connections, into: &tally, now: now, incoming: details.id.first == "I")
            if open > 0 {
                tally.seconds += 1
                lastSeen = now
            }
            record.now = now
            record.time = tally.seconds
            record.down = tally.down
            record.up = tally.up
            record.packets = tally.packets
            record.lost = tally.lost
            record.retransmitted = tally.retransmitted
            if open > 0 { summarize(&record, tally, now: now) }
            sessions.write(slot, record)
            if open == 0 && now - lastSeen > lingerSeconds { break }
            if connections.table.isExit { break }
            waitOneSecond(signals)
        }
        connections.table.setExit()
        if details.isViewer && !refused {
            let payload = userEndPayload(details, tally, tags: sessions.record(slot).tags)
            Triggers.notify("USER_END", stream: details.stream, payload: payload, logger: logger, waiting: true)
        }
        if refused {
            // The refusal stands for a while: the page stays, so the session's reconnections
            // fail at once.
            let start = monotonicSeconds()
            while !signals.arePending && monotonicSeconds() - start < Double(refusedSeconds) { waitOneSecond(signals) }
        }
        logger.mist(.info, "Shutting down session \(details.id)")
        return 0
    }

    /// One pass over the connection table, as MistServer's COMM_LOOP: dead writers are marked
    /// disconnected, closed records freed; counters only add what grew. Returns how many
    /// connections are live (updated in the last 10 s; inputs count however quiet).
    static func sample(_ table: SessionTable, into tally: inout Tally, now: UInt64, incoming: Bool) -> Int {
        var live = 0
        var highest = -1
        for slot in table.usedSlots {
            var status = table.status(slot)
            guard status != 0 else { continue }
            highest = slot
            let connection = table.record(slot)
            if status & SessionRecord.disconnected == 0 && connection.pid > 0
                && !StreamCleanup.processIsAlive(pid_t(clamping: connection.pid))
            {
                status |= SessionRecord.disconnected
                table.setStatus(slot, status)
            }
            if incoming || connection.now + 10 >= now {
                live += 1
                let previous = tally.last[slot] ?? SessionRecord()
                func grown(_ current: UInt64, _ before: UInt64) -> UInt64 { current >= before ? current - before : 0 }
                tally.down &+= grown(connection.down, previous.down)
                tally.up &+= grown(connection.up, previous.up)
                tally.packets &+= grown(connection.packets, previous.packets)
                tally.lost &+= grown(connection.lost, previous.lost)
                tally.retransmitted &+= grown(connection.retransmitted, previous.retransmitted)
                tally.last[slot] = connection
                if !connection.connector.isEmpty && connection.connector != "HTTP" {
                    tally.connectors[connection.connector, default: 0] += 1
                    tally.connectorSeen[connection.connector] = max(
                        tally.connectorSeen[connection.connector] ?? 0, connection.now)
                }
                if !connection.stream.isEmpty {
                    tally.streams[connection.stream, default: 0] += 1
                    tally.streamSeen[connection.stream] = max(tally.streamSeen[connection.stream] ?? 0, connection.now)
                }
                if connection.host.contains(where: { $0 != 0 }) {
                    tally.hosts[connection.hostText, default: 0] += 1
                    tally.hostSeen[connection.host] = max(tally.hostSeen[connection.host] ?? 0, connection.now)
                }
            }
            if status & SessionRecord.disconnected != 0 {
                tally.last[slot] = nil
                table.setStatus(slot, 0)
            }
        }
        if highest + 1 < table.slots && UInt64(highest + 1) < table.table.endPosition {
            table.table.endPosition = UInt64(highest + 1)
        }
        return live
    }

    /// The session record's protocols, address and stream: those active in the last 15 s (one
    /// address or stream, or none when several were).
    static func summarize(_ record: inout SessionRecord, _ tally: Tally, now: UInt64) {
        let recent = { (seen: UInt64) in now < seen + lingerSeconds }
        record.connector = tally.connectorSeen.filter { recent($0.value) }.keys.sorted().joined(separator: ",")
        let hosts = Array(tally.hostSeen.filter { recent($0.value) }.keys)
        record.host = hosts.count == 1 ? hosts[0] : Array(repeating: 0, count: 16)
        let streams = Array(tally.streamSeen.filter { recent($0.value) }.keys)
        record.stream = streams.count == 1 ? streams[0] : ""
    }

    /// USER_END's payload, in MistServer's lines: token, streams, protocols, hosts, seconds,
    /// bytes up and down, tags, then the seconds per host, protocol and stream, and the id.
    static func userEndPayload(_ details: Details, _ tally: Tally, tags: String) -> String {
        func list(_ counts: [String: UInt64]) -> (names: String, seconds: String) {
            let sorted = counts.sorted { $0.key < $1.key }
            return (sorted.map(\.key).joined(separator: ","), sorted.map { String($0.value) }.joined(separator: ","))
        }
        let streams = list(tally.streams)
        let connectors = list(tally.connectors)
        let hosts = list(tally.hosts)
        return [
            details.token, streams.names, connectors.names, hosts.names, String(tally.seconds), String(tally.up),
            String(tally.down), tags, hosts.seconds, connectors.seconds, streams.seconds, details.id,
        ].joined(separator: "\n")
    }

    /// Sleeps a second, or less when a stop signal arrives.
    static func waitOneSecond(_ signals: StopSignals) {
        for _ in 0..<10 where !signals.arePending { usleep(100_000) }
    }
}
