import Foundation
import MistCore
import MistNet
import MistRTP
import MistTLS
import MistWebRTC
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// WHEP viewers as light as they come, for counting the server's cost per viewer: each offers
/// H.264, sends the server one STUN check (nominating) and one every 10 s after, runs DTLS as the
/// client with MistTLS, then counts the SRTP it receives, decrypting one packet in 64 to prove
/// the keys. Every viewer is served by one thread polling all the sockets.
final class WebRTCBenchViewers: @unchecked Sendable {
    final class Viewer {
        let descriptor: Int32
        let engine: TLSEngine
        let username: String
        let password: [UInt8]
        var secured = false
        var inbound: SRTPSession?
        var lastCheck = 0.0
        var packets = 0
        var decrypted = 0

        init(descriptor: Int32, engine: TLSEngine, username: String, password: [UInt8]) {
            self.descriptor = descriptor
            self.engine = engine
            self.username = username
            self.password = password
        }
    }

    private(set) var viewers: [Viewer] = []
    private let context: TLSContext

    init() throws {
        context = try TLSContext.datagram(isServer: false)
    }

    /// Opens `count` sessions at `url` (`http://127.0.0.1:<port>/whep/<stream>`).
    func open(count: Int, port: Int, path: String) {
        for _ in 0..<count {
            do {
                viewers.append(try session(port: port, path: path))
            } catch {
                FileHandle.standardError.write(Data("WHEP bench viewer failed: \(error)\n".utf8))
            }
        }
    }

    private func session(port: Int, path: String) throws -> Viewer {
        let local = ICECredentials.random()
        let offer =
            [
                "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
                "m=video 9 UDP/TLS/RTP/SAVPF 102", "c=IN IP4 127.0.0.1", "a=mid:0", "a=recvonly", "a=rtcp-mux",
                "a=rtpmap:102 H264/90000",
                "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                "a=rtcp-fb:102 nack", "a=rtcp-fb:102 nack pli", "a=ice-ufrag:\(local.username)",
                "a=ice-pwd:\(local.password)", "a=fingerprint:sha-256 \(context.fingerprint)", "a=setup:active",
            ].joined(separator: "\r\n") + "\r\n"
        let connection = try TCPConnection.connect(host: "127.0.0.1", port: UInt16(port))
        defer { connection.close() }
        try connection.send(
            Array(
                ("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sdp\r\n"
                    + "Content-Length: \(offer.utf8.count)\r\nConnection: close\r\n\r\n" + offer).utf8))
        var response: [UInt8] = []
        var text = ""
        // The head, then as much body as its Content-Length says.
        while (try? connection.receive(into: &response, timeoutMilliseconds: 5000)) ?? 0 > 0 {
            text = String(decoding: response, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let length =
                text[..<end.lowerBound].split(separator: "\r\n").first {
                    $0.lowercased().hasPrefix("content-length:")
                }.flatMap { Int($0.dropFirst(15).filter { $0 != " " }) } ?? 0
            if text[end.upperBound...].utf8.count >= length { break }
        }
        guard text.hasPrefix("HTTP/1.1 201"), let body = text.range(of: "\r\n\r\n").map({ text[$0.upperBound...] }),
            let answer = try? SessionDescription(parsing: String(body)), let media = answer.media.first,
            let ufrag = media.attribute("ice-ufrag"), let pwd = media.attribute("ice-pwd")
        else { throw NetworkError.closed }
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(media.port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard descriptor >= 0, connected == 0 else { throw NetworkError.closed }
        var size: Int32 = 4 << 20
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let viewer = Viewer(
            descriptor: descriptor, engine: try TLSEngine(context: context), username: "\(ufrag):\(local.username)",
            password: Array(pwd.utf8))
        check(viewer)
        return viewer
    }

    /// A nominating binding request.
    private func check(_ viewer: Viewer) {
        let transaction = (0..<12).map { _ in UInt8.random(in: 0...255) }
        let request = STUNMessage.encode(
            type: STUNMessage.bindingRequest, transactionID: transaction,
            attributes: [
                (STUNMessage.Attribute.username, Array(viewer.username.utf8)),
                (STUNMessage.Attribute.iceControlling, (0..<8).map { _ in UInt8.random(in: 0...255) }),
                (STUNMessage.Attribute.useCandidate, []),
            ], integrityKey: viewer.password, hmac: { SHA1.hmac(key: $0, data: $1) })
        _ = request.withUnsafeBytes { send(viewer.descriptor, $0.baseAddress, $0.count, 0) }
        viewer.lastCheck = monotonicSeconds()
    }

    private func flush(_ viewer: Viewer) {
        for datagram in DTLSRecords.datagrams(viewer.engine.takeOutput(), maximum: 1200) {
            _ = datagram.withUnsafeBytes { send(viewer.descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Serves every viewer until `stop`, adding what arrives to `received` (bytes).
    func run(received: borrowing Atomic<Int>, until stop: borrowing Atomic<Bool>) {
        var entries = viewers.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 2048)
        for viewer in viewers {
            _ = try? viewer.engine.handshake()
            flush(viewer)
        }
        while !stop.load(ordering: .relaxed) {
            let ready = poll(&entries, nfds_t(entries.count), 50)
            let now = monotonicSeconds()
            for (index, viewer) in viewers.enumerated() {
                if now - viewer.lastCheck > 10 { check(viewer) }
                if !viewer.secured, let delay = viewer.engine.retransmitDelayMilliseconds, delay == 0 {
                    viewer.engine.handleRetransmitTimer()
                    flush(viewer)
                }
                guard ready > 0, entries[index].revents != 0 else { continue }
                while true {
                    let count = buffer.withUnsafeMutableBytes {
                        recv(viewer.descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                    }
                    guard count > 0 else { break }
                    received.add(count, ordering: .relaxed)
                    let first = buffer[0]
                    if (20...63).contains(first) {
                        buffer.withUnsafeBytes {
                            viewer.engine.receive(UnsafeRawBufferPointer(rebasing: $0[0..<count]))
                        }
                        if !viewer.secured, (try? viewer.engine.handshake()) == true,
                            let material = try? viewer.engine.exportKeyingMaterial(
                                label: "EXTRACTOR-dtls_srtp", length: 60)
                        {
                            viewer.secured = true
                            viewer.inbound = try? SRTPSession.pair(keyingMaterial: material, isServer: false).inbound
                        }
                        flush(viewer)
                    } else if (128...191).contains(first) {
                        viewer.packets += 1
                        if viewer.packets % 64 == 1, let inbound = viewer.inbound,
                            (try? inbound.unprotect(Array(buffer[0..<count]))) != nil
                        {
                            viewer.decrypted += 1
                        }
                    }
                }
            }
        }
    }

    func close() {
        for viewer in viewers { Glibc.close(viewer.descriptor) }
        viewers = []
    }
}
