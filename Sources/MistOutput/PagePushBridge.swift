import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// A push into a buffer that takes no pushes on a local socket (MistServer's MistInBuffer):
/// the publisher's DTSC goes over a socket pair to a thread of this process, which writes the
/// tracks into the stream's pages itself, the way MistServer's outputs feed a buffer. The
/// publisher side sees the same acceptance and frames as with our own buffer.
enum PagePushBridge {
    /// Attaches to `stream`'s pages and returns the publisher's end of the bridge; nil when the
    /// stream has no buffer waiting for a push.
    static func open(stream: String, logger: Logger) -> TCPConnection? {
        guard let writer = try? StreamWriter(attachingTo: stream) else { return nil }
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            writer.close()
            return nil
        }
        let bridge = TCPConnection(descriptor: ends[1], peer: "bridge")
        let box = UncheckedBox(writer: writer, connection: bridge)
        startDetachedThread {
            run(box.writer, box.connection, stream: stream, logger: logger)
        }
        logger.mist(.info, "Pushing into \(stream)'s pages (its buffer takes no local push connection)")
        return TCPConnection(descriptor: ends[0], peer: "bridge")
    }

    private struct UncheckedBox: @unchecked Sendable {
        let writer: StreamWriter
        let connection: TCPConnection
    }

    private static func run(_ writer: StreamWriter, _ connection: TCPConnection, stream: String, logger: Logger) {
        defer {
            writer.close()
            connection.close()
        }
        try? connection.send(
            DTSCFrameWriter.frame(.command, object: ["cmd": "ok", "msg": .string("Pushing into \(stream)")]))
        var buffer = DTSCStreamBuffer()
        var indices: [UInt32: Int] = [:]
        while true {
            do {
                _ = try connection.receive(into: &buffer.bytes, limit: 1 << 20, timeoutMilliseconds: 1000)
                while let frame = try buffer.nextFrame() {
                    try frame.withUnsafeBytes { raw in
                        let packet = try DTSCPacket(raw)
                        switch packet.kind {
                        case .header:
                            for track in try DTSHHeader(packet).tracks {
                                let id = UInt32(truncatingIfNeeded: track.trackID)
                                guard indices[id] == nil else { continue }
                                indices[id] = try writer.addTrack(TrackInfo(track))
                            }
                        case .packetV2, .packetV1:
                            guard let index = indices[packet.trackID], let data = packet.data else { return }
                            do {
                                try writer.append(
                                    track: index, time: packet.time, offset: packet.offset,
                                    bytePosition: packet.bytePosition, keyframe: packet.isKeyframe, data: data)
                            } catch StreamWriteError.outOfOrder, StreamWriteError.noKeyframeYet {
                                return
                            }
                        case .command:
                            if try packet.json()["cmd"].asString == "ping" {
                                try connection.send(
                                    DTSCFrameWriter.frame(.command, object: ["cmd": "ok", "msg": "Pong!"]))
                            }
                        }
                    }
                }
                if StreamStatus.current(of: stream) == .off || StreamStatus.current(of: stream) == .shuttingDown {
                    logger.mist(.info, "The buffer of \(stream) ended; ending its push")
                    return
                }
            } catch NetworkError.closed {
                logger.mist(.info, "Push into \(stream)'s pages ended")
                return
            } catch {
                logger.mist(.warn, "Push into \(stream)'s pages ended: \(error)")
                return
            }
        }
    }
}
