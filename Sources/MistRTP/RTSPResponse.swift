/// One RTSP response: status code and reason, headers in order, and the body.
public struct RTSPResponse: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var headers: [RTSPHeader]
    public var body: [UInt8]

    public init(status: Int, reason: String, headers: [RTSPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of header `name` (any case), in order (a camera may offer several
    /// `WWW-Authenticate` schemes).
    public func headers(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}
