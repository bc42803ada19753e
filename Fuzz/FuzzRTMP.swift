// libFuzzer target: a publisher's chunk stream (after the handshake) goes through the chunk
// decoder and RTMP ingest, and every message payload through the AMF, FLV and codec parsers,
// without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTMP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = RTMPChunkDecoder()
    var ingest = RTMPIngest()
    // Feed in two pieces so partial chunks are exercised too.
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    for piece in [bytes[0..<split], bytes[split...]] {
        decoder.append(piece)
        while let message = try? decoder.nextMessage() {
            _ = try? AMF0.decodeAll(message.payload)
            _ = try? FLVMedia.parseVideo(message.payload)
            _ = try? FLVMedia.parseAudio(message.payload)
            _ = try? AVCDecoderConfiguration(bytes: message.payload).sps()
            _ = try? HEVCDecoderConfiguration(bytes: message.payload).pictureSize()
            _ = try? AACConfiguration(bytes: message.payload)
            _ = try? AACConfiguration.parseADTS(message.payload[...])
            _ = try? ingest.handle(message)
        }
    }
    return 0
}
