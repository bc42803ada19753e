import MistCore
import MistData

/// MistOutHTTPS: everything MistOutHTTP serves, over TLS, on port 4433.
public enum HTTPSCapabilities {
    public static let declaration: Capabilities = {
        var declaration = Capabilities.output(
            name: "HTTPS", friendlyName: "HTTPS (HTTP+TLS)",
            description: "HTTPS connection handler, provides all enabled HTTP-based outputs", port: 4433,
            extra: [
                "provides": "HTTP",
                "protocol": "https://",
                "url_rel": "/$.html",
                "url_match": HTTPCapabilities.declaration.extra["url_match"] ?? .null,
                "codecs": HTTPCapabilities.declaration.extra["codecs"] ?? .null,
                "methods": HTTPCapabilities.declaration.extra["methods"] ?? .null,
            ])
        var certificate = TLSOptions.certificate
        certificate.name = "Path to certificate"
        var key = TLSOptions.key
        key.name = "Path to key"
        key.short = "K"
        declaration.required = [certificate, key]
        return declaration
    }()
}
