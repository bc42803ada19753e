/// A connection a client made, plain or TLS: blocking sends and receives, each bounded by a
/// timeout. HTTP requests, RTMP pushes and pulls use either the same way.
public protocol ClientConnection: AnyObject, Sendable {
    /// Sends every byte, waiting at most `timeoutMilliseconds` whenever the peer is not taking them.
    func send(_ bytes: [UInt8], timeoutMilliseconds: Int) throws
    /// Appends what arrives within `timeoutMilliseconds` (at most `limit` bytes) to `buffer`:
    /// the count, 0 on timeout; throws `NetworkError.closed` when the peer has closed.
    func receive(into buffer: inout [UInt8], limit: Int, timeoutMilliseconds: Int) throws -> Int
    /// Bytes sent so far, for push statistics.
    var sentBytes: Int { get }
    func close()
}

extension ClientConnection {
    public func send(_ bytes: [UInt8]) throws { try send(bytes, timeoutMilliseconds: 10_000) }

    public func receive(into buffer: inout [UInt8], timeoutMilliseconds: Int) throws -> Int {
        try receive(into: &buffer, limit: 65536, timeoutMilliseconds: timeoutMilliseconds)
    }
}

extension TCPConnection: ClientConnection {}

/// Opening client connections by scheme.
public enum ClientConnections {
    /// A connection to `host:port`, with TLS (verifying the server as `host`) when `secure`.
    public static func connect(host: String, port: UInt16, secure: Bool, timeoutMilliseconds: Int = 5000) throws
        -> any ClientConnection
    {
        if secure {
            return try TLSConnection.connect(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds)
        }
        return try TCPConnection.connect(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds)
    }
}
