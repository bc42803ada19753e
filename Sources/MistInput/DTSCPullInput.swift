import Logging
import MistCore
import MistData
import MistNet
import MistShm

/// Pulls `dtsc://host[:port]/stream` from another server into a live stream.
public struct DTSCPullInput {
    public let host: String
    public let port: UInt16
    public let remoteStream: String
    public let stream: String
    public let bufferWindow: UInt64
    let logger: Logger

    /// Parses the URL; the remote stream name defaults to ours.
    public init(url: String, stream: String, bufferWindow: UInt64, logger: Logger) throws {
        var rest = Substring(url)
        if rest.hasPrefix("dtsc://") {
            rest = rest.dropFirst(7)
        } else if rest.hasPrefix("dtsc:") {
            rest = rest.dropFirst(5)
        } else {
            throw DTSCInputError.badURL(url)
        }
        let authority = rest.prefix { $0 != "/" }
        var path = rest.dropFirst(authority.count).drop { $0 == "/" }
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        let hostPart: Substring
        var port: UInt16 = 4200
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            hostPart = authority[..<colon]
            guard let parsed = UInt16(authority[authority.index(after: colon)...]) else {
                throw DTSCInputError.badURL(url)
            }
            port = parsed
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { throw DTSCInputError.badURL(url) }
        self.host = String(hostPart.trimmingPrefix("[").prefix { $0 != "]" })
        self.port = port
        self.remoteStream = path.isEmpty ? stream : String(path)
        self.stream = stream
        self.bufferWindow = bufferWindow
        self.logger = logger
    }

    /// Connects, asks for the stream and buffers it live until the server closes the connection
    /// or `shouldStop` says so.
    public func run(shouldStop: () -> Bool = { false }) throws {
        let connection = try TCPConnection.connect(host: host, port: port)
        defer { connection.close() }
        try connection.send(DTSCFrameWriter.frame(.command, object: ["cmd": "play", "stream": .string(remoteStream)]))
        logger.mist(.info, "Pulling \(remoteStream) from \(host):\(port)")
        let writer = try StreamWriter(stream: stream, live: true, bufferWindow: bufferWindow)
        defer { writer.close() }
        var indices: [UInt32: Int] = [:]
        var buffer = DTSCStreamBuffer()
        var received = 0
        while true {
            while let frame = try buffer.nextFrame() {
                try frame.withUnsafeBytes { raw in
                    let packet = try DTSCPacket(raw)
                    switch packet.kind {
                    case .command:
                        let command = try packet.json()
                        switch command["cmd"].asString {
                        case "ping":
                            try connection.send(DTSCFrameWriter.frame(.command, object: ["cmd": "ok", "msg": "Pong!"]))
                        case "error": throw DTSCInputError.refused(command["msg"].asString)
                        case "hi": logger.mist(.medium, "Server version: \(command["version"].asString)")
                        default: break
                        }
                    case .header:
                        for track in try DTSHHeader(packet).tracks
                        where indices[UInt32(truncatingIfNeeded: track.trackID)] == nil {
                            let info = TrackInfo(track)
                            indices[info.id] = try writer.addTrack(info)
                        }
                        writer.status = .ready
                    case .packetV2, .packetV1:
                        guard let index = indices[packet.trackID], let data = packet.data else { return }
                        try writer.append(
                            track: index, time: packet.time, offset: packet.offset,
                            bytePosition: packet.bytePosition, keyframe: packet.isKeyframe, data: data)
                        received += 1
                    }
                }
            }
            if shouldStop() {
                logger.mist(.info, "Stopping the pull after \(received) packets")
                return
            }
            var closed = false
            do {
                _ = try connection.receive(into: &buffer.bytes, timeoutMilliseconds: 250)
            } catch {
                guard error == .closed else { throw error }
                closed = true
            }
            if closed {
                logger.mist(.info, "Source closed the connection after \(received) packets")
                // Viewers read what is buffered even after the input leaves; the stream stays a
                // moment longer for one about to arrive, as the buffer input does for a leaving source.
                let deadline = monotonicSeconds() + 2
                while !shouldStop() && monotonicSeconds() < deadline {
                    usleepMilliseconds(100)
                }
                return
            }
        }
    }
}
