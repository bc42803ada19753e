import Logging
import MistCore
import MistData
import MistShm
import MistStream
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The controller's view of every connection and session, from the statistics each process
/// publishes: sessions end 15 s after their last connection (USER_END and the access log for
/// viewers), streams 15 s after their last session (STREAM_END); `clients`, `totals` and
/// Prometheus read from here.
public final class SessionStatistics: Sendable {
    struct Connection {
        var key: String
        var session: String
        var stream: String
        var host: String
        var connector: String
        var token: String
        var start: Int64
        var up: Int64
        var down: Int64
        /// The player's User-Agent; its session is tagged `UA:<agent>` once it has played a
        /// while (at once on segment protocols), as MistServer's outputs tag theirs.
        var userAgent = ""
        var taggedAgent = false
        /// Bytes per second over the last samples.
        var upRate: Int64 = 0
        var downRate: Int64 = 0
        /// Packets over lossy transports (SRT, RTP over UDP): all, lost, retransmitted.
        var packets: Int64 = 0
        var lost: Int64 = 0
        var retransmitted: Int64 = 0
    }

    struct Session {
        var id: String
        var kind: String
        var token: String
        var streams: [String] = []
        var connectors: [String] = []
        var hosts: [String] = []
        var first: Int64
        var last: Int64
        /// Bytes of its closed connections; open ones are added from `connections`.
        var closedUp: Int64 = 0
        var closedDown: Int64 = 0
        var open = 0
        /// Kept by a `MistSession` process (from `/MstStat`), which fires USER_END itself.
        var external = false
    }

    struct StreamTotals {
        var up: Int64 = 0
        var down: Int64 = 0
        var packets: Int64 = 0
        var lost: Int64 = 0
        var retransmitted: Int64 = 0
        var viewers = 0
        var inputs = 0
        var outputs = 0
        var viewSeconds: Int64 = 0
        var last: Int64 = 0
    }

    struct State {
        var connections: [String: Connection] = [:]
        var sessions: [String: Session] = [:]
        var streams: [String: StreamTotals] = [:]
        /// Per second: [viewers, inputs, outputs, downbps, upbps, 0, 0] and its unix time.
        var history: [(time: Int64, row: [Int64])] = []
        /// The open connections as they were each second, for `clients` with a `time`: at most
        /// 600 s, and at most `maximumClientSamples` connections in all (a busy server keeps
        /// fewer seconds).
        var clientHistory: [(time: Int64, connections: [Connection])] = []
        var clientSamples = 0
        var sessionCounts = ["viewers": 0, "incoming": 0, "outgoing": 0, "unspecified": 0]
        var totalUp: Int64 = 0
        var totalDown: Int64 = 0
        var totalPackets: Int64 = 0
        var totalLost: Int64 = 0
        var totalRetransmitted: Int64 = 0
        var viewSeconds: Int64 = 0
        var stopped: [String: Int64] = [:]
        /// Tags given to sessions by the API.
        var tags: [String: [String]] = [:]
        /// Connections already counted as closed (their last page may be read again), and when.
        var finished: [String: Int64] = [:]
        /// The second last counted: view-seconds and the history advance once per second,
        /// however often the pages are read.
        var countedSecond: Int64 = 0
        /// When the pages were last read (monotonic seconds), to make rates per second.
        var lastRead: Double?
        /// Bytes and packets since the last history row.
        var pendingRow: (up: Int64, down: Int64, packets: Int64, lost: Int64, retransmitted: Int64) = (0, 0, 0, 0, 0)
    }

    private let state = Mutex(State())
    /// MistServer's session table (`/MstStat`), where `MistSession` processes (of either code
    /// base) put each session of MistServer-style outputs; opened by `openSessionTable()`.
    private let sessionTable = Mutex<(page: SharedMemoryPage, table: SessionTable)?>(nil)
    let logger: Logger
    let accessLog: @Sendable (AccessLog.Entry) -> Void

