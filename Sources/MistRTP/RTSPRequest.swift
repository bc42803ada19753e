/// One RTSP request (RFC 2326): method, URL, headers in order, and the body.
public struct RTSPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [RTSPHeader]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [RTSPHeader] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The URL's path without its leading slash or query (`live/cam` for
    /// `rtsp://host:5554/live/cam?x=1`).
    public var path: String {
        var rest = Substring(url)
        let characters = Array(url)
        if let scheme = (0..<max(0, characters.count - 2)).first(where: {
            characters[$0] == ":" && characters[$0 + 1] == "/" && characters[$0 + 2] == "/"
        }) {
            rest = rest.dropFirst(scheme + 3).drop { $0 != "/" }
        }
        rest = rest.prefix { $0 != "?" }
        return String(rest.drop { $0 == "/" })
    }
}

/// A header line.
public struct RTSPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What an RTSP connection carries: requests, and RTP/RTCP interleaved as `$`, channel,
/// 16-bit length, data.
public enum RTSPItem: Sendable, Equatable {
    case request(RTSPRequest)
    /// What a server answered (read by clients; a server gets none).
    case response(RTSPResponse)
    case interleaved(channel: UInt8, payload: [UInt8])
}

/// Why an RTSP connection's bytes could not be read.
public enum RTSPError: Error, Sendable, Equatable, CustomStringConvertible {
    case headTooLarge(Int)
    case bodyTooLarge(Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .headTooLarge(let size): return "request head over \(size) bytes"
        case .bodyTooLarge(let size): return "request body of \(size) bytes is over the limit"
        case .malformed(let what): return "malformed RTSP: \(what)"
        }
    }
}
