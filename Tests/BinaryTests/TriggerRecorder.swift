import Foundation
import MistNet
import MistTLS
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP (or, given a TLS context, HTTPS) trigger handler on loopback: records every POST
/// (trigger name, headers, payload) and answers with what `answer` says for it.
final class TriggerRecorder: @unchecked Sendable {
    struct Call: Sendable {
        var trigger: String
        var path: String
        var headers: [String: String]
        var payload: String
        var lines: [String] { payload.components(separatedBy: "\n") }
    }

    let port: Int
    private let listener: TCPListener
    private let calls = Mutex<[Call]>([])
    private let answer: @Sendable (Call) -> String
    private let tls: TLSContext?

    init(tls: TLSContext? = nil, answer: @escaping @Sendable (Call) -> String) throws {
        self.answer = answer
        self.tls = tls
        listener = try TCPListener(interface: "127.0.0.1", port: 0)
        port = Int(listener.port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)/trigger" }

    /// Every call so far of `trigger`.
    func calls(_ trigger: String) -> [Call] { calls.withLock { $0.filter { $0.trigger == trigger } } }

    private func acceptLoop() {
        while true {
            let client = accept(listener.descriptor, nil, nil)
            if client < 0 { return }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        let tcp = TCPConnection(descriptor: client, peer: "client")
        let connection: any ClientConnection
        if let tls {
            guard let secured = try? TLSConnection.accept(tcp, context: tls) else { return }
            connection = secured
        } else {
            connection = tcp
        }
        defer { connection.close() }
        var bytes: [UInt8] = []
        func headEnd() -> Int? {
            guard bytes.count >= 4 else { return nil }
            return (0...(bytes.count - 4)).first { bytes[$0..<($0 + 4)] == [13, 10, 13, 10] }
        }
        func more() -> Bool { ((try? connection.receive(into: &bytes, timeoutMilliseconds: 10_000)) ?? 0) > 0 }
        while headEnd() == nil {
            if !more() { return }
        }
        guard let end = headEnd() else { return }
        var headers: [String: String] = [:]
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let path = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while bytes.count < end + 4 + length {
            if !more() { return }
        }
        let call = Call(
            trigger: headers["x-trigger"] ?? "", path: path, headers: headers,
            payload: String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self))
        calls.withLock { $0.append(call) }
        let body = Array(answer(call).utf8)
        let response =
            Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        try? connection.send(response)
    }

    deinit { shutdown(listener.descriptor, Int32(SHUT_RDWR)) }
}
