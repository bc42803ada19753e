import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// An OpenSSL `SSL_CTX` set up the suite's way: TLS 1.2 or newer, and for servers every
/// configured certificate checked at load (readable, a key that matches, valid today) and
/// chosen by SNI; for clients peer verification against the system store or a CA file.
///
/// Immutable once made, so one context serves every connection on every thread; a reload makes
/// a new context and leaves connections on the old one as they are.
public final class TLSContext: @unchecked Sendable {
    /// One server certificate: its own context, so SNI can switch a connection to it.
    struct Alternative {
        let context: OpaquePointer
        let leaf: OpaquePointer
        let pair: TLSCertificatePair
    }

    let context: OpaquePointer
    let isServer: Bool
    /// Server: every configured certificate, the first being the default.
    private(set) var alternatives: [Alternative] = []
    /// Client: whether the peer's certificate and name are checked.
    let verifiesPeer: Bool
    /// The pairs this context was made from, for logs.
    public var certificates: [TLSCertificatePair] { alternatives.map(\.pair) }
    /// Whether connections are DTLS (datagrams) rather than TLS.
    public let isDatagram: Bool
    /// DTLS: the SHA-256 fingerprint of this side's certificate, as SDP's `a=fingerprint` gives it.
    public internal(set) var fingerprint = ""

    init(context: OpaquePointer, isServer: Bool, verifiesPeer: Bool, isDatagram: Bool = false) {
        self.context = context
        self.isServer = isServer
        self.verifiesPeer = verifiesPeer
        self.isDatagram = isDatagram
    }

    deinit {
        for alternative in alternatives.dropFirst() { SSL_CTX_free(alternative.context) }
        SSL_CTX_free(context)
    }

    /// A server context for `pairs` (the first is used when the client names no host or one no
    /// certificate covers); `http11` answers ALPN with http/1.1 when the client offers it.
    public static func server(_ pairs: [TLSCertificatePair], http11: Bool = false) throws(TLSError) -> TLSContext {
        guard !pairs.isEmpty else { throw .noCertificate }
        var made: [Alternative] = []
        for pair in pairs {
            do {
                made.append(try loadServerCertificate(pair, http11: http11))
            } catch {
                for alternative in made { SSL_CTX_free(alternative.context) }
                throw error
            }
        }
        let result = TLSContext(context: made[0].context, isServer: true, verifiesPeer: false)
        result.alternatives = made
        if made.count > 1 {
            let argument = Unmanaged.passUnretained(result).toOpaque()
            _ = mist_SSL_CTX_set_servername_callback(made[0].context, chooseByServerName, argument)
        }
        return result
    }

    /// A client context: verifies peers against `caFile` when given, else the system's store;
    /// `verify: false` accepts any certificate (for tests and explicit opt-outs only).
    public static func client(caFile: String? = nil, verify: Bool = true) throws(TLSError) -> TLSContext {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .setup(TLSError.drainQueue("SSL_CTX_new failed"))
        }
        let result = TLSContext(context: context, isServer: false, verifiesPeer: verify)
        _ = mist_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        _ = mist_SSL_CTX_set_mode(context, Int(SSL_MODE_AUTO_RETRY))
        if verify {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let caFile {
                guard access(caFile, R_OK) == 0 else {
                    throw .unreadable(path: caFile, reason: String(cString: strerror(errno)))
                }
                guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                    throw .badFile(path: caFile, reason: TLSError.drainQueue("no certificates in it"))
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw .setup(TLSError.drainQueue("the system's certificate store could not be loaded"))
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        return result
    }

    private static func loadServerCertificate(_ pair: TLSCertificatePair, http11: Bool) throws(TLSError)
        -> Alternative
    {
        for path in [pair.certificate, pair.key] where access(path, R_OK) != 0 {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw .setup(TLSError.drainQueue("SSL_CTX_new failed"))
        }
        var ok = false
        defer { if !ok { SSL_CTX_free(context) } }
        _ = mist_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        mist_SSL_CTX_set_server_options(context)
        // Viewers read rarely: their record buffers are freed while idle (measured with 200
        // HTTPS viewers: 114 instead of 143 KiB each, and less CPU).
        _ = mist_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        guard SSL_CTX_use_certificate_chain_file(context, pair.certificate) == 1 else {
            throw .badFile(path: pair.certificate, reason: TLSError.drainQueue("not a PEM certificate chain"))
        }
        guard SSL_CTX_use_PrivateKey_file(context, pair.key, SSL_FILETYPE_PEM) == 1 else {
            if ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH {
                _ = TLSError.drainQueue("")
                throw .keyMismatch(certificate: pair.certificate, key: pair.key)
            }
            throw .badFile(path: pair.key, reason: TLSError.drainQueue("not a PEM private key"))
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            _ = TLSError.drainQueue("")
            throw .keyMismatch(certificate: pair.certificate, key: pair.key)
        }
        guard let leaf = SSL_CTX_get0_certificate(context) else {
            throw .badFile(path: pair.certificate, reason: "empty")
        }
        if X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0 {
            throw .notValidNow(path: pair.certificate, reason: "expired on \(describe(X509_get0_notAfter(leaf)))")
        }
        if X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0 {
            throw .notValidNow(
                path: pair.certificate, reason: "is not valid before \(describe(X509_get0_notBefore(leaf)))")
        }
        if http11 {
            SSL_CTX_set_alpn_select_cb(context, selectHTTP11, nil)
        }
        ok = true
        return Alternative(context: context, leaf: leaf, pair: pair)
    }

    /// An ASN.1 time as OpenSSL prints it ("Jan  1 00:00:00 2030 GMT").
    private static func describe(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        guard let time, let bio = BIO_new(BIO_s_mem()) else { return "?" }
        defer { BIO_free(bio) }
        ASN1_TIME_print(bio, time)
        var text = [CChar](repeating: 0, count: 64)
        let count = BIO_read(bio, &text, 63)
        return count > 0 ? String(decoding: text[0..<Int(count)].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }

    /// The certificate for a named host: the first whose names cover it, else the default.
    func alternative(for host: UnsafePointer<CChar>) -> Alternative? {
        let length = strlen(host)
        return alternatives.first { X509_check_host($0.leaf, host, length, 0, nil) == 1 }
    }
}

/// SNI: moves the connection to the context of the certificate that covers the asked name.
private func chooseByServerName(
    _ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<Int32>?, _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let ssl, let argument, let name = SSL_get_servername(ssl, Int32(TLSEXT_NAMETYPE_host_name)) else {
        return SSL_TLSEXT_ERR_OK
    }
    let owner = Unmanaged<TLSContext>.fromOpaque(argument).takeUnretainedValue()
    if let chosen = owner.alternative(for: name), chosen.context != owner.context {
        _ = SSL_set_SSL_CTX(ssl, chosen.context)
    }
    return SSL_TLSEXT_ERR_OK
}

/// ALPN: http/1.1 when the client offers it; otherwise no protocol is named (and the
/// connection goes on, as with clients that do not use ALPN).
private func selectHTTP11(
    _ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?,
    _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let out, let outLength, let offered else { return SSL_TLSEXT_ERR_NOACK }
    let wanted = Array("http/1.1".utf8)
    var index = 0
    let total = Int(offeredLength)
    while index < total {
        let length = Int(offered[index])
        let start = index + 1
        guard start + length <= total else { break }
        if length == wanted.count && (0..<length).allSatisfy({ offered[start + $0] == wanted[$0] }) {
            out.pointee = offered + start
            outLength.pointee = UInt8(length)
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_NOACK
}
