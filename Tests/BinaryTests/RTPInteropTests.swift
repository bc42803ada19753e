import Foundation
import MistData
import MistNet
import MistRTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// ffmpeg's RTP muxer (a packetizer no one here wrote) sends an H.264 file as RTP over UDP; the
/// depacketizer gets back every picture with exactly the NAL bytes the file holds.
@Suite struct RTPInteropTests {
    @Test(.enabled(if: MediaTools.available)) func ffmpegsRTPBecomesTheFilesPicturesAgain() throws {
        let folder = try MediaTools.temporaryFolder("rtp")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("source.mp4")
        try MediaTools.make(
            [
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "4", "-c:v", "libx264", "-preset",
                "ultrafast", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", file.path,
            ], log: folder.appendingPathComponent("make.log"))
        let sizes =
            try MediaTools.probe(file.path, arguments: ["-show_packets", "-select_streams", "v"])["packets"]
            .arrayValue?.map { Int($0["size"].asString) ?? -1 } ?? []
        #expect(sizes.count == 100)

        let receiver = try UDPReceiver(host: "127.0.0.1", port: 0)
        let sender = try MediaTools.ffmpeg(
            [
                "-i", file.path, "-an", "-c:v", "copy", "-f", "rtp", "-payload_type", "96",
                "rtp://127.0.0.1:\(receiver.port)?pkt_size=1200",
            ], log: folder.appendingPathComponent("rtp.log"))
        defer { if sender.isRunning { sender.terminate() } }

        var depacketizer = H264RTPDepacketizer()
        var pictures: [H264RTPDepacketizer.AccessUnit] = []
        var datagram = [UInt8](repeating: 0, count: 65536)
        var kinds = Set<Int>()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            var entry = pollfd(fd: receiver.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 1000) > 0 else {
                if !sender.isRunning { break }
                continue
            }
            let count = recv(receiver.descriptor, &datagram, datagram.count, 0)
            guard count > 0 else { continue }
            let packet = try RTPPacket(parsing: datagram[0..<count])
            #expect(packet.payloadType == 96 && packet.payload.count <= 1200)
            if let first = packet.payload.first { kinds.insert(Int(first & 0x1F)) }
            pictures += try depacketizer.push(packet)
        }
        if let last = depacketizer.flush() { pictures.append(last) }

        #expect(kinds.contains(28), "FU-A used for large pictures")
        #expect(pictures.count == sizes.count)
        #expect(pictures.allSatisfy { !$0.damaged })
        // The file stores each NAL unit behind a 4-byte length.
        let rebuilt = pictures.map { $0.nals.reduce(0) { $0 + 4 + $1.count } }
        #expect(rebuilt == sizes)
        #expect(zip(pictures, pictures.dropFirst()).allSatisfy { $1.timestamp &- $0.timestamp == 3600 })
    }
}