    /// When these statistics started (Unix seconds).
    let startedAt = Int64(time(nil))

    public init(logger: Logger, accessLog: @escaping @Sendable (AccessLog.Entry) -> Void) {
        self.logger = logger
        self.accessLog = accessLog
    }

    static func kind(_ session: String) -> String {
        switch session.first {
        case "I": return "input"
        case "O": return "output"
        case "U": return "unspecified"
        default: return "viewer"
        }
    }

    /// Seconds a connection plays before its User-Agent tags its session: none for segment
    /// protocols (each request is short), 10 for the rest, as MistServer's outputs wait.
    static func agentTagDelay(_ connector: String) -> Int64 {
        ["HLS", "CMAF", "HDS"].contains(connector) ? 0 : 10
    }

    /// MistServer's name for sessions of `kind` in its counters.
    static func countLabel(_ kind: String) -> String {
        switch kind {
        case "viewer": return "viewers"
        case "input": return "incoming"
        case "output": return "outgoing"
        default: return "unspecified"
        }
    }

    /// The processes' statistics pages (`/MstStat<pid>`): page name and owner.
    static func pages() -> [(name: String, pid: pid_t)] {
        let prefix = StreamPageNames.statisticsPrefix
        return StreamCleanup.allMistObjects().compactMap { name in
            guard name.hasPrefix(prefix), let pid = pid_t(name.dropFirst(prefix.count)) else { return nil }
            return ("/" + name, pid)
        }
    }

    /// Opens MistServer's session table, or makes it when there is none (as its controller does;
    /// the table outlives the controller, so sessions survive a restart).
    public func openSessionTable() {
        let name = SessionTable.statisticsName
        if let page = try? SharedMemoryPage(opening: name),
            let table = try? SessionTable(reading: page.base, capacity: page.size)
        {
            page.isOwner = false
            sessionTable.withLock { $0 = (page, table) }
            return
        }
        do {
            let page = try SharedMemoryPage(creating: name, size: SessionTable.statisticsSize)
            page.isOwner = false
            let table = try SessionTable(creating: page.base, capacity: page.size, sessions: true)
            sessionTable.withLock { $0 = (page, table) }
        } catch {
            logger.mist(.error, "Cannot make the session table \(name): \(error)")
        }
    }

    /// At shutdown: removes the session table unless a session process still uses it (then it
    /// stays for the next controller, as MistServer's does).
    public func closeSessionTable() {
        sessionTable.withLock { entry in
            guard let (page, table) = entry else { return }
            let inUse = table.usedSlots.contains { slot in
                let record = table.record(slot)
                return record.status != 0 && record.status & SessionRecord.disconnected == 0 && record.pid > 0
                    && StreamCleanup.processIsAlive(pid_t(clamping: record.pid))
            }
            page.close()
            if !inUse { _ = SharedMemoryPage.unlink(SessionTable.statisticsName) }
            entry = nil
        }
    }

    /// The sessions `MistSession` processes report, as rows like the processes' pages give
    /// (`S:<id>` keys); records of ended sessions are freed once read, as MistServer's
    /// controller does.
    func sessionTableRows(now: Int64) -> [String: (JSONValue, Bool)] {
        sessionTable.withLock { entry in
            guard let table = entry?.table else { return [:] }
            var rows: [String: (JSONValue, Bool)] = [:]
            let monotonic = Int64(monotonicSeconds())
            for slot in table.usedSlots {
                var status = table.status(slot)
                guard status != 0 else { continue }
                var record = table.record(slot)
                guard !record.sessionID.isEmpty else { continue }
                if status & SessionRecord.disconnected == 0
                    && !(record.pid > 0 && StreamCleanup.processIsAlive(pid_t(clamping: record.pid)))
                {
                    status |= SessionRecord.disconnected
                }
                record.status = status
                let connected = Int64(clamping: record.time)
                let row: JSONValue = [
                    "sessid": .string(record.sessionID), "up": .int(Int64(clamping: record.up)),
                    "down": .int(Int64(clamping: record.down)), "stream": .string(record.stream),
                    "host": .string(record.hostText),
                    "protocol": .string(String(record.connector.prefix { $0 != "," })),
                    "start": .int(now - max(0, min(connected, monotonic))),
                    "pktcount": .int(Int64(clamping: record.packets)), "pktlost": .int(Int64(clamping: record.lost)),
                    "pktretransmit": .int(Int64(clamping: record.retransmitted)),
                ]
                let open = status & SessionRecord.disconnected == 0
                rows["S:" + record.sessionID] = (row, open)
                if !open { table.setStatus(slot, 0) }
            }
            return rows
        }
    }

