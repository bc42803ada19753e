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
        var table: [String: [TriggerHandler]] = [:]
        var readAt = -Double.infinity
        var fixed = false
        var instance = ""
        /// The rest of the published page: session modes, the invalidation count.
        var globals: JSONValue = .null
    }
    private static let cache = Mutex(Cache())

    /// Sets the trigger configuration in this process (the controller, which owns it).
    public static func configure(_ triggers: JSONValue, instance: String) {
        let table = parse(triggers)
        cache.withLock {
            $0.table = table
            $0.fixed = true
            $0.instance = instance
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

    /// The handlers of `name` for `stream`, from the published page (reread at most twice a second).
    static func handlers(_ name: String, stream: String) -> (handlers: [TriggerHandler], instance: String) {
        cache.withLock { cache in
            let now = monotonicSeconds()
            if !cache.fixed && now - cache.readAt > 0.5 {
                let page = ConfigPage.read(StreamPageNames.triggers)
                cache.table = parse(page?["triggers"] ?? .null)
                cache.instance = page?["iid"].stringValue ?? ""
                cache.globals = page ?? .null
                cache.readAt = now
            }
            // The stream's tags (the controller publishes them beside the triggers), for `#tag`
            // filters; read only when a handler has one.
            let list = cache.table[name] ?? []
            var tags: Set<String> = []
            if list.contains(where: { $0.streams.contains { $0.hasPrefix("#") || $0.hasPrefix("!#") } }) {
                let globals = cache.fixed ? (ConfigPage.read(StreamPageNames.triggers) ?? .null) : cache.globals
                tags = Set((globals["stream_tags"][stream].arrayValue ?? []).compactMap(\.stringValue))
            }
            return (
                list.filter { $0.applies(to: stream, tags: tags) }.substituted(stream),
                cache.instance
            )
        }
    }

    /// A server-wide setting the controller publishes beside the triggers (`sessionViewerMode`,
    /// `invalidate` ...), reread at most twice a second.
    public static func setting(_ name: String) -> JSONValue {
        _ = handlers("", stream: "")
        return cache.withLock {
            $0.fixed ? (ConfigPage.read(StreamPageNames.triggers)?[name] ?? .null) : $0.globals[name]
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
