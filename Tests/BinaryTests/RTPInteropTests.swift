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

        var depacketizer = NALUnitRTPDepacketizer()
        var pictures: [NALUnitRTPDepacketizer.AccessUnit] = []
        var kinds = Set<Int>()
        for datagram in Self.datagrams(receiver, while: sender) {
            let packet = try RTPPacket(parsing: datagram[...])
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

    /// Datagrams that arrive on `receiver` until `sender` exits and nothing more comes for 1 s.
    static func datagrams(_ receiver: UDPReceiver, while sender: Process) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var datagram = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            var entry = pollfd(fd: receiver.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 1000) > 0 else {
                if !sender.isRunning { break }
                continue
            }
            let count = recv(receiver.descriptor, &datagram, datagram.count, 0)
            if count > 0 { out.append(Array(datagram[0..<count])) }
        }
        return out
    }

    /// ffmpeg sends video and AAC audio as RTP and writes their SDP: the description reads (and
    /// writes back the same), names what was sent, and the AAC depacketizer gets every frame.
    @Test(.enabled(if: MediaTools.available)) func ffmpegsSDPAndAACRTPAreRead() throws {
        let folder = try MediaTools.temporaryFolder("rtp-aac")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("source.mp4")
        try MediaTools.makeTestFile(file, seconds: 4)
        let audioSizes =
            try MediaTools.probe(file.path, arguments: ["-show_packets", "-select_streams", "a"])["packets"]
            .arrayValue?.map { Int($0["size"].asString) ?? -1 } ?? []
        #expect(audioSizes.count > 100)

        let video = try UDPReceiver(host: "127.0.0.1", port: 0)
        let audio = try UDPReceiver(host: "127.0.0.1", port: 0)
        let sdpFile = folder.appendingPathComponent("session.sdp")
        let sender = try MediaTools.ffmpeg(
            [
                "-i", file.path, "-map", "0:v", "-c:v", "copy", "-f", "rtp", "rtp://127.0.0.1:\(video.port)",
                "-map", "0:a", "-c:a", "copy", "-f", "rtp", "rtp://127.0.0.1:\(audio.port)?pkt_size=1200",
                "-sdp_file", sdpFile.path,
            ], log: folder.appendingPathComponent("rtp.log"))
        defer { if sender.isRunning { sender.terminate() } }
        let received = Self.datagrams(audio, while: sender)

        let text = try String(contentsOf: sdpFile, encoding: .utf8)
        let description = try SessionDescription(parsing: text)
        #expect(
            description.text
                == text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(description.media.map(\.kind) == ["video", "audio"])
        let videoFormat = try #require(description.media.first?.formats.first)
        #expect(description.media[0].rtpmap(videoFormat)?.encoding == "H264")
        #expect(description.media[0].fmtp(videoFormat)["packetization-mode"] == "1")
        let audioSection = description.media[1]
        let audioFormat = try #require(audioSection.formats.first)
        #expect(audioSection.rtpmap(audioFormat)?.encoding.uppercased() == "MPEG4-GENERIC")
        #expect(audioSection.port == Int(audio.port))

        var depacketizer = AACRTPDepacketizer(fmtp: audioSection.fmtp(audioFormat))
        #expect(depacketizer.sizeLength == 13 && depacketizer.indexLength == 3)
        var frames: [[UInt8]] = []
        for datagram in received {
            frames += try depacketizer.push(RTPPacket(parsing: datagram[...]))
        }
        // (ffmpeg's RTP muxer holds back the last few frames it was collecting for a packet and
        // never sends them when it ends.)
        #expect(frames.count >= audioSizes.count - 4 && frames.count <= audioSizes.count)
        #expect(frames.map(\.count) == Array(audioSizes.prefix(frames.count)))
    }
}
