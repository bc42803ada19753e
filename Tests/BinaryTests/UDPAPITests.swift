import Foundation
import MistData
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The controller's local UDP API (MistServer's): a JSON command per datagram from this machine,
/// answered to the sender; off for callers the HTTP API would not count as local.
@Suite struct UDPAPITests {
    /// Sends `command` to `port` on loopback and waits up to `seconds` for one answer.
    static func ask(_ command: String, port: Int, seconds: Int = 5) -> JSONValue? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        defer { close(socket) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bytes = Array(command.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(socket, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == bytes.count else { return nil }
        var answer = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket, &answer, answer.count, 0)
        guard count > 0 else { return nil }
        return try? JSONParser.parse(Array(answer[0..<count]))
    }

    @Test func commandsFromThisMachineAreAnsweredAndApplied() throws {
        let port = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: #"{"config": {"protocols": []}}"#, environment: ["UDP_API": "udp://127.0.0.1:\(port)"])
        defer { controller.stop() }
        #expect(waitFor { controller.log.contains("Local UDP API bound on 127.0.0.1:\(port)") })
        let answer = Self.ask(#"{"addstream": {"fromudp": {"source": "push://"}}, "streams": true}"#, port: port)
        #expect(answer?["streams"]["fromudp"]["source"] == "push://", "\(String(describing: answer))")
        #expect(answer?.hasMember("authorize") == false)
        #expect(try controller.call(#"{"streams": true}"#)["streams"].hasMember("fromudp"))
        // Not JSON: logged and dropped; the API goes on.
        #expect(Self.ask("not json", port: port, seconds: 1) == nil)
        #expect(Self.ask(#"{"streams": true}"#, port: port)?["streams"].hasMember("fromudp") == true)
    }

    @Test func noLocalTrustMeansNoUDPAPI() throws {
        let port = ControllerHarness.freePort()
        let controller = try ControllerHarness(
            config: #"{"config": {"protocols": []}}"#,
            environment: ["UDP_API": "udp://127.0.0.1:\(port)", "MIST_API_LOCAL": "none"])
        defer { controller.stop() }
        #expect(waitFor { controller.log.contains("Local UDP API bound") })
        #expect(Self.ask(#"{"addstream": {"fromudp": {"source": "push://"}}}"#, port: port, seconds: 2) == nil)
        #expect(waitFor(seconds: 5) { controller.log.contains("not a local caller") })
    }
}
