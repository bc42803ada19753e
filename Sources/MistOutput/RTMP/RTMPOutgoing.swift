import MistRTMP
import NIOCore

/// What an RTMP connection writes: a message the chunk encoder splits on a chunk stream, or
/// bytes already chunked (a fan-out group's media, shared by all its players).
enum RTMPOutgoing: Sendable {
    case message(RTMPMessage, chunkStream: UInt32)
    case chunked(ByteBuffer)
}
