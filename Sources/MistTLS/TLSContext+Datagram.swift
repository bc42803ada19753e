import COpenSSL

extension TLSContext {
    /// A DTLS 1.2 context for WebRTC (RFC 8827): a fresh self-signed ECDSA P-256 certificate (peers
    /// check it by the fingerprint signalling carries, not by a chain), the SRTP profile
    /// SRTP_AES128_CM_SHA1_80 offered by the use_srtp extension, and the peer's certificate asked
    /// for and accepted whatever it is (the session compares its fingerprint).
    public static func datagram(isServer: Bool, commonName: String = "MistSwift") throws(TLSError) -> TLSContext {
        guard let context = SSL_CTX_new(DTLS_method()) else {
            throw .setup(TLSError.drainQueue("SSL_CTX_new failed"))
        }
        let result = TLSContext(context: context, isServer: isServer, verifiesPeer: false, isDatagram: true)
        _ = mist_SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION)
        mist_SSL_CTX_set_read_ahead(context, 1)
        guard let key = mist_P256_key() else { throw .setup(TLSError.drainQueue("EC key generation failed")) }
        defer { EVP_PKEY_free(key) }
        let certificate = try selfSigned(key: key, commonName: commonName)
        defer { X509_free(certificate) }
        guard SSL_CTX_use_certificate(context, certificate) == 1, SSL_CTX_use_PrivateKey(context, key) == 1 else {
            throw .setup(TLSError.drainQueue("the generated certificate was refused"))
        }
        // OpenSSL returns 0 on success here, unlike its other setters.
        guard SSL_CTX_set_tlsext_use_srtp(context, "SRTP_AES128_CM_SHA1_80") == 0 else {
            throw .setup(TLSError.drainQueue("SRTP profile refused"))
        }
        SSL_CTX_set_verify(
            context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, mist_accept_any_certificate)
        result.fingerprint = Self.fingerprint(of: certificate)
        return result
    }

    /// A certificate for `key`, signed by itself, valid from a day ago for 30 days.
    private static func selfSigned(key: OpaquePointer, commonName: String) throws(TLSError) -> OpaquePointer {
        guard let certificate = X509_new() else { throw .setup("X509_new failed") }
        var serial = [UInt8](repeating: 0, count: 8)
        _ = RAND_bytes(&serial, Int32(serial.count))
        serial[0] &= 0x7F
        let number = BN_bin2bn(serial, Int32(serial.count), nil)
        defer { BN_free(number) }
        let built =
            X509_set_version(certificate, 2) == 1
            && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil
            && X509_gmtime_adj(X509_getm_notBefore(certificate), -86_400) != nil
            && X509_gmtime_adj(X509_getm_notAfter(certificate), 30 * 86_400) != nil
            && X509_set_pubkey(certificate, key) == 1
        let name = X509_get_subject_name(certificate)
        let named =
            built
            && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1
            && X509_set_issuer_name(certificate, name) == 1
            && X509_sign(certificate, key, EVP_sha256()) > 0
        guard named else {
            X509_free(certificate)
            throw .setup(TLSError.drainQueue("the certificate could not be made"))
        }
        return certificate
    }

    /// `sha-256 AB:CD:...`'s hex part for a certificate.
    static func fingerprint(of certificate: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 else { return "" }
        let hex = Array("0123456789ABCDEF")
        return digest[0..<Int(length)].map { String([hex[Int($0 >> 4)], hex[Int($0 & 15)]]) }.joined(separator: ":")
    }
}
