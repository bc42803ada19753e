import Logging
import MistCore
import MistTLS
import Synchronization

/// A listener's certificates: loaded from its `cert`/`key` options at start (a problem there
/// stops the connector with the reason, which the controller shows) and reloaded from the same
/// files on SIGUSR1, as a renewal writes them; a reload that fails keeps the certificates in use.
public final class TLSCertificates: Sendable {
    let pairs: [TLSCertificatePair]
    let http11: Bool
    let logger: Logger
    private let context: Mutex<TLSContext>

    /// Loads the certificates `options` name (`--cert`, `--key`, repeated or MistServer's
    /// JSON-array form); nil when none are configured.
    public init?(options: ParsedOptions, http11: Bool, logger: Logger) throws(TLSError) {
        let pairs = TLSCertificatePair.pairs(certificates: options.all("cert"), keys: options.all("key"))
        guard !pairs.isEmpty else { return nil }
        self.pairs = pairs
        self.http11 = http11
        self.logger = logger
        let loaded = try TLSContext.server(pairs, http11: http11)
        context = Mutex(loaded)
        for pair in pairs { logger.mist(.info, "TLS certificate \(pair.certificate) with key \(pair.key)") }
    }

    /// The context new connections use.
    var current: TLSContext { context.withLock { $0 } }

    /// Reads the files again.
    func reload() {
        do {
            let loaded = try TLSContext.server(pairs, http11: http11)
            context.withLock { $0 = loaded }
            logger.mist(.info, "TLS certificates reloaded")
        } catch {
            logger.mist(.error, "TLS certificates not reloaded, keeping the previous ones: \(error)")
        }
    }
}
