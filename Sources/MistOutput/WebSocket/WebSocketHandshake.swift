import MistData
import MistNet
import MistTLS

/// The server's side of RFC 6455's opening handshake, as MistServer takes it: a GET with
/// `Upgrade: websocket`, `Connection: Upgrade`, version 13 and a key of 16 bytes is answered
/// with 101 and the key's accept value; anything else is no WebSocket.
enum WebSocketHandshake {
    /// The GUID RFC 6455 appends to the client's key before hashing.
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Whether the request asks to become a WebSocket at all (it may still be refused).
    static func isRequested(_ head: HTTPRequestHead) -> Bool {
        head.header("upgrade")?.lowercased().contains("websocket") == true
    }

    /// Why a request that asks for a WebSocket cannot have one.
    enum Refusal: Error, CustomStringConvertible {
        case notUpgrade
        case version(String)
        case key

        var description: String {
            switch self {
            case .notUpgrade: "the request lacks Connection: Upgrade"
            case .version(let version): "WebSocket version \(version) is not 13"
            case .key: "Sec-WebSocket-Key is not 16 bytes of Base64"
            }
        }
    }

    /// The 101 response that accepts `head`'s handshake.
    static func response(to head: HTTPRequestHead) throws(Refusal) -> [UInt8] {
        let connection = head.header("connection")?.lowercased() ?? ""
        // Tokens hold no spaces, so dropping them all trims each.
        guard connection.split(separator: ",").contains(where: { $0.filter { $0 != " " && $0 != "\t" } == "upgrade" })
        else {
            throw .notUpgrade
        }
        // Header values arrive trimmed (NIOHTTP1).
        let version = head.header("sec-websocket-version") ?? ""
        guard version == "13" else { throw .version(version) }
        let key = head.header("sec-websocket-key") ?? ""
        guard key.utf8.count == 24, let raw = Base64.decode(key), raw.count == 16 else { throw .key }
        return Array(
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(accept(key: key))\r\n\r\n").utf8)
    }

    /// `Sec-WebSocket-Accept` for a client's key.
    static func accept(key: String) -> String {
        Base64.encode(SHA1.digest(Array((key + guid).utf8)))
    }
}