    /// The connections (`pid:id` keys) that are gone: not seen this time, and not of a process
    /// whose page could not be read.
    static func vanished(
        _ keys: some Sequence<String>, seen: [String: (JSONValue, Bool)], unreadable: Set<String>
    ) -> [String] {
        keys.filter { key in seen[key] == nil && !unreadable.contains(String(key.prefix { $0 != ":" })) }
    }

    /// Removes the pages of processes that ended (the controller's last pass, at shutdown).
    static func removePagesOfEndedProcesses() {
        for (name, pid) in pages() where !StreamCleanup.processIsAlive(pid) { ConfigPage.remove(name) }
    }

    /// Reads every process's page (several times a second), ends idle sessions and streams;
    /// view-seconds and the history move once per second.
    public func tick() {
        let now = Int64(time(nil))
        let reading = monotonicSeconds()
        var seen: [String: (JSONValue, Bool)] = [:]
        // Processes alive whose page could not be read this time (being rewritten): their
        // connections stay as they were, rather than ending and coming back counted again.
        var unreadable: Set<String> = []
        for (name, pid) in Self.pages() {
            let alive = pid > 0 && StreamCleanup.processIsAlive(pid)
            guard let page = ConfigPage.read(name) else {
                if alive { unreadable.insert(String(pid)) }
                continue
            }
            for row in page["connections"].arrayValue ?? [] {
                seen["\(pid):\(row["id"].intValue ?? 0)"] = (row, alive && !row["closed"].asBool)
            }
            if !alive { ConfigPage.remove(name) }
        }
        // Sessions a MistSession process keeps, unless the processes' pages already count them.
        let counted = Set(seen.values.map { $0.0["sessid"].asString })
        for (key, row) in sessionTableRows(now: now) where !counted.contains(row.0["sessid"].asString) {
            seen[key] = row
        }
        var ended: [Session] = []
        var endedStreams: [(String, StreamTotals)] = []
        state.withLock { state in
            // Rates are bytes per second whatever the time between reads (at least 50 ms, so a
            // hurried read does not multiply a few bytes into a burst).
            let interval = max(0.05, state.lastRead.map { reading - $0 } ?? 1)
            state.lastRead = reading
            let newSecond = now != state.countedSecond
            if newSecond && state.countedSecond > 0 {
                // The connections as the second that just ended left them, for `clients` later.
                let snapshot = Array(state.connections.values)
                state.clientHistory.append((state.countedSecond, snapshot))
                state.clientSamples += snapshot.count
                while let oldest = state.clientHistory.first,
                    state.clientHistory.count > 600 || state.clientSamples > Self.maximumClientSamples
                {
                    state.clientSamples -= oldest.connections.count
                    state.clientHistory.removeFirst()
                }
            }
            state.countedSecond = now
            var upRate: Int64 = 0
            var downRate: Int64 = 0
            var tickPackets: (all: Int64, lost: Int64, retransmitted: Int64) = (0, 0, 0)
            for (key, (row, isOpen)) in seen where state.finished[key] == nil {
                let session = row["sessid"].asString
                let up = row["up"].intValue ?? 0
                let down = row["down"].intValue ?? 0
                var connection =
                    state.connections[key]
                    ?? Connection(
                        key: key, session: session, stream: row["stream"].asString, host: row["host"].asString,
                        connector: row["protocol"].asString, token: row["tkn"].asString,
                        start: row["start"].intValue ?? now,
                        up: 0, down: 0)
                // A MistSession's record names its protocol and stream once its first connection
                // has been counted.
                if connection.connector.isEmpty { connection.connector = row["protocol"].asString }
                if connection.stream.isEmpty { connection.stream = row["stream"].asString }
                connection.userAgent = row["ua"].asString
                if !connection.taggedAgent && !connection.userAgent.isEmpty
                    && (!isOpen || now - connection.start >= Self.agentTagDelay(connection.connector))
                {
                    connection.taggedAgent = true
                    let tag = "UA:" + connection.userAgent
                    if !(state.tags[session] ?? []).contains(tag) { state.tags[session, default: []].append(tag) }
                }
                let (addedUp, addedDown) = (max(0, up - connection.up), max(0, down - connection.down))
                connection.upRate = Int64(Double(addedUp) / interval)
                connection.downRate = Int64(Double(addedDown) / interval)
                connection.up = up
                connection.down = down
                let packets = (
                    row["pktcount"].intValue ?? 0, row["pktlost"].intValue ?? 0, row["pktretransmit"].intValue ?? 0
                )
                let addedPackets = (
                    max(0, packets.0 - connection.packets), max(0, packets.1 - connection.lost),
                    max(0, packets.2 - connection.retransmitted)
                )
                (connection.packets, connection.lost, connection.retransmitted) = packets
                tickPackets.all += addedPackets.0
                tickPackets.lost += addedPackets.1
                tickPackets.retransmitted += addedPackets.2
                state.totalPackets += addedPackets.0
                state.totalLost += addedPackets.1
                state.totalRetransmitted += addedPackets.2
                state.streams[connection.stream, default: StreamTotals()].packets += addedPackets.0
                state.streams[connection.stream, default: StreamTotals()].lost += addedPackets.1
                state.streams[connection.stream, default: StreamTotals()].retransmitted += addedPackets.2
                upRate += addedUp
                downRate += addedDown
                state.totalUp += addedUp
                state.totalDown += addedDown
                state.streams[connection.stream, default: StreamTotals()].up += addedUp
                state.streams[connection.stream, default: StreamTotals()].down += addedDown
                state.streams[connection.stream]?.last = now
                if state.sessions[session] == nil {
                    let kind = SessionStatistics.kind(session)
                    state.sessions[session] = Session(
                        id: session, kind: kind, token: connection.token, first: now, last: now,
                        external: key.hasPrefix("S:"))
                    state.sessionCounts[Self.countLabel(kind), default: 0] += 1
                    switch kind {
                    case "input": state.streams[connection.stream]?.inputs += 1
                    case "output": state.streams[connection.stream]?.outputs += 1
                    case "unspecified": break
                    default: state.streams[connection.stream]?.viewers += 1
                    }
                }
                if var entry = state.sessions[session] {
                    for (list, value) in [
                        (\Session.streams, connection.stream), (\Session.connectors, connection.connector),
                        (\Session.hosts, connection.host),
                    ]
                    where !value.isEmpty && !entry[keyPath: list].contains(value) {
                        entry[keyPath: list].append(value)
                    }
                    entry.last = now
                    if !isOpen {
                        entry.closedUp += up
                        entry.closedDown += down
                    }
                    state.sessions[session] = entry
                }
                if isOpen {
                    state.connections[key] = connection
                } else {
                    state.connections[key] = nil
                    state.finished[key] = now
                }
            }
            // Connections of processes that vanished without a last page.
            for key in Self.vanished(state.connections.keys, seen: seen, unreadable: unreadable) {
                if let connection = state.connections.removeValue(forKey: key) {
                    state.sessions[connection.session]?.closedUp += connection.up
                    state.sessions[connection.session]?.closedDown += connection.down
                }
            }
            var open: [String: Int] = [:]
            for connection in state.connections.values { open[connection.session, default: 0] += 1 }
            for (id, var session) in state.sessions {
                session.open = open[id] ?? 0
                if session.open > 0 {
                    session.last = now
                    if session.kind == "viewer" && newSecond {
                        state.viewSeconds += 1
                        for stream in session.streams { state.streams[stream]?.viewSeconds += 1 }
                    }
                }
                state.sessions[id] = session
                if session.open == 0 && now - session.last >= 15 {
                    state.sessions[id] = nil
                    ended.append(session)
                }
            }
            let active = Set(state.connections.values.map(\.stream))
            for (name, totals) in state.streams where !active.contains(name) && now - totals.last >= 15 {
                state.streams[name] = nil
                endedStreams.append((name, totals))
            }
            state.pendingRow.up += upRate
            state.pendingRow.down += downRate
            state.pendingRow.packets += tickPackets.all
            state.pendingRow.lost += tickPackets.lost
            state.pendingRow.retransmitted += tickPackets.retransmitted
            if newSecond {
                let kinds = state.sessions.values.filter { $0.open > 0 }.map(\.kind)
                let row = state.pendingRow
                state.history.append(
                    (
                        now,
                        [
                            Int64(kinds.filter { $0 == "viewer" }.count), Int64(kinds.filter { $0 == "input" }.count),
                            Int64(kinds.filter { $0 == "output" }.count), row.down, row.up,
                            row.packets > 0 ? row.lost * 100 / row.packets : 0,
                            row.packets > 0 ? row.retransmitted * 100 / row.packets : 0,
                        ]
                    ))
                state.pendingRow = (0, 0, 0, 0, 0)
                if state.history.count > 600 { state.history.removeFirst(state.history.count - 600) }
            }
            state.stopped = state.stopped.filter { now - $0.value < 60 }
            state.finished = state.finished.filter { now - $0.value < 60 }
        }
        for session in ended {
            let tags = state.withLock { $0.tags.removeValue(forKey: session.id) } ?? []
            finish(session, tags: tags)
        }
        for (name, totals) in endedStreams {
            Triggers.notify(
                "STREAM_END", stream: name,
                payload: [
                    name, String(totals.down), String(totals.up), String(totals.viewers), String(totals.inputs),
                    String(totals.outputs), String(totals.viewSeconds),
                ].joined(separator: "\n"), logger: logger)
        }
        let stopped = state.withLock { Array($0.stopped.keys) }
        if stopped.isEmpty {
            ConfigPage.remove(StreamPageNames.stoppedSessions)
        } else {
            try? ConfigPage.write(.array(stopped.map { .string($0) }), to: StreamPageNames.stoppedSessions)
        }
    }

