import Logging
import MistCore
import MistData
import MistShm
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

extension Controller {
    /// The answer to one API request.
    public struct APIReply: Sendable {
        public var body: JSONValue
        /// How long to hold the answer back: wrong passwords from one address are answered ever
        /// more slowly.
        public var delaySeconds: Double
        /// The request asked the server to stop: whoever answers it calls `requestShutdown` once
        /// the answer is out (so the caller gets it before the process ends).
        public var shutdown = false
    }

    /// Every top-level member MistServer's API understands. Members outside this list get an
    /// error; members in it that this server does not do yet get one saying so.
    static let knownCalls: Set<String> = [
        "authorize", "logout", "minimal", "capabilities", "load", "config", "config_backup", "config_restore",
        "config_reload", "save", "shutdown", "streams", "addstream", "deletestream", "deletestreamsource", "playlist",
        "log", "clearstatlogs", "clients", "totals", "active_streams", "stats_streams", "push_start", "push_list",
        "push_stop", "push_stop_graceful", "push_auto_add", "push_auto_remove", "push_auto_list", "push_settings",
        "proc_list", "addprotocol", "deleteprotocol", "updateprotocol", "ui_settings", "variable_list", "variable_add",
        "variable_remove", "external_writer_list", "external_writer_add", "external_writer_remove",
        "invalidate_sessions", "stop_tag", "tag_sessid", "tag_stream", "untag_stream", "stop_sessid", "stop_sessions",
        "stream_tags", "tags", "add_tag", "remove_tag", "browse", "no_unconfigured_streams", "nuke_stream",
        "api_endpoint", "streamkeys", "streamkey_add", "streamkey_del", "jwks", "addjwks", "deletejwks", "bandwidth",
        "enumerate_sources", "version", "trigger_stat", "trigger_fail", "push_status_update", "proc_status_update",
        "update", "checkupdate", "autoupdate", "abortupdate", "LTS",
    ]

    /// Calls that need features later work adds (sessions, pushes, variables ...).
    static let pendingCalls: Set<String> = [
        "update", "checkupdate", "autoupdate", "abortupdate",
    ]

