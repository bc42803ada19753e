import MistData
import NIOHTTP1

/// What an API request's headers (an HTTP call's or a `/ws` upgrade's) say about its sender.
extension APISession {
    /// Notes a proxy in front (`X-Forwarded-For`, `X-Real-IP`: no local bypass) and what the
    /// headers say about a browser behind.
    mutating func note(_ headers: HTTPHeaders, trust: (origins: Set<String>, hosts: Set<String>)) {
        forwarded = headers.contains(name: "X-Forwarded-For") || headers.contains(name: "X-Real-IP")
        browser = BrowserRequest(
            header: { headers.first(name: $0) }, trustedOrigins: trust.origins, trustedHosts: trust.hosts)
    }

    /// The credentials of an `Authorization: json {...}` header (null when they do not parse);
    /// nil without such a header.
    static func credentials(in headers: HTTPHeaders) -> JSONValue? {
        guard let authorization = headers.first(name: "Authorization"), authorization.hasPrefix("json ") else {
            return nil
        }
        return (try? JSONParser.parse(Array(authorization.utf8.dropFirst(5)))) ?? .null
    }
}
