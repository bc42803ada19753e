import Foundation
import MistNet
import MistRTP
import Synchronization

/// RTSP players for the fan-out benchmark: `count` clients that DESCRIBE the `bench` stream,
/// SETUP its tracks over TCP interleaved and PLAY, read on one thread.
enum RTSPBenchViewers {
    /// One player's setup; nil when the server refused or did not answer.
    static func play(port: Int) -> TCPConnection? {
        guard let connection = try? TCPConnection.connect(host: "127.0.0.1", port: UInt16(port)) else { return nil }
        let url = "rtsp://127.0.0.1:\(port)/bench"
        var framer = RTSPFramer()
        var sequence = 0
        var session = ""
        func ask(_ method: String, _ target: String, _ headers: String) -> RTSPResponse? {
            sequence += 1
            let text =
                "\(method) \(target) RTSP/1.0\r\nCSeq: \(sequence)\r\n\(headers)"
                + (session.isEmpty ? "" : "Session: \(session)\r\n") + "\r\n"
            guard (try? connection.send(Array(text.utf8))) != nil else { return nil }
            var scratch: [UInt8] = []
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                while let item = try? framer.next() {
                    if case .response(let response) = item { return response }
                }
                scratch.removeAll(keepingCapacity: true)
                guard (try? connection.receive(into: &scratch, timeoutMilliseconds: 200)) != nil else { return nil }
                framer.append(scratch)
            }
            return nil
        }
        guard let described = ask("DESCRIBE", url, "Accept: application/sdp\r\n"), described.status == 200 else {
            connection.close()
            return nil
        }
        let tracks = String(decoding: described.body, as: UTF8.self).components(separatedBy: "m=").count - 1
        for track in 0..<tracks {
            let channel = track * 2
            guard
                let answer = ask(
                    "SETUP", "\(url)/track\(track + 1)",
                    "Transport: RTP/AVP/TCP;unicast;interleaved=\(channel)-\(channel + 1)\r\n"),
                answer.status == 200
            else {
                connection.close()
                return nil
            }
            session = String((answer.header("session") ?? "").prefix { $0 != ";" })
        }
        guard let playing = ask("PLAY", url, "Range: npt=0.000-\r\n"), playing.status == 200 else {
            connection.close()
            return nil
        }
        return connection
    }

    static func watch(count: Int, port: Int, seconds: Double, phase: (BenchClient.Phase) -> Void) throws
        -> BenchClient.Result
    {
        let viewers = (0..<count).compactMap { _ in play(port: port) }
        let received = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
        let box = ViewerBox(viewers)
        Thread.detachNewThread {
            box.read(counting: received, until: stopping)
            finished.store(true, ordering: .relaxed)
        }
        var result = BenchClient.sample(seconds: seconds, bytes: { received.load(ordering: .relaxed) }, phase: phase)
        result.connected = viewers.count
        stopping.store(true, ordering: .relaxed)
        while !finished.load(ordering: .relaxed) { usleep(10_000) }
        for viewer in viewers { viewer.close() }
        return result
    }
}
