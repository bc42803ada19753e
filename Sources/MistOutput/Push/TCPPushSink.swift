import MistNet

/// A TS push over a TCP connection (`tstcp://`).
final class TCPPushSink: TSPushSink {
    let connection: TCPConnection

    init(connection: TCPConnection) { self.connection = connection }

    func send(_ bytes: [UInt8], time: UInt64) throws { try connection.send(bytes, timeoutMilliseconds: 30_000) }

    func close() { connection.close() }
}
