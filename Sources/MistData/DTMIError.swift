/// Why DTMI (DTSC's binary JSON) or DTSC framing could not be read, with the byte offset.
public struct DTMIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The data ends before the value does.
        case truncated
        /// A type marker that DTMI does not define.
        case unknownType(UInt8)
        /// A container's end marker is not `00 00 EE`.
        case badEndMarker
        /// Containers nested deeper than the decoder allows.
        case nestingTooDeep
        /// A member name longer than 65535 bytes or a string longer than 4 GiB cannot be encoded.
        case tooLarge
        /// Bytes remain after the value where none may.
        case trailingData
        /// A frame does not start with `DTSC`, `DTPD`, `DTP2` or `DTCM`.
        case badMagic
        /// A frame's length field disagrees with its contents or with the caller's limit.
        case badLength
        /// The value has another type than the one asked for.
        case typeMismatch
    }

    public let reason: Reason
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        "DTSC/DTMI error: \(reason) at byte \(offset)"
    }
}
