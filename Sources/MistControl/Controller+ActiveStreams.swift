import Logging
import MistData
import MistShm

#if canImport(Glibc)
    import Glibc
#endif

/// `active_streams` and what it needs of the running inputs.
extension Controller {
    /// The `active_streams` call, in its simple forms: the names of streams whose input runs,
    /// or per stream the asked fields this server tracks so far (`status`, `pid`, `tracks` ...).
    static func activeStreams(
        _ request: JSONValue, statistics: SessionStatistics? = nil, tags: (String) -> [String] = { _ in [] }
    ) -> JSONValue {
        let names = StreamCleanup.activeStreams()
        let fields: [String]
        var longForm = false
        var objectForm = false
        var wanted: Set<String>? = nil
        switch request {
        case .array(let list) where !list.isEmpty: fields = list.map(\.asString)
        case .object:
            objectForm = true
            longForm = request["longform"].asBool
            let list = request["fields"].arrayValue?.map(\.asString) ?? []
            fields = list.isEmpty ? ["status", "viewers", "inputs", "outputs", "tracks", "pid", "tags"] : list
            let filter = request["streams"].isArray ? request["streams"].arrayValue ?? [] : [request["streams"]]
            let streams = (filter + [request["stream"]]).filter(\.isString).map(\.asString)
            if !streams.isEmpty { wanted = Set(streams) }
        default: return .array(names.map { .string($0) })
        }
        var data = JSONValue.emptyObject
        for name in names {
            if let wanted, !wanted.contains(name), !wanted.contains(where: { $0.hasSuffix("+") && name.hasPrefix($0) })
            {
                continue
            }
            let summary = statistics?.summary(of: name) ?? [:]
            let values = fields.map { field in
                field == "tags"
                    ? JSONValue.array(tags(name).map { .string($0) })
                    : summary[field].map { JSONValue.int($0) } ?? activeField(field, stream: name)
            }
            if longForm {
                var entry = JSONValue.emptyObject
                for (field, value) in zip(fields, values) { entry[field] = value }
                data[name] = entry
            } else {
                data[name] = .array(values)
            }
        }
        if objectForm && !longForm { return ["fields": .array(fields.map { .string($0) }), "data": data] }
        return data
    }

    static func activeField(_ field: String, stream: String) -> JSONValue {
        switch field {
        case "status":
            switch StreamStatus.current(of: stream) {
            case .off: return "Offline"
            case .initializing: return "Initializing"
            case .booting: return "Input booting"
            case .waiting: return "Waiting for data"
            case .ready: return "Online"
            case .shuttingDown: return "Shutting down"
            case .invalid: return "Invalid / Unknown"
            }
        case "pid":
            guard let pid = inputPID(of: stream) else { return [] }
            return [.int(Int64(pid))]
        case "tags": return []
        case "viewers", "inputs", "outputs", "clients", "unspecified", "views", "viewseconds", "upbytes", "downbytes",
            "packsent", "packloss", "packretrans", "firstms":
            return 0
        default: return .null
        }
    }

    static func inputPID(of stream: String) -> pid_t? {
        guard let page = try? SharedMemoryPage(opening: StreamPageNames.inputPID(stream), writable: false),
            page.size >= 8
        else { return nil }
        defer { page.close() }
        return pid_t(truncatingIfNeeded: page.base.loadUnaligned(as: UInt64.self))
    }

    /// Stops a stream's input (what MistServer's `MistUtilNuke` does, gently first).
    /// Returns the pid it signalled, if an input was running.
    @discardableResult
    static func stopInput(of stream: String, logger: Logger) -> pid_t? {
        guard let pid = inputPID(of: stream), StreamCleanup.processIsAlive(pid) else { return nil }
        logger.mist(.info, "Stopping the input of \(stream) (pid \(pid))")
        kill(pid, SIGTERM)
        return pid
    }
}
