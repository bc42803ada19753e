import MistData
import Synchronization

/// Messages for the `/ws` clients that asked for them: each subscriber gets every message
/// published after it subscribed, on whatever thread publishes it (the subscriber hops to its
/// own event loop).
public final class EventFeed: Sendable {
    private let subscribers = Mutex<[Int: @Sendable (JSONValue) -> Void]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    /// Adds a subscriber; the returned id unsubscribes it.
    public func subscribe(_ receive: @escaping @Sendable (JSONValue) -> Void) -> Int {
        let id = nextID.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = receive }
        return id
    }

    public func unsubscribe(_ id: Int) {
        subscribers.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Whether anyone listens (work that only feeds subscribers can be skipped otherwise).
    public var isEmpty: Bool { subscribers.withLock { $0.isEmpty } }

    public func publish(_ message: JSONValue) {
        // Called outside the lock: a subscriber may unsubscribe from inside its closure.
        let receivers = subscribers.withLock { Array($0.values) }
        for receive in receivers { receive(message) }
    }
}
