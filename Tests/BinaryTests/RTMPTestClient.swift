import MistMedia
import MistRTMP

/// An RTMP client that speaks just enough for tests: the handshake, then AMF0 commands or any
/// bytes on `connection`.
struct RTMPTestClient {
    enum Failure: Error { case handshake(Int) }

    let connection: TCPTestClient
    let encoder = RTMPChunkEncoder()

    init(port: Int) throws {
        connection = try TCPTestClient(port: UInt16(port))
        try connection.write([3] + [UInt8](repeating: 1, count: 1536))
        var received: [UInt8] = []
        while received.count < 3073 {
            let chunk = try connection.read(timeoutSeconds: 5)
            if chunk.isEmpty { break }
            received += chunk
        }
        guard received.count >= 3073 else { throw Failure.handshake(received.count) }
        try connection.write(Array(received[1..<1537]))
    }

    func command(_ values: [AMFValue], streamID: UInt32 = 0, chunkStream: UInt32 = 3) throws {
        var out: [UInt8] = []
        encoder.encode(
            RTMPMessage(
                type: RTMPMessage.Kind.commandAMF0, streamID: streamID, timestamp: 0, payload: AMF0.encode(values)),
            chunkStream: chunkStream, into: &out)
        try connection.write(out)
    }
}
