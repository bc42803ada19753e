import MistMedia

/// The protocol control, user control and command messages a server sends.
public enum RTMPControl {
    public static func setChunkSize(_ size: UInt32) -> RTMPMessage {
        control(RTMPMessage.Kind.setChunkSize, size)
    }

    public static func windowAcknowledgementSize(_ size: UInt32) -> RTMPMessage {
        control(RTMPMessage.Kind.windowAcknowledgementSize, size)
    }

    public static func acknowledgement(_ received: UInt32) -> RTMPMessage {
        control(RTMPMessage.Kind.acknowledgement, received)
    }

    /// Set Peer Bandwidth with limit type 2 (dynamic).
    public static func setPeerBandwidth(_ size: UInt32) -> RTMPMessage {
        var message = control(RTMPMessage.Kind.setPeerBandwidth, size)
        message.payload.append(2)
        return message
    }

    /// User control events: 0 stream begin, 1 stream EOF, 4 stream is recorded, 6 ping request,
    /// 7 ping response.
    public static func userControl(_ event: UInt16, _ value: UInt32) -> RTMPMessage {
        var payload: [UInt8] = [UInt8(event >> 8), UInt8(truncatingIfNeeded: event)]
        RTMPChunkEncoder.appendUInt32(value, to: &payload)
        return RTMPMessage(type: RTMPMessage.Kind.userControl, streamID: 0, timestamp: 0, payload: payload)
    }

    /// An AMF0 command (`_result`, `onStatus` ...) on `streamID`.
    public static func command(_ values: [AMFValue], streamID: UInt32 = 0) -> RTMPMessage {
        RTMPMessage(type: RTMPMessage.Kind.commandAMF0, streamID: streamID, timestamp: 0, payload: AMF0.encode(values))
    }

    /// An `onStatus` command with MistServer's members.
    public static func status(
        _ code: String, description: String, level: String = "status", transaction: Double = 0, streamID: UInt32 = 1
    ) -> RTMPMessage {
        command(
            [
                .string("onStatus"), .number(transaction), .null,
                .object([
                    ("level", .string(level)), ("code", .string(code)), ("description", .string(description)),
                ]),
            ], streamID: streamID)
    }

    private static func control(_ type: UInt8, _ value: UInt32) -> RTMPMessage {
        var payload: [UInt8] = []
        RTMPChunkEncoder.appendUInt32(value, to: &payload)
        return RTMPMessage(type: type, streamID: 0, timestamp: 0, payload: payload)
    }
}