    /// Handles one API request for the client of `session`, as MistServer does: local clients
    /// are authorised at once, others must log in; an authorised request runs every call it
    /// holds and gets one reply merging their answers.
    public func handleAPI(_ request: JSONValue, session: inout APISession, requestError: String? = nil) -> APIReply {
        // A browser's page of another origin, or one reached under a foreign name, gets no local
        // trust, not even on a connection a local script authorised.
        let browserForeign = session.browser.crossSite || session.browser.foreignHost
        if browserForeign && session.isLocal {
            session.authorized = false
            session.isLocal = false
        }
        if !session.authorized && !session.forwarded && !browserForeign
            && settings.localAddresses.contains(session.host)
        {
            session.authorized = true
            session.isLocal = true
        }
        var request = request
        if !request.isObject { request = .emptyObject }
        var errors: [String] = requestError.map { [$0] } ?? []
        if session.browser.crossSite {
            let refused = Controller.changingCalls(in: request)
            if !refused.isEmpty {
                for name in refused { request[name] = nil }
                errors.append(
                    "Refused from a page of another origin (add it to api_trusted_origins to allow): "
                        + refused.joined(separator: ", "))
                logger.mist(
                    kind: "AUTH",
                    "Refused \(refused.joined(separator: ", ")) from a cross-site page via \(session.host)")
            }
        }

        // Re-reading the file takes the lock itself, so it happens before the rest.
        if session.authorized && request.hasMember("config_reload") {
            if let problem = reload(reason: "the API asked for it") { errors.append(problem) }
        }

        // STREAM_ADD, STREAM_CONFIG and STREAM_REMOVE may wait for handlers that call this API
        // back: asked before the lock is taken, for the streams as this request would leave them.
        let ahead = session.authorized ? vetStreamsAhead(request) : nil
        var response = JSONValue.emptyObject
        var wantsSave = false
        var wantsShutdown = false
        var later: [@Sendable () -> Void] = []
        let delay: Double = stored.withLock { stored in
            if session.authorized && stored.config.hasAccount {
                response["authorize"] = ["status": "OK"]
                if session.isLocal { response["authorize"]["local"] = true }
            } else {
                let hadAccount = stored.config.hasAccount
                let outcome = APIAuthorization.authorize(
                    request, response: &response, storage: &stored.config.storage, host: session.host)
                if !hadAccount && stored.config.hasAccount {
                    logger.mist(
                        kind: "CONF", "Created account \(request["authorize"]["new_username"].asString) through the API"
                    )
                    stored.dirtySince = monotonicSeconds()
                }
                switch outcome {
                case .authorized:
                    session.authorized = true
                    stored.failures[session.host] = nil
                case .refused(let failedPassword):
                    if failedPassword {
                        logger.mist(
                            kind: "AUTH",
                            "Failed login attempt \(request["authorize"]["username"].asString) from \(session.host)")
                        var entry = stored.failures[session.host] ?? (0, 0)
                        entry.count += 1
                        entry.last = monotonicSeconds()
                        stored.failures[session.host] = entry
                    }
                }
            }
            if session.authorized {
                let outcome = runCalls(
                    request, response: &response, stored: &stored, session: session, errors: &errors, ahead: ahead,
                    later: &later)
                wantsSave = outcome.save
                wantsShutdown = outcome.shutdown
                if request.hasMember("logout") { session.authorized = false }
            }
            guard let failures = stored.failures[session.host], monotonicSeconds() - failures.last < 600 else {
                return 0
            }
            return min(8, 0.25 * Double(1 << min(failures.count, 6)))
        }
        if !session.authorized { session.attempts += 1 }
        // Pushes start (and their triggers fire) outside the lock, and so do the connectors a
        // configuration read finds missing.
        for effect in later { effect() }
        if response["config"].hasMember("protocols") {
            let protocols = stored.withLock { $0.config.storage["config"]["protocols"] }
            response["config"]["protocols"] = supervisor.reconcile(protocols, connectors: discovery.connectors)
        }
        if session.authorized && request.hasMember("enumerate_sources") {
            response["enumerate_sources"] = enumerateSources(request["enumerate_sources"])
        }
        publishStreams()
        if wantsSave, let problem = save() { errors.append(problem) }
        if !errors.isEmpty { response["error"] = .string(errors.joined(separator: "; ")) }
        return APIReply(body: response.sortedKeys(), delaySeconds: delay, shutdown: wantsShutdown)
    }

