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
        guard let request = TestHTTPRequest.read(from: connection) else { return }
        let call = Call(
            trigger: request.headers["x-trigger"] ?? "", path: request.path, headers: request.headers,
            payload: String(decoding: request.body, as: UTF8.self))
        calls.withLock { $0.append(call) }
        let body = Array(answer(call).utf8)
        let response =
            Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        try? connection.send(response)
    }

    deinit { shutdown(listener.descriptor, Int32(SHUT_RDWR)) }
}