    /// USER_END and the access log line of an ended viewer session.
    private func finish(_ session: Session, tags: [String]) {
        guard session.kind == "viewer" else { return }
        let seconds = max(1, session.last - session.first)
        let connectors = session.connectors.filter { $0 != "HTTP" }
        let tagText: String = tags.map { "[\($0)]" }.joined()
        let perHost: String = session.hosts.map { _ in String(seconds) }.joined(separator: ",")
        let perConnector: String = connectors.map { _ in String(seconds) }.joined(separator: ",")
        let perStream: String = session.streams.map { _ in String(seconds) }.joined(separator: ",")
        var payload: [String] = [
            session.token, session.streams.joined(separator: ","), connectors.joined(separator: ","),
        ]
        payload += [session.hosts.joined(separator: ","), String(seconds), String(session.closedUp)]
        payload += [String(session.closedDown), tagText, perHost, perConnector, perStream, session.id]
        if !session.external {
            Triggers.notify(
                "USER_END", stream: session.streams.first ?? "", payload: payload.joined(separator: "\n"),
                logger: logger)
        }
        accessLog(
            AccessLog.Entry(
                session: session.id, stream: session.streams.joined(separator: ","),
                connectors: connectors.joined(separator: ","),
                host: session.hosts.count == 1 ? session.hosts[0] : "::", seconds: seconds, up: session.closedUp,
                down: session.closedDown, tags: tagText))
    }