    /// The calls of one authorised request, in MistServer's order.
    private func runCalls(
        _ request: JSONValue, response: inout JSONValue, stored: inout Stored, session: APISession,
        errors: inout [String], ahead: StreamVerdicts?, later: inout [@Sendable () -> Void]
    ) -> (save: Bool, shutdown: Bool) {
        let before = stored.config.storage
        var storage = stored.config.storage
        defer {
            stored.config.storage = storage
            if storage != before { stored.dirtySince = monotonicSeconds() }
        }
        if case .object(let members) = request {
            let unknown = members.keys.filter { !Controller.knownCalls.contains($0) }
            if !unknown.isEmpty { errors.append("Unknown API call(s): " + unknown.joined(separator: ", ")) }
            let pending = members.keys.filter { Controller.pendingCalls.contains($0) }
            if !pending.isEmpty {
                errors.append("Not supported by this server yet: " + pending.joined(separator: ", "))
            }
        }
        let minimal = request.hasMember("minimal")

        if request.hasMember("config_backup") {
            var backup = Controller.removingRuntimeMembers(storage)
            backup.removeMember("log")
            response["config_backup"] = backup
        }
        if request.hasMember("config_restore") {
            restore(request["config_restore"], into: &storage, errors: &errors)
        }
        // Any other value only reads the configuration, as MistServer (and its interface) use it.
        if request["config"].isObject {
            applyConfig(request["config"], to: &storage, errors: &errors)
        }
        if request.hasMember("bandwidth") {
            let bandwidth = request["bandwidth"]
            if bandwidth["limit"].isInt { storage["bandwidth"]["limit"] = bandwidth["limit"] }
            if bandwidth["exceptions"].isArray { storage["bandwidth"]["exceptions"] = bandwidth["exceptions"] }
            response["bandwidth"] = storage["bandwidth"]
        }

        var streamEditor = StreamConfigEditor(logger: logger)
        var streams = storage["streams"]
        streamEditor.apply(request, to: &streams)
        if request.hasMember("deletestreamsource") {
            response["deletestreamsource"] = deleteWithSource(request["deletestreamsource"], streams: &streams)
        }
        if streams != storage["streams"] {
            if let ahead, ahead.before == storage["streams"], ahead.after == streams {
                streams = ahead.vetted
            } else {
                // The streams changed since they were asked about (or the request logged in
                // too): ask now.
                streams = vetStreamChanges(from: storage["streams"], to: streams)
            }
            // A removed stream's viewers are cut, as MistServer's session settings do by default.
            for (name, _) in storage["streams"].objectValue ?? JSONObject() where !streams.hasMember(name) {
                statistics.stop(sessions: statistics.sessions(of: name))
            }
        }
        storage["streams"] = streams.isObject ? streams : .emptyObject
        errors += streamEditor.errors

        var protocolEditor = ProtocolListEditor()
        var protocols = storage["config"]["protocols"]
        if request.hasMember("addprotocol") { protocolEditor.add(request["addprotocol"], to: &protocols) }
        if request.hasMember("deleteprotocol") { protocolEditor.delete(request["deleteprotocol"], from: &protocols) }
        if request.hasMember("updateprotocol") { protocolEditor.update(request["updateprotocol"], in: &protocols) }
        if protocols != storage["config"]["protocols"] { storage["config"]["protocols"] = protocols }
        errors += protocolEditor.errors
        if !protocolEditor.reloads.isEmpty {
            let reloads = protocolEditor.reloads
            let supervisor = self.supervisor
            later.append { for entry in reloads { supervisor.reloadCertificates(of: entry) } }
        }

        editTags(request, storage: &storage, response: &response)

        editPushes(request, storage: &storage, response: &response, errors: &errors, later: &later)
        editSessions(request, response: &response)
        if request.hasMember("proc_status_update") { processStatus.update(request["proc_status_update"]) }
        if request.hasMember("proc_list") {
            let log = self.log
            response["proc_list"] = processStatus.list(stream: request["proc_list"].asString) { pid in
                log.messages(of: pid, last: 25)
            }
        }
        editStreamTags(request, storage: storage, response: &response)
        editExternalWriters(request, storage: &storage, response: &response, errors: &errors)

        if request.hasMember("variable_add") || request.hasMember("variable_remove")
            || request.hasMember("variable_list")
        {
            var variables = storage["variables"]
            if request.hasMember("variable_add"),
                let problem = CustomVariables.add(request["variable_add"], to: &variables)
            {
                errors.append(problem)
            }
            if request.hasMember("variable_remove") {
                CustomVariables.remove(request["variable_remove"], from: &variables)
            }
            storage["variables"] = variables.isObject ? variables : .emptyObject
            response["variable_list"] = storage["variables"]
        }

        if request.hasMember("capabilities") {
            if request["capabilities"].isString {
                response["capabilities"] = .null
            } else {
                response["capabilities"] = capabilities()
            }
        }
        if request.hasMember("load") { response["load"] = system.quickLoad() }
        if request.hasMember("browse") { response["browse"] = Controller.browse(request["browse"].asString) }
        editPlaylists(request, storage: storage, response: &response, errors: &errors)
        editStreamKeys(request, storage: &storage, response: &response)
        editJWKS(request, storage: &storage, response: &response)
        if request.hasMember("ui_settings") {
            if request["ui_settings"].isObject { storage["ui_settings"] = request["ui_settings"] }
            response["ui_settings"] = storage["ui_settings"]
        }
        response["LTS"] = 1
        if request.hasMember("version") {
            response["version"] = [
                "version": .string(MistVersion.version), "release": .string(MistVersion.release),
                "date": "", "time": "",
            ]
        }

        if !minimal || request.hasMember("streams") || request.hasMember("addstream")
            || request.hasMember("deletestream")
        {
            if !request.hasMember("streams") && (request.hasMember("addstream") || request.hasMember("deletestream")) {
                var partial: JSONValue = ["incomplete list": 1]
                for (name, _) in request["addstream"].objectValue ?? JSONObject()
                where storage["streams"].hasMember(name) {
                    partial[name] = withRuntimeStatus(storage["streams"][name])
                }
                response["streams"] = partial
            } else {
                response["streams"] = allStreamsWithStatus(storage["streams"])
            }
        }
        if !minimal || request.hasMember("config") {
            // (The protocols' `online` states are filled in after the lock is released: telling
            // them may start or stop connector processes.)
            var config = storage["config"]
            config["iid"] = .string(instanceID)
            config["version"] = .string("\(MistVersion.version) \(MistVersion.release)")
            config["time"] = .int(Int64(time(nil)))
            if !config.hasMember("serverid") { config["serverid"] = "" }
            response["config"] = config
        }
        if !minimal || request.hasMember("log") { response["log"] = log.json }
        if request.hasMember("clearstatlogs") { log.clear() }
        if request.hasMember("active_streams") {
            response["active_streams"] = Controller.activeStreams(
                request["active_streams"], statistics: statistics, tags: { self.streamTags.tags(of: $0).sorted() })
        }
        if request.hasMember("api_endpoint") {
            var host = settings.apiInterface
            if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
            if host == "::" { host = "[::1]" } else if host.contains(":") { host = "[\(host)]" }
            response["api_endpoint"] = .string("http://\(host):\(settings.apiPort)/")
        }
        var shutdown = false
        if request.hasMember("shutdown") {
            if session.isLocal {
                let value = request["shutdown"]
                let reason = value.isObject || value.isArray ? JSONWriter.compact(value) : value.asString
                logger.mist(.warn, "Shutdown requested through the local API: \(reason)")
                response["shutdown"] = "Shutting down"
                shutdown = true
            } else {
                response["shutdown"] = "Ignored - only local users may request shutdown"
            }
        }
        if request.hasMember("nuke_stream"), let name = request["nuke_stream"].stringValue, !name.isEmpty {
            Controller.stopInput(of: name, logger: logger)
        }
        if request.hasMember("no_unconfigured_streams") {
            for name in StreamCleanup.activeStreams() {
                let base = String(StreamName.baseName(name))
                if !storage["streams"][base]["source"].isString {
                    logger.mist(.info, "Stopping unconfigured stream \(name)")
                    Controller.stopInput(of: name, logger: logger)
                }
            }
        }
        return (request.hasMember("save"), shutdown)
    }

