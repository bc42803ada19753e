import MistCore

/// The `cert` and `key` options of the TLS listeners, as MistServer declares them.
enum TLSOptions {
    static let certificate = CapabilityOption(
        "cert", name: "Certificate",
        help:
            "Path to the file(s) containing certificate chain(s) in PEM. When multiple chains are used, give their "
            + "keys in the same order; SNI picks the certificate that covers the name a client asks for",
        type: .inputList, long: "cert", short: "C", default: "", sort: "aab", extra: ["input": ["type": "browse"]])
    static let key = CapabilityOption(
        "key", name: "Key",
        help: "Path to the private key(s) in PEM, in the order of the certificates", type: .inputList, long: "key",
        short: "k", default: "", sort: "aac", extra: ["input": ["type": "browse"]])
}
