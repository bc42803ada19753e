import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// One TLS connection driven through memory: the caller moves bytes between the network and
/// the engine, so the same engine serves an event-loop channel, a blocking socket or (later)
/// datagrams. Not thread-safe: one connection is used from one thread (its loop) at a time.
public final class TLSEngine: @unchecked Sendable {
    /// What a read found.
    public enum ReadResult: Equatable, Sendable {
        /// This many plaintext bytes were written into the buffer.
        case bytes(Int)
        /// More bytes from the peer are needed first.
        case needMore
        /// The peer sent close_notify.
        case closed
    }

    /// Kept alive while the connection uses its certificates and callbacks.
    private let context: TLSContext
    let ssl: OpaquePointer
    /// Network bytes from the peer, waiting for OpenSSL.
    private let incoming: OpaquePointer
    /// Bytes OpenSSL wrote for the peer, waiting to be sent.
    private let outgoing: OpaquePointer
    /// Whether this is the server side of the connection.
    public let isServer: Bool
    /// Whether the handshake has finished.
    public private(set) var isEstablished = false
    /// For clients: the host whose certificate is expected.
    private let serverName: String?

    /// An engine for one connection; `serverName` (clients only) is sent as SNI and checked
    /// against the server's certificate when the context verifies peers. `asServer` picks the
    /// side when signalling decides it (WebRTC's `a=setup`); else the context's side.
    public init(context: TLSContext, serverName: String? = nil, asServer: Bool? = nil) throws(TLSError) {
        guard let ssl = SSL_new(context.context) else { throw .setup(TLSError.drainQueue("SSL_new failed")) }
        guard let incoming = BIO_new(BIO_s_mem()), let outgoing = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .setup("BIO_new failed")
        }
        SSL_set_bio(ssl, incoming, outgoing)
        self.context = context
        self.ssl = ssl
        self.incoming = incoming
        self.outgoing = outgoing
        self.serverName = serverName
        isServer = asServer ?? context.isServer
        // WebRTC's datagrams stay well under every path's MTU (what browsers use too).
        if context.isDatagram { mist_DTLS_set_mtu(ssl, 1200) }
        if isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName, !serverName.isEmpty {
                if Self.isAddress(serverName) {
                    if context.verifiesPeer { X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) }
                } else {
                    _ = mist_SSL_set_tlsext_host_name(ssl, serverName)
                    if context.verifiesPeer { SSL_set1_host(ssl, serverName) }
                }
            }
        }
    }

    deinit { SSL_free(ssl) }  // frees both BIOs

    private static func isAddress(_ host: String) -> Bool {
        var scratch = in6_addr()
        return inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1
    }

    /// Hands OpenSSL bytes that arrived from the peer.
    public func receive(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let chunk = min(bytes.count - offset, 1 << 30)
            let written = BIO_write(incoming, base + offset, Int32(chunk))
            guard written > 0 else { return }  // a memory BIO only fails when out of memory
            offset += Int(written)
        }
    }

    /// Runs the handshake as far as the bytes received allow; true once it has finished.
    public func handshake() throws(TLSError) -> Bool {
        if isEstablished { return true }
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            isEstablished = true
            return true
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return false
        default:
            let verify = SSL_get_verify_result(ssl)
            if !isServer && verify != X509_V_OK {
                _ = TLSError.drainQueue("")
                throw .verificationFailed(
                    String(cString: X509_verify_cert_error_string(verify))
                        + (serverName.map { " (for \($0))" } ?? ""))
            }
            throw .protocolFailure(TLSError.drainQueue("handshake failed"))
        }
    }

    /// Decrypts what has arrived into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> ReadResult {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return .needMore }
        let count = SSL_read(ssl, base, Int32(min(buffer.count, Int(Int32.max))))
        if count > 0 { return .bytes(Int(count)) }
        switch SSL_get_error(ssl, count) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .needMore
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: throw .protocolFailure(TLSError.drainQueue("record layer error"))
        }
    }

    /// Encrypts `bytes` for the peer (they are then in `takeOutput`). Only once established.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(TLSError) {
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let chunk = min(bytes.count - offset, 1 << 20)
            let written = SSL_write(ssl, base + offset, Int32(chunk))
            guard written > 0 else { throw .protocolFailure(TLSError.drainQueue("write failed")) }
            offset += Int(written)
        }
    }

    /// Bytes waiting to be sent to the peer.
    public var pendingOutput: Int { Int(BIO_ctrl_pending(outgoing)) }

    /// Moves up to `buffer.count` bytes for the peer into `buffer`; returns how many.
    public func takeOutput(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        let count = BIO_read(outgoing, base, Int32(min(buffer.count, Int(Int32.max))))
        return max(0, Int(count))
    }

    /// Every byte waiting for the peer, as one array.
    public func takeOutput() -> [UInt8] {
        let count = pendingOutput
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = takeOutput(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Queues close_notify for the peer.
    public func close() {
        if isEstablished { _ = SSL_shutdown(ssl) }
        _ = TLSError.drainQueue("")
    }

    /// The protocol ALPN settled on, if any.
    public var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The issuer of the peer's certificate, one-line form (`/CN=...`), once the handshake is done.
    public var peerCertificateIssuer: String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard let name = X509_NAME_oneline(X509_get_issuer_name(certificate), nil, 0) else { return nil }
        defer { CRYPTO_free(name, #fileID, #line) }
        return String(cString: name)
    }

    /// The client's requested host name (SNI), if any.
    public var requestedServerName: String? {
        SSL_get_servername(ssl, Int32(TLSEXT_NAMETYPE_host_name)).map { String(cString: $0) }
    }

    /// Client side: asks for `protocols` by ALPN (call before the handshake).
    public func offer(protocols: [String]) {
        var wire: [UInt8] = []
        for name in protocols where !name.isEmpty && name.utf8.count < 256 {
            wire.append(UInt8(name.utf8.count))
            wire.append(contentsOf: name.utf8)
        }
        _ = SSL_set_alpn_protos(ssl, wire, UInt32(wire.count))
    }
}
