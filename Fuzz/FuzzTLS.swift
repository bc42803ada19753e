import Foundation

// libFuzzer target: bytes from a peer, as a client's first flight to a server engine and as a
// server's answer to a client engine, in pieces whose size the first byte picks: every outcome
// is a handshake that waits, fails with a typed error, or (never, in practice) succeeds; the
// engine never traps and never queues more than an alert's worth of output for the peer.
private let contexts: (server: TLSContext, client: TLSContext) = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mist-fuzz-tls-\(getpid())")
    do {
        let certificates = try TestCertificates(folder: folder)
        let issued = try certificates.issue("server")
        let server = try TLSContext.server(
            [TLSCertificatePair(certificate: issued.certificate, key: issued.key)], http11: true)
        let client = try TLSContext.client(caFile: certificates.authority)
        return (server, client)
    } catch {
        fatalError("cannot set up: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTLS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let piece = bytes.isEmpty ? 1 : Int(bytes[0]) % 512 + 1
    for asServer in [true, false] {
        guard
            let engine = try? TLSEngine(
                context: asServer ? contexts.server : contexts.client, serverName: asServer ? nil : "localhost")
        else { fatalError("no engine") }
        if !asServer {
            _ = try? engine.handshake()
            _ = engine.takeOutput()
        }
        var offset = bytes.isEmpty ? 0 : 1
        var scratch = [UInt8](repeating: 0, count: 4096)
        feeding: while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            bytes[offset..<end].withUnsafeBytes { engine.receive($0) }
            offset = end
            do {
                if try engine.handshake() {
                    while case .bytes = try scratch.withUnsafeMutableBytes({ try engine.read(into: $0) }) {}
                }
            } catch {
                break feeding
            }
            if engine.pendingOutput > 1 << 20 { fatalError("\(engine.pendingOutput) bytes queued for the peer") }
            _ = engine.takeOutput()
        }
    }
    return 0
}
