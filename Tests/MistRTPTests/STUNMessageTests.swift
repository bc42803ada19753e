import COpenSSL
import Testing

@testable import MistRTP

/// STUN as ICE uses it, against the test vectors of RFC 5769 (byte for byte), and datagrams
/// that are not STUN.
@Suite struct STUNMessageTests {
    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter(\.isHexDigit))
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
            UInt8(String(digits[$0...($0 + 1)]), radix: 16)
        }
    }

    static func hmacSHA1(_ key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha1(), key, Int32(key.count), data, data.count, &mac, &length)
        return mac
    }

    static let password = Array("VOkJxbRl1RmTxUk/WvJxBt".utf8)
    static let transaction = hex("b7e7a701 bc34d686 fa87dfae")

    /// RFC 5769 2.1: a binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
    /// MESSAGE-INTEGRITY and FINGERPRINT (padding bytes are spaces).
    static let request = hex(
        """
        00010058 2112a442 b7e7a701 bc34d686 fa87dfae 80220010 5354554e 20746573 7420636c 69656e74
        00240004 6e0001ff 80290008 932ff9b1 51263b36 00060009 6576746a 3a683676 59202020
        00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2 80280004 e57a3bcf
        """)

    /// RFC 5769 2.2: the IPv4 response, 192.0.2.1 port 32853.
    static let response4 = hex(
        """
        0101003c 2112a442 b7e7a701 bc34d686 fa87dfae 8022000b 74657374 20766563 746f7220
        00200008 0001a147 e112a643 00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
        80280004 c07d4c96
        """)

    /// RFC 5769 2.3: the IPv6 response, 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
    static let response6 = hex(
        """
        01010048 2112a442 b7e7a701 bc34d686 fa87dfae 8022000b 74657374 20766563 746f7220
        00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9 00080014 a382954e 4be67bf1
        1784c97c 8292c275 bfe3ed41 80280004 c8fb0b4c
        """)

    @Test func theSampleRequestReadsAndPassesBothChecks() throws {
        let message = try STUNMessage(parsing: Self.request)
        #expect(message.type == STUNMessage.bindingRequest && Array(message.transactionID) == Self.transaction)
        #expect(message.username == "evtj:h6vY" && message.priority == 0x6e00_01ff)
        #expect(message.iceRole?.controlling == false && message.iceRole?.tieBreaker == 0x932f_f9b1_5126_3b36)
        #expect(!message.useCandidate)
        #expect(message.integrityIsValid(key: Self.password, hmac: Self.hmacSHA1))
        #expect(!message.integrityIsValid(key: Array("wrong".utf8), hmac: Self.hmacSHA1))
        #expect(message.fingerprintIsValid)
        #expect(STUNMessage.looksLikeSTUN(Self.request[...]))
        // One bit changed anywhere before them breaks both.
        var flipped = Self.request
        flipped[30] ^= 1
        let broken = try STUNMessage(parsing: flipped)
        #expect(!broken.integrityIsValid(key: Self.password, hmac: Self.hmacSHA1) && !broken.fingerprintIsValid)
    }

    @Test func theSampleResponsesGiveTheirMappedAddresses() throws {
        let four = try STUNMessage(parsing: Self.response4)
        #expect(four.xorMappedAddress?.address == [192, 0, 2, 1] && four.xorMappedAddress?.port == 32853)
        #expect(four.integrityIsValid(key: Self.password, hmac: Self.hmacSHA1) && four.fingerprintIsValid)
        let six = try STUNMessage(parsing: Self.response6)
        #expect(six.xorMappedAddress?.address == Self.hex("20010db8 12345678 00112233 44556677"))
        #expect(six.xorMappedAddress?.port == 32853)
        #expect(six.integrityIsValid(key: Self.password, hmac: Self.hmacSHA1) && six.fingerprintIsValid)
    }

    @Test func writingTheSamplesGivesTheirExactBytes() {
        let request = STUNMessage.encode(
            type: STUNMessage.bindingRequest, transactionID: Self.transaction,
            attributes: [
                (STUNMessage.Attribute.software, Array("STUN test client".utf8)),
                (STUNMessage.Attribute.priority, [0x6e, 0x00, 0x01, 0xff]),
                (STUNMessage.Attribute.iceControlled, Self.hex("932ff9b1 51263b36")),
                (STUNMessage.Attribute.username, Array("evtj:h6vY".utf8)),
            ], integrityKey: Self.password, hmac: Self.hmacSHA1, padding: 0x20)
        #expect(request == Self.request)
        let response = STUNMessage.encode(
            type: STUNMessage.bindingSuccess, transactionID: Self.transaction,
            attributes: [
                (STUNMessage.Attribute.software, Array("test vector".utf8)),
                (
                    STUNMessage.Attribute.xorMappedAddress,
                    STUNMessage.xorMappedAddress(address: [192, 0, 2, 1], port: 32853, transactionID: Self.transaction)
                ),
            ], integrityKey: Self.password, hmac: Self.hmacSHA1, padding: 0x20)
        #expect(response == Self.response4)
        let six = STUNMessage.xorMappedAddress(
            address: Self.hex("20010db8 12345678 00112233 44556677"), port: 32853, transactionID: Self.transaction)
        #expect(six == Self.hex("0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9"))
    }

    @Test func datagramsThatAreNotSTUNAreRefused() {
        #expect(throws: STUNError.truncated(needed: 20, have: 3)) { try STUNMessage(parsing: [0, 1, 0]) }
        var rtp = Self.request
        rtp[0] = 0x80
        #expect(throws: STUNError.notSTUN) { try STUNMessage(parsing: rtp) }
        #expect(!STUNMessage.looksLikeSTUN(rtp[...]))
        var cookie = Self.request
        cookie[5] = 0
        #expect(throws: STUNError.notSTUN) { try STUNMessage(parsing: cookie) }
        // The header's length must be the rest of the datagram, in whole words.
        #expect(throws: STUNError.badLength(0x58)) { try STUNMessage(parsing: Array(Self.request.dropLast(4))) }
        var odd = Self.request
        odd[3] = 0x57
        #expect(throws: STUNError.badLength(0x57)) { try STUNMessage(parsing: odd) }
        // An attribute claiming more than is left.
        var long = Self.request
        long[22] = 0x01
        #expect(throws: STUNError.badLength(0x0110)) { try STUNMessage(parsing: long) }
        // No integrity or fingerprint to check is a failed check, not a pass.
        let bare = STUNMessage.encode(
            type: STUNMessage.bindingRequest, transactionID: Self.transaction, attributes: [], fingerprint: false)
        let message = try? STUNMessage(parsing: bare)
        #expect(message?.integrityIsValid(key: Self.password, hmac: Self.hmacSHA1) == false)
        #expect(message?.fingerprintIsValid == false && message?.attributes.isEmpty == true)
        // Too many attributes.
        let many = STUNMessage.encode(
            type: STUNMessage.bindingRequest, transactionID: Self.transaction,
            attributes: Array(repeating: (STUNMessage.Attribute.useCandidate, []), count: 65), fingerprint: false)
        #expect(throws: STUNError.tooManyAttributes(64)) { try STUNMessage(parsing: many) }
    }
}
