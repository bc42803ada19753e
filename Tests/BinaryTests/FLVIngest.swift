import Foundation
import MistMedia
import MistRTMP

@testable import MistOutput

/// An ffmpeg-made FLV file put through RTMP ingest as a push would be: the DTSC frames (header
/// first) and the ingest with the tracks it found.
enum FLVIngest {
    static func run(_ flv: URL) throws -> (frames: [UInt8], ingest: RTMPIngest) {
        var reader = ByteReader(Array(try Data(contentsOf: flv)), position: 13)
        var ingest = RTMPIngest()
        var frames: [UInt8] = []
        while reader.remaining > 15 {
            let tag = try FLVTag.read(&reader)
            frames += try ingest.handle(
                RTMPMessage(type: tag.type, streamID: 1, timestamp: tag.timestamp, payload: tag.data))
        }
        return (frames, ingest)
    }
}
