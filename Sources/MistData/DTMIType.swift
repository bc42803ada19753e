/// The type markers of DTMI, the binary JSON encoding inside every DTSC frame.
///
/// Integers and doubles are 8 bytes big-endian after the marker; strings have a 32-bit length;
/// objects list (16-bit name length, name, value) members; objects and arrays end with `00 00 EE`.
public enum DTMIType: UInt8, Sendable {
    case int = 0x01
    case string = 0x02
    case null = 0x03
    case double = 0x04
    case array = 0x0A
    case object = 0xE0
    /// An object variant MistServer reads like `.object` (it never writes it).
    case container = 0xFF

    /// The three bytes that close an object or array.
    public static let endMarker: [UInt8] = [0x00, 0x00, 0xEE]
}
