import Logging
import MistCore
import MistData
import MistNet
import MistShm
import MistStream

/// One DTSC viewer connection: greets the peer, waits for its `play` command, then sends the
/// stream's header and every packet of the selected tracks, straight from shared memory.
public struct DTSCSession {
    let connection: TCPConnection
    let logger: Logger

    public init(connection: TCPConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// A DTCM command frame around `members`.
    static func command(_ members: JSONObject) -> [UInt8] {
        (try? DTSCFrameWriter.frame(.command, object: members)) ?? []
    }

    func send(command members: JSONObject) throws(NetworkError) {
        try connection.send(Self.command(members))
    }

    /// Serves the connection until the peer leaves, the stream ends, or the peer misbehaves.
    public func run() {
        do {
            try send(command: [
                "cmd": "hi", "version": .string("MistSwift/" + MistVersion.version), "pack_method": 2,
            ])
            var buffer = DTSCStreamBuffer(maximumFrameLength: 1 << 20)
            switch try waitForRequest(&buffer) {
            case .play(let stream): try play(stream, buffer: &buffer)
            case .push(let stream): try relayPush(stream, pending: buffer.bytes)
            }
        } catch let error as NetworkError {
            logger.mist(.medium, "DTSC connection \(connection.peer) ended: \(error)")
        } catch let error as DTMIError {
            logger.mist(.warn, "DTSC peer \(connection.peer) sent malformed data: \(error)")
            try? send(command: ["cmd": "error", "msg": .string("Invalid data received: \(error)")])
        } catch {
            logger.mist(.warn, "DTSC connection \(connection.peer) failed: \(error)")
            try? send(command: ["cmd": "error", "msg": .string("\(error)")])
        }
        connection.close()
    }

    enum Request {
        case play(String)
        case push(String)
    }

    /// Reads commands until `play` or `push`, answering pings.
    private func waitForRequest(_ buffer: inout DTSCStreamBuffer) throws -> Request {
        var idle = 0
        while true {
            while let frame = try buffer.nextFrame() {
                let json = try frame.withUnsafeBytes { raw throws(DTMIError) in try DTSCPacket(raw).json() }
                guard frame.starts(with: DTSCFrameKind.command.magic) else {
                    throw DTSCSessionError.unexpected("data before a play command")
                }
                switch json["cmd"].asString {
                case "play", "push":
                    let stream = json["stream"].asString
                    guard !stream.isEmpty, stream.utf8.count <= 100, !stream.contains("/") else {
                        throw DTSCSessionError.unexpected("\(json["cmd"].asString) needs a valid stream name")
                    }
                    return json["cmd"].asString == "play" ? .play(stream) : .push(stream)
                case "ping": try send(command: ["cmd": "ok", "msg": "Pong!"])
                default: logger.mist(.medium, "Ignoring DTCM \(json["cmd"].asString) from \(connection.peer)")
                }
            }
            if try connection.receive(into: &buffer.bytes, timeoutMilliseconds: 1000) == 0 {
                idle += 1
                if idle > 30 { throw NetworkError.timeout }
            }
        }
    }

    /// Hands a pushed stream to its buffer input: every byte from the publisher goes to the buffer
    /// and every answer back, until either side leaves.
    private func relayPush(_ stream: String, pending: [UInt8]) throws {
        let host = String(connection.peer[..<(connection.peer.lastIndex(of: ":") ?? connection.peer.endIndex)])
        let target = try BufferPushClient.connect(stream: stream, peerHost: host, logger: logger)
        defer { target.close() }
        logger.mist(.info, "DTSC push from \(connection.peer) into \(stream)")
        // The buffer answers first: ok when it takes this source, an error when it is busy.
        if !pending.isEmpty { try target.send(pending) }
        var fromPublisher: [UInt8] = []
        var fromBuffer: [UInt8] = []
        while true {
            fromPublisher.removeAll(keepingCapacity: true)
            if try connection.receive(into: &fromPublisher, limit: 1 << 20, timeoutMilliseconds: 50) > 0 {
                try target.send(fromPublisher)
            }
            fromBuffer.removeAll(keepingCapacity: true)
            if try target.receive(into: &fromBuffer, timeoutMilliseconds: 0) > 0 {
                try connection.send(fromBuffer)
            }
        }
    }

    private func play(_ stream: String, buffer: inout DTSCStreamBuffer) throws {
        // Under a controller, the stream's input is started on demand; run by hand, an input
        // started some other way is waited for.
        if StreamStarter.controllerIsRunning { try StreamStarter.start(stream, logger: logger) }
        let reader = try StreamReader(stream: stream, waitMilliseconds: 5000)
        var waited = 0
        while reader.tracks().isEmpty && waited < 5000 {
            usleepMilliseconds(10)
            waited += 10
        }
        let tracks = reader.tracks()
        guard !tracks.isEmpty else { throw DTSCSessionError.unexpected("stream \(stream) has no tracks") }
        try reader.select(tracks.map(\.index))
        if reader.isLive { try reader.seekToLiveEdge() }
        logger.mist(.info, "DTSC viewer \(connection.peer) plays \(stream) (\(tracks.count) tracks)")
        try connection.send(reader.header(includeTables: false, renumber: true).encode(includeTables: false))

        var header = [UInt8](repeating: 0, count: 20)
        var idleMilliseconds = 0
        while true {
            switch try reader.next(timeoutMilliseconds: 500) {
            case .packet(let packet):
                try DTSCSession.send(packet, header: &header, to: connection)
                idleMilliseconds = 0
            case .timeout:
                idleMilliseconds += 500
                if idleMilliseconds >= 1000 {
                    try send(command: ["cmd": "ping"])
                    idleMilliseconds = 0
                }
            case .end:
                logger.mist(.info, "Stream \(stream) ended; closing DTSC viewer \(connection.peer)")
                return
            }
            // Answer what the peer says meanwhile without blocking playback.
            if try connection.receive(into: &buffer.bytes, timeoutMilliseconds: 0) > 0 {
                while let frame = try buffer.nextFrame() {
                    let json = try frame.withUnsafeBytes { raw throws(DTMIError) in try DTSCPacket(raw).json() }
                    if json["cmd"].asString == "ping" { try send(command: ["cmd": "ok", "msg": "Pong!"]) }
                }
            }
        }
    }

    /// Sends a packet from a mapped page as DTSC wire bytes. Peers number tracks from 1: the id
    /// is rewritten in a copy of the 20-byte header and the body goes straight from the page.
    static func send(_ packet: DTSCPacket, header: inout [UInt8], to connection: TCPConnection) throws {
        let bytes = packet.bytes
        for index in 0..<20 { header[index] = bytes[index] }
        let id = UInt32(truncatingIfNeeded: packet.trackID + 1).bigEndian
        withUnsafeBytes(of: id) { for index in 0..<4 { header[8 + index] = $0[index] } }
        try connection.send(header)
        try connection.send(UnsafeRawBufferPointer(rebasing: bytes[20...]))
    }
}
