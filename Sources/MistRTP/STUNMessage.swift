/// A STUN message (RFC 5389) as ICE uses it (RFC 8445): binding requests, responses and
/// indications, their attributes as slices of the datagram, and the two checks a peer's
/// request must pass: MESSAGE-INTEGRITY (HMAC-SHA1 under the short-term password, computed by
/// the caller's `hmac`, so this stays free of a crypto library) and FINGERPRINT (CRC-32).
public struct STUNMessage: Sendable {
    public static let magicCookie: UInt32 = 0x2112_A442
    public static let maximumAttributes = 64

    /// Message types ICE uses.
    public static let bindingRequest: UInt16 = 0x0001
    public static let bindingSuccess: UInt16 = 0x0101
    public static let bindingError: UInt16 = 0x0111
    public static let bindingIndication: UInt16 = 0x0011

    /// Attribute types ICE uses.
    public enum Attribute {
        public static let mappedAddress: UInt16 = 0x0001
        public static let username: UInt16 = 0x0006
        public static let messageIntegrity: UInt16 = 0x0008
        public static let errorCode: UInt16 = 0x0009
        public static let xorMappedAddress: UInt16 = 0x0020
        public static let priority: UInt16 = 0x0024
        public static let useCandidate: UInt16 = 0x0025
        public static let software: UInt16 = 0x8022
        public static let fingerprint: UInt16 = 0x8028
        public static let iceControlled: UInt16 = 0x8029
        public static let iceControlling: UInt16 = 0x802A
    }

    /// The whole datagram.
    public let bytes: [UInt8]
    public let type: UInt16
    public let transactionID: ArraySlice<UInt8>
    /// Each attribute in order: its type, its value, and where its header starts in `bytes`.
    public let attributes: [(type: UInt16, value: ArraySlice<UInt8>, offset: Int)]

    /// Whether a datagram on a port shared with DTLS and RTP is STUN (RFC 7983: first byte 0-3)
    /// and carries the magic cookie.
    public static func looksLikeSTUN(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count >= 20 && bytes[bytes.startIndex] < 4 && uint32(bytes, bytes.startIndex + 4) == magicCookie
    }

    public init(parsing datagram: [UInt8]) throws(STUNError) {
        guard datagram.count >= 20 else { throw .truncated(needed: 20, have: datagram.count) }
        guard datagram[0] & 0xC0 == 0, Self.uint32(datagram[...], 4) == Self.magicCookie else { throw .notSTUN }
        let length = Int(Self.uint16(datagram[...], 2))
        guard length % 4 == 0, length == datagram.count - 20 else { throw .badLength(length) }
        var attributes: [(type: UInt16, value: ArraySlice<UInt8>, offset: Int)] = []
        var offset = 20
        while offset < datagram.count {
            guard datagram.count - offset >= 4 else { throw .truncated(needed: offset + 4, have: datagram.count) }
            guard attributes.count < Self.maximumAttributes else { throw .tooManyAttributes(Self.maximumAttributes) }
            let type = Self.uint16(datagram[...], offset)
            let size = Int(Self.uint16(datagram[...], offset + 2))
            let padded = (size + 3) / 4 * 4
            guard datagram.count - offset - 4 >= padded else { throw .badLength(size) }
            attributes.append((type, datagram[(offset + 4)..<(offset + 4 + size)], offset))
            offset += 4 + padded
        }
        bytes = datagram
        type = Self.uint16(datagram[...], 0)
        transactionID = datagram[8..<20]
        self.attributes = attributes
    }

    /// The first attribute of `type`.
    public func attribute(_ type: UInt16) -> ArraySlice<UInt8>? {
        attributes.first { $0.type == type }?.value
    }

    public var username: String? { attribute(Attribute.username).map { String(decoding: $0, as: UTF8.self) } }

    public var priority: UInt32? {
        attribute(Attribute.priority).flatMap { $0.count == 4 ? Self.uint32($0, $0.startIndex) : nil }
    }

    public var useCandidate: Bool { attribute(Attribute.useCandidate) != nil }

    /// The ICE-CONTROLLING or ICE-CONTROLLED tie breaker, and which of the two it came in.
    public var iceRole: (controlling: Bool, tieBreaker: UInt64)? {
        for (type, controlling) in [(Attribute.iceControlling, true), (Attribute.iceControlled, false)] {
            if let value = attribute(type), value.count == 8 {
                return (
                    controlling,
                    UInt64(Self.uint32(value, value.startIndex)) << 32
                        | UInt64(Self.uint32(value, value.startIndex + 4))
                )
            }
        }
        return nil
    }

