import Foundation
import MistSRT
import Testing

@Suite struct SRTSocketTests {
    /// A UDP port nothing listens on (below the ephemeral range and above the one the
    /// end-to-end tests take theirs from), for callers that must fail; listeners take one the
    /// system picks.
    static func port(_ offset: Int) -> UInt16 { UInt16(31000 + (Int(getpid()) % 400) * 4 + offset) }

    @Test func callerReachesListenerWithStreamIDAndMessages() throws {
        // A port the system picks, so no other process's socket can be in the way.
        let listener = try SRTSocket.listen(host: "127.0.0.1", port: 0, options: ["latency": "50"])
        let port = listener.localPort
        #expect(port > 0)
        let caller = try SRTSocket.connect(
            host: "127.0.0.1", port: port, options: ["streamid": "#!::r=live,m=publish", "latency": "50"])
        let accepted = try #require(try listener.accept(timeoutMilliseconds: 3000))
        #expect(accepted.streamID == "#!::r=live,m=publish")
        #expect(accepted.peerHost == "127.0.0.1")
        #expect(SRTStreamID(accepted.streamID) == SRTStreamID("#!::m=publish,r=live"))
        let message = [UInt8](repeating: 0x47, count: 1316)
        for _ in 0..<20 { #expect(message.withUnsafeBytes { caller.send($0) } == .sent) }
        var buffer: [UInt8] = []
        var total = 0
        while total < 20 * 1316 {
            guard case .bytes(let count) = accepted.receive(into: &buffer, timeoutMilliseconds: 2000) else { break }
            #expect(buffer.prefix(count).allSatisfy { $0 == 0x47 })
            total += count
        }
        #expect(total == 20 * 1316)
        #expect(caller.statistics.sent >= 20)
        #expect(accepted.statistics.received >= 20)
        caller.close()
        #expect(accepted.receive(into: &buffer, timeoutMilliseconds: 3000) == .closed)
    }

    @Test func wrongPassphraseIsRefused() throws {
        let listener = try SRTSocket.listen(
            host: "127.0.0.1", port: 0, options: ["passphrase": "correct horse battery"])
        let port = listener.localPort
        #expect(throws: SRTError.self) {
            try SRTSocket.connect(
                host: "127.0.0.1", port: port, options: ["passphrase": "wrong passphrase"], timeoutMilliseconds: 1000)
        }
        _ = try? listener.accept(timeoutMilliseconds: 100)
        let caller = try SRTSocket.connect(
            host: "127.0.0.1", port: port, options: ["passphrase": "correct horse battery"])
        #expect(caller.isConnected)
    }

    @Test func badOptionValuesThrow() throws {
        #expect(throws: SRTError.badOption("latency", "soon")) {
            try SRTSocket.connect(host: "127.0.0.1", port: Self.port(2), options: ["latency": "soon"])
        }
        #expect(throws: SRTError.self) {
            try SRTSocket.connect(host: "127.0.0.1", port: Self.port(2), options: ["passphrase": "short"])
        }
        #expect(throws: SRTError.badAddress("no.such.host.invalid:1")) {
            try SRTSocket.connect(host: "no.such.host.invalid", port: 1, options: [:])
        }
    }

    @Test func pollerReportsAcceptsAndReads() throws {
        let listener = try SRTSocket.listen(host: "127.0.0.1", port: 0, options: [:])
        let port = listener.localPort
        listener.setNonBlocking()
        let poller = try SRTPoller()
        try poller.add(listener, read: true, write: false)
        #expect(poller.wait(timeoutMilliseconds: 50).isEmpty)
        let caller = try SRTSocket.connect(host: "127.0.0.1", port: port, options: [:])
        #expect(poller.wait(timeoutMilliseconds: 2000).first?.socket == listener.handle)
        let accepted = try #require(try listener.acceptReady())
        accepted.setNonBlocking()
        try poller.add(accepted, read: true, write: false)
        _ = [UInt8](repeating: 1, count: 188).withUnsafeBytes { caller.send($0) }
        var ready: [SRTPoller.Ready] = []
        for _ in 0..<20 where !ready.contains(where: { $0.socket == accepted.handle }) {
            ready = poller.wait(timeoutMilliseconds: 200)
        }
        #expect(ready.contains { $0.socket == accepted.handle && $0.readable })
        var buffer: [UInt8] = []
        #expect(accepted.receive(into: &buffer) == .bytes(188))
        #expect(accepted.receive(into: &buffer) == .none)
    }

    @Test func streamIDForms() {
        #expect(SRTStreamID("live").resource == "live")
        #expect(SRTStreamID("live").mode == nil)
        let form = SRTStreamID("#!::u=me,r=cam1,m=request,x=1")
        #expect(form.resource == "cam1")
        #expect(form.mode == .request)
        #expect(form.keys["u"] == "me")
        #expect(SRTStreamID("#!::m=bogus").mode == nil)
        #expect(SRTStreamID("#!::").resource == "")
        #expect(SRTStreamID("%23!::r=cam2,m=publish") == SRTStreamID("#!::r=cam2,m=publish"))
    }

    @Test func modeFollowsMistServersRule() {
        #expect(SRTOption.mode([:], host: "") == "listener")
        #expect(SRTOption.mode([:], host: "example.com") == "caller")
        #expect(SRTOption.mode(["mode": "listener"], host: "example.com") == "listener")
        #expect(SRTOption.mode(["mode": "client"], host: "") == "caller")
        #expect(SRTOption.mode(["mode": "sideways"], host: "") == nil)
    }
}
