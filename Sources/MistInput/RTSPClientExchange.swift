import MistCore
import MistNet
import MistRTP
import MistRTSP

/// An RTSP client's requests and answers on one connection: CSeq, the session, authentication
/// (asked once per 401, then sent with every request), and media that arrives between answers
/// kept for the caller.
struct RTSPClientExchange {
    let connection: TCPConnection
    let source: RTSPPullInput.Source
    var session: String?
    private var framer = RTSPFramer()
    private var sequence = 0
    private var authorization: RTSPAuthorization?
    /// Interleaved media that came before an answer.
    private var early: [RTSPItem] = []
    private var scratch: [UInt8] = []
    static let answerSeconds = 10.0

    init(connection: TCPConnection, source: RTSPPullInput.Source) {
        self.connection = connection
        self.source = source
    }

    /// Sends `method` without waiting for its answer (keep-alives, TEARDOWN).
    mutating func send(_ method: String, url: String, headers: [RTSPHeader] = []) throws {
        sequence += 1
        var text = "\(method) \(url) RTSP/1.0\r\nCSeq: \(sequence)\r\nUser-Agent: MistSwift\r\n"
        if let session { text += "Session: \(session)\r\n" }
        if var authorization {
            text += "Authorization: \(authorization.header(method: method, uri: url))\r\n"
            self.authorization = authorization
        }
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        try connection.send(Array((text + "\r\n").utf8))
    }

    /// Sends `method` and waits for its answer; a 401 is answered once with the credentials of
    /// the URL. Anything but 2xx throws.
    mutating func ask(_ method: String, url: String, headers: [RTSPHeader] = []) throws -> RTSPResponse {
        var answer = try exchange(method, url: url, headers: headers)
        if answer.status == 401, authorization == nil, !source.user.isEmpty,
            let offered = RTSPAuthorization(
                user: source.user, password: source.password, challenges: answer.headers("www-authenticate"))
        {
            authorization = offered
            answer = try exchange(method, url: url, headers: headers)
        }
        guard (200..<300).contains(answer.status) else {
            throw RTSPPullInput.SessionEnd.refused(method, answer.status, answer.reason)
        }
        return answer
    }

    private mutating func exchange(_ method: String, url: String, headers: [RTSPHeader]) throws -> RTSPResponse {
        try send(method, url: url, headers: headers)
        let deadline = monotonicSeconds() + Self.answerSeconds
        while monotonicSeconds() < deadline {
            while let item = try framer.next() {
                if case .response(let response) = item, response.header("cseq") == String(sequence) {
                    return response
                }
                if case .interleaved = item { early.append(item) }
            }
            scratch.removeAll(keepingCapacity: true)
            _ = try connection.receive(into: &scratch, timeoutMilliseconds: 250)
            framer.append(scratch)
        }
        throw NetworkError.timeout
    }

    /// What arrived within `milliseconds` (media first kept from before, then new items).
    mutating func receive(milliseconds: Int) throws -> [RTSPItem] {
        var items = early
        early.removeAll()
        scratch.removeAll(keepingCapacity: true)
        _ = try connection.receive(
            into: &scratch, limit: 256 * 1024, timeoutMilliseconds: items.isEmpty ? milliseconds : 0)
        framer.append(scratch)
        while let item = try framer.next() { items.append(item) }
        return items
    }
}