    /// The `config` call: copies only the members MistServer accepts.
    private func applyConfig(_ input: JSONValue, to storage: inout JSONValue, errors: inout [String]) {
        var config = storage["config"]
        for key in [
            "debug", "controller", "serverid", "accesslog", "prometheus", "sessionViewerMode", "sessionInputMode",
            "sessionOutputMode", "sessionUnspecifiedMode", "sessionStreamInfoMode", "tknMode", "defaultStream",
        ] where input.hasMember(key) {
            config[key] = input[key]
        }
        if input.hasMember("protocols") {
            if input["protocols"].isArray {
                var protocols = input["protocols"]
                ProtocolListEditor.removeDuplicates(&protocols)
                config["protocols"] = protocols
            } else {
                errors.append("config.protocols needs an array of protocol objects")
            }
        }
        if input.hasMember("trustedproxy") {
            config["trustedproxy"] = .array((input["trustedproxy"].arrayValue ?? []).filter(\.isString))
        }
        if input.hasMember("triggers") {
            if case .object(let triggers) = input["triggers"] {
                var cleaned = JSONObject()
                for (name, handlers) in triggers {
                    cleaned[name] = .array(
                        (handlers.arrayValue ?? []).map { handler in
                            guard case .object(var fields) = handler else { return handler }
                            for (key, value) in fields where value.isNull { _ = fields.removeValue(forKey: key) }
                            return .object(fields)
                        })
                }
                config["triggers"] = .object(cleaned)
            } else {
                config.removeMember("triggers")
            }
        }
        if case .object = input["location"] {
            config["location"] = [
                "lat": .double(input["location"]["lat"].doubleValue ?? 0),
                "lon": .double(input["location"]["lon"].doubleValue ?? 0),
                "name": .string(input["location"]["name"].asString),
            ]
        }
        storage["config"] = config
    }