    /// `stop_sessid`: the processes cut the connections of these sessions.
    public func stop(sessions: [String]) {
        let now = Int64(time(nil))
        state.withLock { state in for id in sessions { state.stopped[id] = now } }
        try? ConfigPage.write(
            .array(state.withLock { $0.stopped.keys.map { .string($0) } }), to: StreamPageNames.stoppedSessions)
    }

    /// A stream's numbers for `active_streams`: open sessions by kind, viewer sessions so far,
    /// viewer-seconds and bytes.
    public func summary(of stream: String) -> [String: Int64] {
        state.withLock { state in
            let open = state.sessions.values.filter { $0.open > 0 && $0.streams.contains(stream) }
            let totals = state.streams[stream] ?? StreamTotals()
            return [
                "viewers": Int64(open.filter { $0.kind == "viewer" }.count),
                "clients": Int64(open.filter { $0.kind == "viewer" }.count),
                "inputs": Int64(open.filter { $0.kind == "input" }.count),
                "outputs": Int64(open.filter { $0.kind == "output" }.count),
                "unspecified": Int64(open.filter { $0.kind == "unspecified" }.count), "views": Int64(totals.viewers),
                "viewseconds": totals.viewSeconds, "upbytes": totals.up, "downbytes": totals.down,
            ]
        }
    }

