import COpenSSL
import Foundation

/// Certificates made at test time with OpenSSL's API: a test CA and the server certificates it
/// signs (for given host names and addresses, and validity windows in the past or future), so
/// tests need no files checked in and no `openssl` command.
public final class TestCertificates: @unchecked Sendable {
    /// Where the PEM files are written.
    public let folder: URL
    /// The CA certificate, for clients that verify.
    public let authority: String
    private let authorityKey: OpaquePointer
    private let authorityCertificate: OpaquePointer
    private var serial: Int = 1

    public enum Failure: Error { case openSSL(String) }

    public init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        authorityKey = try Self.newKey()
        authorityCertificate = try Self.certificate(
            commonName: "MistSwift Test CA", key: authorityKey, issuer: nil, issuerKey: authorityKey,
            extensions: [(NID_basic_constraints, "critical,CA:TRUE"), (NID_key_usage, "critical,keyCertSign,cRLSign")],
            days: -1...30, serial: 1)
        authority = folder.appendingPathComponent("ca.pem").path
        try Self.write(certificate: authorityCertificate, to: authority)
    }

    deinit {
        X509_free(authorityCertificate)
        EVP_PKEY_free(authorityKey)
    }

    /// A server certificate named `name` for `hosts` (DNS names or IP addresses), valid over
    /// `days` (relative to today), signed by the test CA, or self-signed when `selfSigned`.
    public func issue(
        _ name: String, hosts: [String] = ["localhost", "127.0.0.1"], days: ClosedRange<Int> = -1...30,
        selfSigned: Bool = false
    ) throws -> (certificate: String, key: String) {
        serial += 1
        let key = try Self.newKey()
        defer { EVP_PKEY_free(key) }
        let names = hosts.map { host in
            host.contains(where: { $0.isLetter }) && !host.contains(":") ? "DNS:\(host)" : "IP:\(host)"
        }
        let certificate = try Self.certificate(
            commonName: hosts.first ?? name, key: key, issuer: selfSigned ? nil : authorityCertificate,
            issuerKey: selfSigned ? key : authorityKey,
            extensions: [(NID_subject_alt_name, names.joined(separator: ",")), (NID_basic_constraints, "CA:FALSE")],
            days: days, serial: serial)
        defer { X509_free(certificate) }
        let certificatePath = folder.appendingPathComponent("\(name).pem").path
        let keyPath = folder.appendingPathComponent("\(name).key").path
        try Self.write(certificate: certificate, to: certificatePath)
        try Self.write(key: key, to: keyPath)
        return (certificatePath, keyPath)
    }

    private static func newKey() throws -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw Failure.openSSL("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
            EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1) == 1,
            EVP_PKEY_keygen(context, &key) == 1, let key
        else { throw Failure.openSSL("key generation") }
        return key
    }

    private static func certificate(
        commonName: String, key: OpaquePointer, issuer: OpaquePointer?, issuerKey: OpaquePointer,
        extensions: [(Int32, String)], days: ClosedRange<Int>, serial: Int
    ) throws -> OpaquePointer {
        guard let certificate = X509_new() else { throw Failure.openSSL("X509_new") }
        X509_set_version(certificate, 2)
        ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial)
        X509_gmtime_adj(X509_getm_notBefore(certificate), days.lowerBound * 86400)
        X509_gmtime_adj(X509_getm_notAfter(certificate), days.upperBound * 86400)
        X509_set_pubkey(certificate, key)
        let subject = X509_get_subject_name(certificate)
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
        X509_set_issuer_name(certificate, issuer.map { X509_get_subject_name($0) } ?? subject)
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer ?? certificate, certificate, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionValue = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw Failure.openSSL("extension \(value)")
            }
            X509_add_ext(certificate, extensionValue, -1)
            X509_EXTENSION_free(extensionValue)
        }
        guard X509_sign(certificate, issuerKey, EVP_sha256()) > 0 else { throw Failure.openSSL("X509_sign") }
        return certificate
    }

    private static func write(certificate: OpaquePointer, to path: String) throws {
        guard let file = BIO_new_file(path, "w") else { throw Failure.openSSL("open \(path)") }
        defer { BIO_free(file) }
        guard PEM_write_bio_X509(file, certificate) == 1 else { throw Failure.openSSL("write \(path)") }
    }

    private static func write(key: OpaquePointer, to path: String) throws {
        guard let file = BIO_new_file(path, "w") else { throw Failure.openSSL("open \(path)") }
        defer { BIO_free(file) }
        guard PEM_write_bio_PrivateKey(file, key, nil, nil, 0, nil, nil) == 1 else {
            throw Failure.openSSL("write \(path)")
        }
    }
}