    /// `config_restore`: the given storage replaces the current one wholesale (streams through
    /// the stream rules).
    private func restore(_ input: JSONValue, into storage: inout JSONValue, errors: inout [String]) {
        guard case .object(let members) = input else {
            errors.append("config_restore needs a configuration object")
            return
        }
        var editor = StreamConfigEditor(logger: logger)
        var streams = storage["streams"]
        editor.replaceAll(with: input["streams"].isObject ? input["streams"] : .emptyObject, in: &streams)
        errors += editor.errors
        var restored = JSONValue.emptyObject
        for (key, value) in members where key != "log" { restored[key] = Controller.removingRuntimeMembers(value) }
        restored["streams"] = streams
        var protocols = restored["config"]["protocols"]
        if protocols.isArray {
            ProtocolListEditor.removeDuplicates(&protocols)
            restored["config"]["protocols"] = protocols
        }
        Controller.addDefaults(&restored)
        storage = restored
        logger.mist(.warn, "Restored the configuration through the API, replacing the previous one entirely")
    }

    /// The `deletestreamsource` call: deletes configured streams and their source files.
    private func deleteWithSource(_ request: JSONValue, streams: inout JSONValue) -> JSONValue {
        func one(_ name: String) -> String {
            let source = streams[name]["source"].asString
            let configured = streams.hasMember(name)
            if configured {
                streams.removeMember(name)
                logger.mist(kind: "CONF", "Deleted stream \(name)")
            }
            var removed = 0
            if source.hasPrefix("/"), unlink(source) == 0 {
                removed = 1
                if unlink(source + ".dtsh") == 0 { removed = 2 }
            }
            switch (configured, removed) {
            case (false, 0),
                (false, _) where removed == 0:
                return "0: No action taken"
            case (false, 1): return "1: Source file deleted"
            case (false, _): return "2: Source file and dtsh deleted"
            case (true, 0): return "-1: Stream deleted, source remains"
            case (true, 1): return "-2: Stream and source file deleted"
            default: return "-3: Stream, source file and dtsh deleted"
            }
        }
        switch request {
        case .array(let names): return .array(names.map { .string(one($0.asString)) })
        case .object(let names):
            var reply = JSONValue.emptyObject
            for (name, _) in names { reply[name] = .string(one(name)) }
            return reply
        default: return .string(one(request.asString))
        }
    }

    private func editTags(_ request: JSONValue, storage: inout JSONValue, response: inout JSONValue) {
        guard request.hasMember("tags") || request.hasMember("add_tag") || request.hasMember("remove_tag") else {
            return
        }
        var tags = Set((storage["tags"].arrayValue ?? []).map(\.asString).filter { !$0.isEmpty })
        if case .array(let list) = request["tags"] { tags = Set(list.map(\.asString).filter { !$0.isEmpty }) }
        func names(_ value: JSONValue) -> [String] {
            switch value {
            case .string, .bytes: return [value.asString]
            case .array(let list): return list.map(\.asString)
            case .object(let object): return object.keys
            default: return []
            }
        }
        for tag in names(request["add_tag"]) where !tag.isEmpty { tags.insert(tag) }
        for tag in names(request["remove_tag"]) { tags.remove(tag) }
        storage["tags"] = .array(tags.sorted().map { .string($0) })
        response["tags"] = storage["tags"]
    }