    /// The streams statistics are kept for (`stats_streams`).
    public var streamNames: [String] { state.withLock { $0.streams.keys.sorted() } }

    /// Adds `tags` to a session (`tag_sessid`).
    public func tag(session: String, with tags: [String]) {
        state.withLock { state in
            for tag in tags where !(state.tags[session] ?? []).contains(tag) {
                state.tags[session, default: []].append(tag)
            }
        }
    }

    /// Open sessions carrying `tag` (`stop_tag`).
    public func sessions(tagged tag: String) -> [String] {
        state.withLock { state in
            state.sessions.values.filter { $0.open > 0 && (state.tags[$0.id] ?? []).contains(tag) }.map(\.id)
        }
    }

    /// Open sessions of `stream` (all when empty).
    public func sessions(of stream: String, connector: String? = nil) -> [String] {
        state.withLock { state in
            state.sessions.values.filter { session in
                session.open > 0 && (stream.isEmpty || session.streams.contains(stream))
                    && (connector.map { session.connectors.contains($0) } ?? true)
            }.map(\.id)
        }
    }

    static let clientFields = [
        "host", "stream", "protocol", "conntime", "position", "down", "up", "downbps", "upbps", "sessid", "pktcount",
        "pktlost", "pktretransmit",
    ]

    /// The most connection samples `clients` history keeps (about 200 bytes each).
    static let maximumClientSamples = 60_000

    /// The second `clients` asks about: now (no `time`, or 0), seconds before now (negative), a
    /// Unix time, or (small positive numbers, MistServer's boot-relative times) seconds after
    /// these statistics started.
    func requestedTime(_ value: JSONValue, now: Int64) -> Int64 {
        guard let asked = value.intValue, asked != 0 else { return now }
        if asked < 0 { return now + max(asked, -86_400 * 365) }
        if asked > now - 600 { return min(asked, now) }
        return min(startedAt + asked, now)
    }

