import COpenSSL

/// The server side of the RTMP handshake. A client whose C1 carries a Flash Player digest gets
/// the digest form (S1 signed with the Flash Media Server key, S2 signed for its digest), which
/// Flash-era clients and ffmpeg's player verify; others get the plain echo.
public enum RTMPHandshake {
    public static let size = 1536

    /// "Genuine Adobe Flash Player 001" and "Genuine Adobe Flash Media Server 001", each followed
    /// by the same 32 bytes in their long forms.
    static let playerKey = Array("Genuine Adobe Flash Player 001".utf8)
    static let serverKey = Array("Genuine Adobe Flash Media Server 001".utf8)
    static let keySuffix: [UInt8] = [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ]

    /// S0, S1 and S2 for a client's C0 and C1 (1 + 1536 bytes). `random` fills S1 and S2 (tests
    /// pass fixed bytes).
    public static func respond(to c0c1: [UInt8], random: [UInt8]? = nil) throws(RTMPError) -> [UInt8] {
        guard c0c1.count == 1 + size else { throw .malformed("handshake") }
        guard c0c1[0] == 3 || c0c1[0] == 6 else { throw .badVersion(c0c1[0]) }
        let c1 = Array(c0c1[1...])
        var s1 = random ?? randomBytes(size)
        if s1.count != size { s1 = [UInt8](repeating: 0, count: size) }
        // Time, then version 3.5.1.1 (a digest server) or zeros (plain).
        s1.replaceSubrange(0..<4, with: [0, 0, 0, 0])
        guard let (scheme, clientDigest) = clientDigest(c1) else {
            s1.replaceSubrange(4..<8, with: [0, 0, 0, 0])
            return [3] + s1 + c1
        }
        s1.replaceSubrange(4..<8, with: [3, 5, 1, 1])
        let position = digestPosition(s1, scheme: scheme)
        s1.replaceSubrange(position..<(position + 32), with: digest(s1, skipping: position, key: serverKey))
        var s2 = (random.map { Array($0.reversed()) } ?? randomBytes(size))
        if s2.count != size { s2 = [UInt8](repeating: 0, count: size) }
        let key = hmac(key: serverKey + keySuffix, data: clientDigest)
        s2.replaceSubrange((size - 32)..<size, with: hmac(key: key, data: Array(s2[0..<(size - 32)])))
        return [3] + s1 + s2
    }

    /// The scheme (0: digest after byte 8, 1: after byte 772) and digest of a Flash-style C1.
    static func clientDigest(_ c1: [UInt8]) -> (Int, [UInt8])? {
        guard c1[4] != 0 || c1[5] != 0 || c1[6] != 0 || c1[7] != 0 else { return nil }
        for scheme in [0, 1] {
            let position = digestPosition(c1, scheme: scheme)
            let expected = digest(c1, skipping: position, key: playerKey)
            if Array(c1[position..<(position + 32)]) == expected { return (scheme, expected) }
        }
        return nil
    }

    /// Where the 32-byte digest sits: the sum of four bytes picks one of 728 places.
    static func digestPosition(_ block: [UInt8], scheme: Int) -> Int {
        let base = scheme == 0 ? 8 : 772
        let sum = block[base..<(base + 4)].reduce(0) { $0 + Int($1) }
        return sum % 728 + base + 4
    }

    static func digest(_ block: [UInt8], skipping position: Int, key: [UInt8]) -> [UInt8] {
        hmac(key: key, data: Array(block[0..<position]) + Array(block[(position + 32)...]))
    }

    static func hmac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        _ = HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &out, &length)
        return out
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if RAND_bytes(&bytes, Int32(count)) != 1 {
            for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        }
        return bytes
    }
}