    /// XOR-MAPPED-ADDRESS: the address bytes (4 or 16) and port.
    public var xorMappedAddress: (address: [UInt8], port: UInt16)? {
        guard let value = attribute(Attribute.xorMappedAddress), value.count >= 8 else { return nil }
        let base = value.startIndex
        let family = value[base + 1]
        let port = Self.uint16(value, base + 2) ^ UInt16(Self.magicCookie >> 16)
        let mask = Self.cookieBytes + Array(transactionID)
        let size = family == 1 ? 4 : family == 2 ? 16 : 0
        guard size > 0, value.count == 4 + size else { return nil }
        return ((0..<size).map { value[base + 4 + $0] ^ mask[$0] }, port)
    }

    /// Whether MESSAGE-INTEGRITY matches `key` (the short-term password's bytes): `hmac(key,
    /// data)` is HMAC-SHA1. False when there is none, or when it is not 20 bytes.
    public func integrityIsValid(key: [UInt8], hmac: ([UInt8], [UInt8]) -> [UInt8]) -> Bool {
        guard let index = attributes.firstIndex(where: { $0.type == Attribute.messageIntegrity }),
            attributes[index].value.count == 20
        else { return false }
        let offset = attributes[index].offset
        var covered = Array(bytes[0..<offset])
        Self.setLength(&covered, offset + 24 - 20)
        return hmac(key, covered) == Array(attributes[index].value)
    }

    /// Whether FINGERPRINT is there, last, and matches.
    public var fingerprintIsValid: Bool {
        guard let last = attributes.last, last.type == Attribute.fingerprint, last.value.count == 4 else {
            return false
        }
        let expected = CRC32.checksum(bytes[0..<last.offset]) ^ 0x5354_554E
        return Self.uint32(last.value, last.value.startIndex) == expected
    }

    // MARK: writing

    /// A message of `type` with `attributes` (padded with `padding` bytes), then, given a key,
    /// MESSAGE-INTEGRITY, then FINGERPRINT when asked.
    public static func encode(
        type: UInt16, transactionID: [UInt8], attributes: [(UInt16, [UInt8])], integrityKey: [UInt8]? = nil,
        hmac: (([UInt8], [UInt8]) -> [UInt8])? = nil, fingerprint: Bool = true, padding: UInt8 = 0
    ) -> [UInt8] {
        var out: [UInt8] = []
        out += be16(type) + [0, 0] + cookieBytes + transactionID.prefix(12)
        out += [UInt8](repeating: 0, count: 12 - min(12, transactionID.count))
        for (attribute, value) in attributes {
            out += be16(attribute) + be16(UInt16(truncatingIfNeeded: value.count)) + value
            out += [UInt8](repeating: padding, count: (4 - value.count % 4) % 4)
        }
        if let integrityKey, let hmac {
            setLength(&out, out.count + 24 - 20)
            out += be16(Attribute.messageIntegrity) + be16(20) + hmac(integrityKey, out).prefix(20)
        }
        if fingerprint {
            setLength(&out, out.count + 8 - 20)
            out += be16(Attribute.fingerprint) + be16(4) + be32(CRC32.checksum(out[...]) ^ 0x5354_554E)
        }
        setLength(&out, out.count - 20)
        return out
    }

    /// The value of an XOR-MAPPED-ADDRESS for `address` (4 or 16 bytes) and `port`.
    public static func xorMappedAddress(address: [UInt8], port: UInt16, transactionID: [UInt8]) -> [UInt8] {
        let mask = cookieBytes + transactionID
        let masked = address.enumerated().map { $0.element ^ mask[$0.offset % mask.count] }
        return [0, address.count == 16 ? 2 : 1] + be16(port ^ UInt16(magicCookie >> 16)) + masked
    }

    // MARK: bytes

    static let cookieBytes: [UInt8] = be32(magicCookie)

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    static func setLength(_ bytes: inout [UInt8], _ length: Int) {
        bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
    }
    static func uint16(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt16 {
        UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }
    static func uint32(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        UInt32(uint16(bytes, at)) << 16 | UInt32(uint16(bytes, at + 2))
    }
}