    /// `clients`: one row per connection open at the asked `time` (now by default), in the
    /// asked fields.
    public func clients(_ request: JSONValue) -> JSONValue {
        let current = Int64(time(nil))
        let now = requestedTime(request["time"], now: current)
        var fields = (request["fields"].arrayValue ?? []).compactMap(\.stringValue).filter(
            SessionStatistics.clientFields.contains)
        if fields.isEmpty { fields = SessionStatistics.clientFields }
        let streams = (request["streams"].arrayValue ?? []).compactMap(\.stringValue)
        let protocols = (request["protocols"].arrayValue ?? []).compactMap(\.stringValue)
        let rows: [JSONValue] = state.withLock { state in
            // The connections of that second: now's, or the newest snapshot not after it.
            let connections =
                now >= current
                ? Array(state.connections.values) : state.clientHistory.last { $0.time <= now }?.connections ?? []
            return connections.sorted { $0.key < $1.key }.compactMap { connection in
                guard
                    streams.isEmpty
                        || streams.contains(where: { connection.stream == $0 || connection.stream.hasPrefix($0 + "+") }),
                    protocols.isEmpty
                        || protocols.contains(where: {
                            connection.connector == $0 || connection.connector.hasPrefix($0 + ":")
                        })
                else { return nil }
                return .array(
                    fields.map { field -> JSONValue in
                        switch field {
                        case "host": return .string(connection.host)
                        case "stream": return .string(connection.stream)
                        case "protocol": return .string(connection.connector)
                        case "conntime": return .int(now - connection.start)
                        case "down": return .int(connection.down)
                        case "up": return .int(connection.up)
                        case "downbps": return .int(connection.downRate)
                        case "upbps": return .int(connection.upRate)
                        case "sessid": return .string(connection.session)
                        case "pktcount": return .int(connection.packets)
                        case "pktlost": return .int(connection.lost)
                        case "pktretransmit": return .int(connection.retransmitted)
                        default: return .int(0)
                        }
                    })
            }
        }
        return [
            "time": .int(now), "fields": .array(fields.map { .string($0) }),
            "data": rows.isEmpty ? .null : .array(rows),
        ]
    }

    static let totalFields = ["clients", "inputs", "outputs", "downbps", "upbps", "perc_lost", "perc_retrans"]

    /// `totals`: per-second sums over the asked time range.
    public func totals(_ request: JSONValue) -> JSONValue {
        let now = Int64(time(nil))
        var fields = (request["fields"].arrayValue ?? []).compactMap(\.stringValue).filter(
            SessionStatistics.totalFields.contains)
        if fields.isEmpty { fields = SessionStatistics.totalFields }
        var start = request["start"].intValue ?? 0
        var end = request["end"].intValue ?? 0
        if start == 0 { start = now - 600 } else if start < 0 { start = now + start }
        if end <= 0 { end = now + end }
        let rows = state.withLock { $0.history.filter { $0.time >= start && $0.time <= end } }
        guard let first = rows.first, let last = rows.last else {
            return [
                "fields": .array(fields.map { .string($0) }), "start": .null, "end": .null, "data": .null,
                "interval": .null,
            ]
        }
        let columns = fields.compactMap { SessionStatistics.totalFields.firstIndex(of: $0) }
        return [
            "fields": .array(fields.map { .string($0) }), "start": .int(first.time), "end": .int(last.time),
            "data": .array(rows.map { row in .array(columns.map { .int(row.row[$0]) }) }),
            "interval": [[.int(Int64(rows.count)), 1]],
        ]
    }