    private func editStreamKeys(_ request: JSONValue, storage: inout JSONValue, response: inout JSONValue) {
        if case .object(let keys) = request["streamkeys"] {
            var replaced = JSONValue.emptyObject
            for (key, stream) in keys where stream.isString { replaced[key] = stream }
            storage["streamkeys"] = replaced
        }
        if request.hasMember("streamkey_del") {
            var deleted: [JSONValue] = []
            switch request["streamkey_del"] {
            case .object(let pairs):
                for (key, stream) in pairs
                where storage["streamkeys"][key].isString
                    && storage["streamkeys"][key].asString == stream.asString
                {
                    storage["streamkeys"].removeMember(key)
                    deleted.append(.string(key))
                }
            case .array(let keys):
                for key in keys where key.isString && storage["streamkeys"].hasMember(key.asString) {
                    storage["streamkeys"].removeMember(key.asString)
                    deleted.append(key)
                }
            case .string, .bytes:
                let key = request["streamkey_del"].asString
                if storage["streamkeys"].hasMember(key) {
                    storage["streamkeys"].removeMember(key)
                    deleted.append(.string(key))
                }
            default:
                response["streamkey_del"]["error"] = "streamkey_del must be a string, object or array"
            }
            if !response["streamkey_del"].hasMember("error") { response["streamkey_del"]["deleted"] = .array(deleted) }
        }
        if request.hasMember("streamkey_add") {
            if case .object(let pairs) = request["streamkey_add"] {
                var added: [JSONValue] = []
                for (key, stream) in pairs where stream.isString && storage["streamkeys"][key] != stream {
                    storage["streamkeys"][key] = stream
                    added.append(.string(key))
                }
                response["streamkey_add"] = ["added": .array(added)]
            } else {
                response["streamkey_add"] = ["error": "streamkey_add must be an object"]
            }
        }
        if request.hasMember("streamkeys") {
            response["streamkeys"] = storage["streamkeys"].isObject ? storage["streamkeys"] : .emptyObject
        }
    }

    /// The capabilities document: the binaries' `-j` answers plus the machine's figures.
    public func capabilities() -> JSONValue {
        var capabilities = JSONValue.emptyObject
        capabilities["connectors"] = Controller.objectFrom(discovery.connectors)
        capabilities["inputs"] = Controller.objectFrom(discovery.inputs)
        capabilities["processes"] = Controller.objectFrom(discovery.processes)
        capabilities["triggers"] = TriggerCatalogue.json
        capabilities["internal_writers"] = ["http", "https"]
        system.addFigures(to: &capabilities)
        return capabilities
    }

    static func objectFrom(_ dictionary: [String: JSONValue]) -> JSONValue {
        var object = JSONValue.emptyObject
        for key in dictionary.keys.sorted() { object[key] = dictionary[key] ?? .null }
        return object
    }

    /// A stored stream with its runtime `online` and `error` members.
    func withRuntimeStatus(_ configuration: JSONValue) -> JSONValue {
        var stream = configuration
        let (online, error) = Controller.runtimeStatus(
            StreamStatus.current(of: stream["name"].asString), source: stream["source"].asString)
        stream["online"] = .int(online)
        if let error { stream["error"] = .string(error) }
        return stream
    }

    /// MistServer's `online` code and `error` text for a stream's state.
    static func runtimeStatus(_ status: StreamStatus, source: String) -> (online: Int64, error: String?) {
        switch status {
        case .initializing: return (2, "Initializing...")
        case .booting: return (2, "Loading...")
        case .waiting: return (2, "Waiting for data...")
        case .ready: return (1, nil)
        case .shuttingDown: return (2, "Shutting down...")
        case .invalid: return (0, "Unrecognized stream state")
        case .off:
            if source.isEmpty { return (0, "Stream offline: Missing source parameter!") }
            guard source.hasPrefix("/") else { return (0, nil) }
            return access(source, F_OK) == 0 ? (2, "Available") : (0, "Stream offline: Not found: \(source)")
        }
    }

    func allStreamsWithStatus(_ streams: JSONValue) -> JSONValue {
        var reply = JSONValue.emptyObject
        for (name, stream) in streams.objectValue ?? JSONObject() { reply[name] = withRuntimeStatus(stream) }
        return reply
    }

    /// The `browse` call: a folder's subfolders and files.
    static func browse(_ path: String) -> JSONValue {
        let folder = path.isEmpty ? "." : path
        var reply = JSONValue.emptyObject
        guard let resolved = realpath(folder, nil) else {
            reply["path"] = [.string(folder)]
            return reply
        }
        reply["path"] = [.string(String(cString: resolved))]
        free(resolved)
        for entry in DirectoryListing.entries(in: folder) {
            reply[entry.isDirectory ? "subdirectories" : "files"].append(.string(entry.name))
        }
        return reply
    }

}
