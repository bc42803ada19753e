import MistCore
import MistTLS
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// TLS over a blocking TCP connection. As a client (`https://` requests, `rtmps://` pushes) the
/// server's certificate is verified against the system's store, or only against the CA file
/// in `MIST_TLS_CA_FILE` when that is set (to pin a private CA). The server side serves tests'
/// small HTTPS peers.
public final class TLSConnection: ClientConnection, @unchecked Sendable {
    public let tcp: TCPConnection
    private let engine: TLSEngine
    /// One connection is used by one thread; the lock keeps a `close` from another safe.
    private let lock = Mutex(())

    /// The environment variable that names a CA file to verify servers against instead of the
    /// system's store.
    public static let caFileVariable = "MIST_TLS_CA_FILE"

    private static let shared = Mutex<TLSContext?>(nil)

    /// The context clients use: made once, from `MIST_TLS_CA_FILE` or the system's store.
    public static func defaultContext() throws -> TLSContext {
        try shared.withLock { shared in
            if let shared { return shared }
            let path = getenv(caFileVariable).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            let made = try TLSContext.client(caFile: path)
            shared = made
            return made
        }
    }

    private init(tcp: TCPConnection, engine: TLSEngine) {
        self.tcp = tcp
        self.engine = engine
    }

    /// Connects and completes the handshake within `timeoutMilliseconds`.
    public static func connect(
        host: String, port: UInt16, timeoutMilliseconds: Int = 5000, context: TLSContext? = nil
    ) throws -> TLSConnection {
        let engine = try TLSEngine(context: context ?? defaultContext(), serverName: host)
        let deadline = monotonicSeconds() + Double(timeoutMilliseconds) / 1000
        let tcp = try TCPConnection.connect(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds)
        return try handshake(TLSConnection(tcp: tcp, engine: engine), deadline: deadline)
    }

    /// The server side of an accepted connection, once its handshake is done.
    public static func accept(_ tcp: TCPConnection, context: TLSContext, timeoutMilliseconds: Int = 5000) throws
        -> TLSConnection
    {
        let deadline = monotonicSeconds() + Double(timeoutMilliseconds) / 1000
        return try handshake(TLSConnection(tcp: tcp, engine: TLSEngine(context: context)), deadline: deadline)
    }

    private static func handshake(_ connection: TLSConnection, deadline: Double) throws -> TLSConnection {
        let engine = connection.engine
        let tcp = connection.tcp
        do {
            var incoming: [UInt8] = []
            while try !engine.handshake() {
                try connection.flush(timeoutMilliseconds: 5000)
                let left = Int((deadline - monotonicSeconds()) * 1000)
                guard left > 0 else { throw NetworkError.timeout }
                incoming.removeAll(keepingCapacity: true)
                if try tcp.receive(into: &incoming, timeoutMilliseconds: left) > 0 {
                    incoming.withUnsafeBytes { engine.receive($0) }
                }
            }
            try connection.flush(timeoutMilliseconds: 5000)
        } catch {
            tcp.close()
            throw error
        }
        return connection
    }

    private func flush(timeoutMilliseconds: Int) throws {
        let output = engine.takeOutput()
        if !output.isEmpty { try tcp.send(output, timeoutMilliseconds: timeoutMilliseconds) }
    }

    public func send(_ bytes: [UInt8], timeoutMilliseconds: Int) throws {
        try lock.withLock { _ in
            try bytes.withUnsafeBytes { try engine.write($0) }
            try flush(timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    public func receive(into buffer: inout [UInt8], limit: Int, timeoutMilliseconds: Int) throws -> Int {
        try lock.withLock { _ in
            let deadline = monotonicSeconds() + Double(max(0, timeoutMilliseconds)) / 1000
            var incoming: [UInt8] = []
            while true {
                let scratchSize = max(1, min(limit, 65536))
                var result = TLSEngine.ReadResult.needMore
                let plaintext = try [UInt8](unsafeUninitializedCapacity: scratchSize) { space, initialized in
                    result = try engine.read(into: UnsafeMutableRawBufferPointer(space))
                    if case .bytes(let count) = result { initialized = count } else { initialized = 0 }
                }
                if engine.pendingOutput > 0 { try flush(timeoutMilliseconds: 1000) }
                switch result {
                case .bytes:
                    buffer.append(contentsOf: plaintext)
                    return plaintext.count
                case .closed: throw NetworkError.closed
                case .needMore: break
                }
                let left = Int((deadline - monotonicSeconds()) * 1000)
                incoming.removeAll(keepingCapacity: true)
                guard try tcp.receive(into: &incoming, timeoutMilliseconds: max(0, left)) > 0 else { return 0 }
                incoming.withUnsafeBytes { engine.receive($0) }
            }
        }
    }

    public var sentBytes: Int { tcp.sentBytes }

    /// The issuer of the server's certificate (`/CN=...`).
    public var peerCertificateIssuer: String? { lock.withLock { _ in engine.peerCertificateIssuer } }

    public func close() {
        lock.withLock { _ in
            engine.close()
            try? flush(timeoutMilliseconds: 100)
        }
        tcp.close()
    }
}
