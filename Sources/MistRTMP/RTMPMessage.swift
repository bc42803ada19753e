/// One RTMP message, reassembled from its chunks.
public struct RTMPMessage: Sendable, Equatable {
    public enum Kind {
        public static let setChunkSize: UInt8 = 1
        public static let abort: UInt8 = 2
        public static let acknowledgement: UInt8 = 3
        public static let userControl: UInt8 = 4
        public static let windowAcknowledgementSize: UInt8 = 5
        public static let setPeerBandwidth: UInt8 = 6
        public static let audio: UInt8 = 8
        public static let video: UInt8 = 9
        public static let dataAMF3: UInt8 = 15
        public static let sharedObjectAMF3: UInt8 = 16
        public static let commandAMF3: UInt8 = 17
        public static let dataAMF0: UInt8 = 18
        public static let sharedObjectAMF0: UInt8 = 19
        public static let commandAMF0: UInt8 = 20
        public static let aggregate: UInt8 = 22
    }

    public var type: UInt8
    public var streamID: UInt32
    /// Milliseconds, as the sender's clock counts them (wrapping at 2^32).
    public var timestamp: UInt32
    public var payload: [UInt8]

    public init(type: UInt8, streamID: UInt32, timestamp: UInt32, payload: [UInt8]) {
        self.type = type
        self.streamID = streamID
        self.timestamp = timestamp
        self.payload = payload
    }
}
