import Logging
import MistCore
import MistData
import MistShm
import Synchronization

/// Firing MistServer's triggers from any process: the handlers configured for a trigger and
/// stream (read from the page the controller publishes, or set directly in the controller) run
/// with the payload, blocking ones answering, the others in the background.
public enum Triggers {
    struct Cache {
        /// Handlers by trigger name: set by the controller, or read from the trigger pages.
        var table: [String: [TriggerHandler]] = [:]
        var tableReadAt: [String: Double] = [:]
        var fixed = false
        /// MistServer's global settings page (session modes, iid ...) and this suite's own page
        /// beside it (stream tags, keys, the invalidation count).
        var global: JSONValue = .null
        var extras: JSONValue = .null
        var settingsReadAt = -Double.infinity
    }
    private static let cache = Mutex(Cache())

    /// Sets the trigger configuration in this process (the controller, which owns it).
    public static func configure(_ triggers: JSONValue, instance: String) {
        let table = parse(triggers)
        cache.withLock {
            $0.table = table
            $0.fixed = true
        }
    }

    /// `config.triggers` read into handler lists (entries of neither form are skipped).
    public static func parse(_ triggers: JSONValue) -> [String: [TriggerHandler]] {
        var table: [String: [TriggerHandler]] = [:]
        for (name, entries) in triggers.objectValue ?? JSONObject() {
            let handlers = (entries.arrayValue ?? []).compactMap(TriggerHandler.init)
            if !handlers.isEmpty { table[name] = handlers }
        }
        return table
    }

    /// Rereads the settings pages when they are older than half a second.
    private static func refreshSettings(_ cache: inout Cache) {
        let now = monotonicSeconds()
        guard now - cache.settingsReadAt > 0.5 else { return }
        cache.global = GlobalConfigPage.read() ?? .null
        cache.extras = ConfigPage.read(StreamPageNames.serverExtras) ?? .null
        cache.settingsReadAt = now
    }

    /// The handlers of `name` for `stream`, from the trigger page of `name` (reread at most twice
    /// a second), which either code base's controller writes.
    static func handlers(_ name: String, stream: String) -> (handlers: [TriggerHandler], instance: String) {
        cache.withLock { cache in
            refreshSettings(&cache)
            let now = monotonicSeconds()
            if !cache.fixed && now - (cache.tableReadAt[name] ?? -Double.infinity) > 0.5 {
                cache.table[name] = (TriggerPage.read(name) ?? []).map {
                    TriggerHandler(
                        handler: $0.url, sync: $0.sync, streams: $0.streams, params: $0.params,
                        defaultResponse: $0.defaultResponse.isEmpty ? "true" : $0.defaultResponse)
                }
                cache.tableReadAt[name] = now
            }
            // The stream's tags, for `#tag` filters; read only when a handler has one.
            let list = cache.table[name] ?? []
            var tags: Set<String> = []
            if list.contains(where: { $0.streams.contains { $0.hasPrefix("#") || $0.hasPrefix("!#") } }) {
                tags = Set((cache.extras["stream_tags"][stream].arrayValue ?? []).compactMap(\.stringValue))
            }
            return (
                list.filter { $0.applies(to: stream, tags: tags) }.substituted(stream),
                cache.global["iid"].stringValue ?? ""
            )
        }
    }

    /// A server-wide setting the controller publishes (reread at most twice a second): one of
    /// MistServer's global settings (`sessionViewerMode`, `defaultStream`, `iid` ...), or one of
    /// this suite's own (`invalidate`, `stream_tags`, `jwks`, `trustedproxy`, `debug`).
    public static func setting(_ name: String) -> JSONValue {
        cache.withLock { cache in
            refreshSettings(&cache)
            let global = cache.global[name]
            return global.isNull ? cache.extras[name] : global
        }
    }

    /// Forgets what was read, so the next question rereads the pages (the controller, after it
    /// published new ones).
    public static func reread() {
        cache.withLock {
            $0.settingsReadAt = -Double.infinity
            $0.tableReadAt.removeAll()
        }
    }

    /// Whether firing `name` for `stream` would wait for a handler's answer (a blocking handler
    /// applies): an event loop must then leave the request to the blocking pool.
    public static func waitsForAnswer(_ name: String, stream: String = "") -> Bool {
        handlers(name, stream: stream).handlers.contains { $0.sync }
    }

    /// Whether any handler would run for `name` and `stream` (so a payload is worth building).
    public static func isActive(_ name: String, stream: String = "") -> Bool {
        !handlers(name, stream: stream).handlers.isEmpty
    }

    /// A yes/no trigger: true unless an answer is negative (the AND of all answers; non-blocking
    /// handlers count with their default, as in MistServer). True when nothing is configured.
    public static func allow(
        _ name: String, stream: String = "", payload: @autoclosure () -> String, logger: Logger,
        where accepts: (TriggerHandler) -> Bool = { _ in true }
    ) -> Bool {
        var (handlers, instance) = self.handlers(name, stream: stream)
        handlers = handlers.filter(accepts)
        guard !handlers.isEmpty else { return true }
        let text = payload()
        var allowed = true
        for handler in handlers {
            if handler.sync {
                let answer = TriggerRunner.run(
                    handler, trigger: name, payload: text, instance: instance, logger: logger)
                if !TriggerHandler.isPositive(answer) { allowed = false }
            } else {
                background(handler, name, text, instance, logger)
                if !TriggerHandler.isPositive(handler.defaultResponse) { allowed = false }
            }
        }
        if !allowed { logger.mist(.info, "Trigger \(name) refused \(stream.isEmpty ? "the action" : stream)") }
        return allowed
    }

    /// A value trigger: `current`, replaced by each blocking handler's answer in turn.
    public static func rewrite(
        _ name: String, stream: String = "", payload: @autoclosure () -> String, current: String, logger: Logger
    ) -> String {
        let (handlers, instance) = self.handlers(name, stream: stream)
        guard !handlers.isEmpty else { return current }
        let text = payload()
        var value = current
        for handler in handlers {
            if handler.sync {
                value = TriggerRunner.run(handler, trigger: name, payload: text, instance: instance, logger: logger)
            } else {
                background(handler, name, text, instance, logger)
            }
        }
        return value.filter { $0 != "\r" && $0 != "\n" }
    }

    /// A trigger whose answer is ignored: every handler runs in the background, or, with
    /// `waiting` (a process about to exit), each in turn before this returns.
    public static func notify(
        _ name: String, stream: String = "", payload: @autoclosure () -> String, logger: Logger, waiting: Bool = false
    ) {
        let (handlers, instance) = self.handlers(name, stream: stream)
        guard !handlers.isEmpty else { return }
        let text = payload()
        for handler in handlers {
            if waiting {
                _ = TriggerRunner.run(handler, trigger: name, payload: text, instance: instance, logger: logger)
            } else {
                background(handler, name, text, instance, logger)
            }
        }
    }

    private static func background(
        _ handler: TriggerHandler, _ name: String, _ payload: String, _ instance: String, _ logger: Logger
    ) {
        var copy = handler
        copy.sync = false
        let detached = copy
        startDetachedThread {
            _ = TriggerRunner.run(detached, trigger: name, payload: payload, instance: instance, logger: logger)
        }
    }
}

extension [TriggerHandler] {
    /// Handlers whose URL or path names `$variables`, with them filled in for `stream`.
    func substituted(_ stream: String) -> [TriggerHandler] {
        map { handler in
            guard handler.handler.contains("$") else { return handler }
            var copy = handler
            copy.handler = StreamVariables.substitute(handler.handler, stream: stream)
            return copy
        }
    }
}
