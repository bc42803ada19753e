import MistSRT

/// A TS push as an SRT caller: 7 TS packets per message, waiting while SRT's buffer is full.
final class SRTPushSink: TSPushSink {
    let socket: SRTSocket

    init(socket: SRTSocket) { self.socket = socket }

    func send(_ bytes: [UInt8], time: UInt64) throws {
        var offset = 0
        while offset < bytes.count {
            let size = min(SRTRelay.messageBytes, bytes.count - offset)
            let result = bytes.withUnsafeBytes {
                socket.send(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + size)]))
            }
            guard result == .sent else { throw SRTError.closed }
            offset += size
        }
    }

    func close() { socket.close() }
}
