import COpenSSL

extension TLSEngine {
    /// DTLS: the largest datagram OpenSSL may write (records are fragmented to fit).
    public func setDatagramSize(_ bytes: Int) {
        mist_DTLS_set_mtu(ssl, Int(clamping: bytes))
    }

    /// DTLS: milliseconds until a retransmission is due, or nil when none is pending.
    public var retransmitDelayMilliseconds: Int? {
        let left = mist_DTLS_get_timeout_ms(ssl)
        return left < 0 ? nil : Int(left)
    }

    /// DTLS: retransmits the last flight if its timer ran out (the bytes are then in `takeOutput`).
    public func handleRetransmitTimer() {
        _ = mist_DTLS_handle_timeout(ssl)
        _ = TLSError.drainQueue("")
    }

    /// The SRTP profile use_srtp settled on, once the handshake is done.
    public var srtpProfile: String? {
        guard let profile = SSL_get_selected_srtp_profile(ssl), let name = profile.pointee.name else { return nil }
        return String(cString: name)
    }

    /// RFC 5705 keying material (DTLS-SRTP's label is `EXTRACTOR-dtls_srtp`, no context).
    public func exportKeyingMaterial(label: String, length: Int) throws(TLSError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let ok = SSL_export_keying_material(ssl, &out, length, label, label.utf8.count, nil, 0, 0)
        guard ok == 1 else { throw .protocolFailure(TLSError.drainQueue("keying material export failed")) }
        return out
    }

    /// The SHA-256 fingerprint of the peer's certificate (`AB:CD:...`), once it sent one.
    public var peerCertificateFingerprint: String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        return TLSContext.fingerprint(of: certificate)
    }
}
