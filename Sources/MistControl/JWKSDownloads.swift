import Logging
import MistCore
import MistData
import MistNet
import Synchronization

/// The keys behind the JWKS URLs of `jwks` (a URL, or `[url, permissions]`), fetched as
/// MistServer fetches them: at once, then again when the answer's `Cache-Control: max-age`
/// runs out (60 s without one, and after a failure). An answer may be a key set (`keys`) or an
/// OpenID configuration naming one (`jwks_uri`), which is fetched next. Downloads run off the
/// controller's loop; each URL's keys carry the permissions given with it.
final class JWKSDownloads: Sendable {
    struct Source {
        var permissions: JSONValue
        var due: Double
        var keys: [JSONValue] = []
        var fetching = false
    }

    private let sources = Mutex<[String: Source]>([:])
    private let logger: Logger
    /// How long a key set is kept without a `max-age`, and the wait after a failure.
    static let defaultSeconds = 60.0
    /// The most keys taken from one answer.
    static let maximumKeys = 256

    init(logger: Logger) { self.logger = logger }

    /// Starts the downloads that are due for the URL entries among `entries` (the stored
    /// `jwks`) and forgets URLs no longer there (the controller publishes `keys` each round).
    func refresh(_ entries: [JSONValue]) {
        var wanted: [String: JSONValue] = [:]
        for entry in entries {
            let url = entry.isArray ? entry[0].asString : entry.asString
            guard url.contains("://") else { continue }
            wanted[url] = entry.isArray && entry[1].isObject ? entry[1] : .emptyObject
        }
        let now = monotonicSeconds()
        let due: [(String, JSONValue)] = sources.withLock { sources in
            sources = sources.filter { wanted[$0.key] != nil }
            var due: [(String, JSONValue)] = []
            for (url, permissions) in wanted {
                var source = sources[url] ?? Source(permissions: permissions, due: now)
                if source.permissions != permissions {
                    source.permissions = permissions
                    source.keys = source.keys.map { [$0[0], permissions] }
                }
                if !source.fetching && source.due <= now {
                    source.fetching = true
                    due.append((url, permissions))
                }
                sources[url] = source
            }
            return due
        }
        for (url, permissions) in due {
            startDetachedThread { [self] in
                let (keys, lifetime) = download(url, permissions: permissions)
                sources.withLock { sources in
                    guard var source = sources[url] else { return }
                    source.fetching = false
                    source.due = monotonicSeconds() + lifetime
                    // A failed download keeps the keys it had.
                    if let keys { source.keys = keys }
                    sources[url] = source
                }
            }
        }
    }

    /// The keys fetched so far, as `[key, permissions]` entries.
    var keys: [JSONValue] { sources.withLock { $0.sorted { $0.key < $1.key }.flatMap(\.value.keys) } }

    /// One URL's keys (nil when it could not be read) and how long to keep them.
    private func download(_ url: String, permissions: JSONValue) -> ([JSONValue]?, Double) {
        do {
            var response = try HTTPClient.get(url, maximumBody: 1 << 20)
            guard response.status == 200 else { throw Failure.status(response.status) }
            let lifetime = Self.maxAge(response.headers["cache-control"]) ?? Self.defaultSeconds
            var document = try JSONParser.parse(response.body)
            // An OpenID configuration names the key set.
            if let next = document["jwks_uri"].stringValue, !next.isEmpty {
                response = try HTTPClient.get(HTTPClient.resolve(next, against: url), maximumBody: 1 << 20)
                guard response.status == 200 else { throw Failure.status(response.status) }
                document = try JSONParser.parse(response.body)
            }
            guard let list = document["keys"].arrayValue else { throw Failure.noKeys }
            let keys = list.prefix(Self.maximumKeys).compactMap(Controller.cleanKey).map {
                JSONValue.array([$0, permissions])
            }
            logger.mist(.info, "Read \(keys.count) JSON Web Keys from \(url)")
            return (keys, lifetime)
        } catch {
            logger.mist(.warn, "Cannot read the JSON Web Keys at \(url): \(error)")
            return (nil, Self.defaultSeconds)
        }
    }

    /// The seconds of a `Cache-Control` header's `max-age`, within a day.
    static func maxAge(_ header: String?) -> Double? {
        guard let header else { return nil }
        let parts = header.lowercased().split(separator: "max-age=", maxSplits: 1)
        guard parts.count == 2 || (parts.count == 1 && header.lowercased().hasPrefix("max-age=")) else { return nil }
        let digits = (parts.last ?? "").prefix { $0.isASCII && $0.isNumber }.prefix(9)
        guard let seconds = Int(digits) else { return nil }
        return Double(min(max(seconds, 1), 86_400))
    }

    enum Failure: Error, CustomStringConvertible {
        case status(Int)
        case noKeys

        var description: String {
            switch self {
            case .status(let code): return "HTTP status \(code)"
            case .noKeys: return "the answer has no keys"
            }
        }
    }
}
