import MistData

/// A certificate chain and its private key, as PEM file paths.
public struct TLSCertificatePair: Sendable, Equatable {
    /// The chain: the server's certificate first, then its intermediates.
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }

    /// The pairs MistServer's `cert` and `key` options describe: the n-th certificate with the
    /// n-th key; a `cert` entry that is a JSON array lists chain files then its key, and then the
    /// `key` option is not used. Empty entries are skipped (the options' default is empty).
    public static func pairs(certificates: [String], keys: [String]) -> [TLSCertificatePair] {
        var pairs: [TLSCertificatePair] = []
        var plain: [String] = []
        for entry in certificates where !entry.isEmpty {
            if entry.hasPrefix("["), let list = try? JSONParser.parse(entry).arrayValue {
                let files = list.compactMap(\.stringValue).filter { !$0.isEmpty }
                // Several chain files are not supported here: the first is the chain, the last the key.
                if files.count >= 2, let first = files.first, let last = files.last {
                    pairs.append(TLSCertificatePair(certificate: first, key: last))
                }
            } else {
                plain.append(entry)
            }
        }
        let usableKeys = keys.filter { !$0.isEmpty }
        for (certificate, key) in zip(plain, usableKeys) {
            pairs.append(TLSCertificatePair(certificate: certificate, key: key))
        }
        return pairs
    }
}