    /// Prometheus text exposition with MistServer's metric names (and its no-space quirk).
    public func prometheus(system: [(name: String, help: String, type: String, value: Int64)] = []) -> String {
        state.withLock { state in
            var text = ""
            for metric in system {
                text +=
                    "# HELP \(metric.name) \(metric.help)\n# TYPE \(metric.name) \(metric.type)\n\(metric.name) \(metric.value)\n\n"
            }
            text += "# HELP mist_sessions_total Number of sessions active right now, server-wide, by type.\n"
            text += "# TYPE mist_sessions_total gauge\n"
            let open = state.sessions.values.filter { $0.open > 0 }
            for kind in ["viewer", "input", "output", "unspecified"] {
                text +=
                    "mist_sessions_total{sessType=\"\(Self.countLabel(kind))\"}\(open.filter { $0.kind == kind }.count)\n"
            }
            text += "mist_sessions_total{sessType=\"cached\"}\(state.sessions.count)\n\n"
            text +=
                "# HELP mist_sessions_count Counts of unique sessions since server boot.\n# TYPE mist_sessions_count counter\n"
            for (label, count) in state.sessionCounts.sorted(by: { $0.key < $1.key }) {
                text += "mist_sessions_count{sessType=\"\(label)\"}\(count)\n"
            }
            text +=
                "\n# HELP mist_bw_total Count of bytes handled since server boot, by direction.\n# TYPE mist_bw_total counter\n"
            text +=
                "mist_bw_total{direction=\"up\"}\(state.totalUp)\nmist_bw_total{direction=\"down\"}\(state.totalDown)\n\n"
            text +=
                "# HELP mist_packets_total Total number of packets sent/received/lost over lossy protocols, server-wide.\n"
            text += "# TYPE mist_packets_total counter\n"
            text += "mist_packets_total{pkttype=\"sent\"}\(state.totalPackets)\n"
            text += "mist_packets_total{pkttype=\"lost\"}\(state.totalLost)\n"
            text += "mist_packets_total{pkttype=\"retrans\"}\(state.totalRetransmitted)\n\n"
            text += "# HELP mist_viewseconds_total Number of seconds any media was received by a viewer.\n"
            text += "# TYPE mist_viewseconds_total counter\nmist_viewseconds_total \(state.viewSeconds)\n\n"
            var outputs: [String: Int] = [:]
            for connection in state.connections.values where SessionStatistics.kind(connection.session) == "viewer" {
                outputs[connection.connector, default: 0] += 1
            }
            if !outputs.isEmpty {
                text += "# HELP mist_outputs Number of viewers active right now, server-wide, by output type.\n"
                text += "# TYPE mist_outputs gauge\n"
                for (name, count) in outputs.sorted(by: { $0.key < $1.key }) {
                    text += "mist_outputs{output=\"\(name)\"}\(count)\n"
                }
                text += "\n"
            }
            text += "# HELP mist_viewcount Count of unique viewer sessions since stream start, per stream.\n"
            text +=
                "# TYPE mist_viewcount counter\n# HELP mist_bw Count of bytes handled since stream start, by direction.\n"
            text += "# TYPE mist_bw counter\n"
            text += "# HELP mist_packets Total number of packets sent/received/lost over lossy protocols.\n"
            text += "# TYPE mist_packets counter\n"
            for (name, totals) in state.streams.sorted(by: { $0.key < $1.key }) {
                text +=
                    "mist_sessions{stream=\"\(name)\",sessType=\"viewers\"}\(open.filter { $0.kind == "viewer" && $0.streams.contains(name) }.count)\n"
                text += "mist_viewcount{stream=\"\(name)\"}\(totals.viewers)\n"
                text += "mist_viewseconds{stream=\"\(name)\"} \(totals.viewSeconds)\n"
                text += "mist_bw{stream=\"\(name)\",direction=\"up\"}\(totals.up)\n"
                text += "mist_bw{stream=\"\(name)\",direction=\"down\"}\(totals.down)\n"
                text += "mist_packets{stream=\"\(name)\",pkttype=\"sent\"}\(totals.packets)\n"
                text += "mist_packets{stream=\"\(name)\",pkttype=\"lost\"}\(totals.lost)\n"
                text += "mist_packets{stream=\"\(name)\",pkttype=\"retrans\"}\(totals.retransmitted)\n"
            }
            return text
        }
    }
}
