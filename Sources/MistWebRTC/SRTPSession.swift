import CSRTP

/// One direction of SRTP and SRTCP for a WebRTC session (RFC 3711, profile
/// SRTP_AES128_CM_HMAC_SHA1_80 of RFC 5764) on Debian's libsrtp2: the sender's side protects what
/// goes out, the receiver's side checks and decrypts what comes in. Not thread-safe: a session is
/// used on its channel's event loop only.
public final class SRTPSession: @unchecked Sendable {
    /// Bytes of master key and of master salt for this profile.
    public static let keyLength = 16
    public static let saltLength = 14
    /// The most bytes protecting adds (the authentication tag, and SRTCP's index).
    public static let maximumTrailer = Int(SRTP_MAX_TRAILER_LEN) + 4
    /// The largest packet taken, before protection.
    public static let maximumPacket = 1500

    private var session: srtp_t?

    private static let initialized: Bool = { srtp_init() == srtp_err_status_ok }()

    /// A session for one direction: `key` is the master key then the master salt (30 bytes).
    public init(keyAndSalt: [UInt8], inbound: Bool) throws(SRTPError) {
        guard keyAndSalt.count == Self.keyLength + Self.saltLength else {
            throw .badKeyingMaterial(keyAndSalt.count)
        }
        guard Self.initialized else { throw .setup(-1) }
        var made: srtp_t?
        let status = keyAndSalt.withUnsafeBufferPointer {
            mist_srtp_create_aes128_sha1_80(&made, $0.baseAddress, inbound ? 1 : 0)
        }
        guard status == srtp_err_status_ok, let made else { throw .setup(Int32(status.rawValue)) }
        session = made
    }

    deinit { if let session { srtp_dealloc(session) } }

    /// The two sessions of the DTLS-SRTP keying material (RFC 5764 4.2: client key, server key,
    /// client salt, server salt): what this side sends with and what it receives with.
    public static func pair(keyingMaterial: [UInt8], isServer: Bool) throws(SRTPError) -> (
        outbound: SRTPSession, inbound: SRTPSession
    ) {
        guard keyingMaterial.count == 2 * (keyLength + saltLength) else {
            throw .badKeyingMaterial(keyingMaterial.count)
        }
        let clientKey = keyingMaterial[0..<keyLength]
        let serverKey = keyingMaterial[keyLength..<(2 * keyLength)]
        let clientSalt = keyingMaterial[(2 * keyLength)..<(2 * keyLength + saltLength)]
        let serverSalt = keyingMaterial[(2 * keyLength + saltLength)...]
        let client = Array(clientKey + clientSalt)
        let server = Array(serverKey + serverSalt)
        return (
            try SRTPSession(keyAndSalt: isServer ? server : client, inbound: false),
            try SRTPSession(keyAndSalt: isServer ? client : server, inbound: true)
        )
    }

    /// Protects an RTP packet (`rtcp`: an RTCP compound) in place; `buffer` must have room for
    /// `maximumTrailer` bytes after `length`. Returns the protected length.
    public func protect(_ buffer: UnsafeMutableRawBufferPointer, length: Int, rtcp: Bool = false) throws(SRTPError)
        -> Int
    {
        guard let session, let base = buffer.baseAddress, length >= (rtcp ? 8 : 12), length <= Self.maximumPacket,
            buffer.count >= length + Self.maximumTrailer
        else { throw .badLength(length) }
        var size = Int32(length)
        let status = rtcp ? srtp_protect_rtcp(session, base, &size) : srtp_protect(session, base, &size)
        guard status == srtp_err_status_ok else { throw .refused(Int32(status.rawValue)) }
        return Int(size)
    }

    /// Checks and decrypts an SRTP (`rtcp`: SRTCP) packet in place; returns the plain length.
    public func unprotect(_ buffer: UnsafeMutableRawBufferPointer, length: Int, rtcp: Bool = false)
        throws(SRTPError) -> Int
    {
        guard let session, let base = buffer.baseAddress, length >= (rtcp ? 8 : 12), length <= buffer.count,
            length <= Self.maximumPacket + Self.maximumTrailer
        else { throw .badLength(length) }
        var size = Int32(length)
        let status = rtcp ? srtp_unprotect_rtcp(session, base, &size) : srtp_unprotect(session, base, &size)
        guard status == srtp_err_status_ok else { throw .refused(Int32(status.rawValue)) }
        return Int(size)
    }

    /// Array conveniences for tests and the slow paths.
    public func protect(_ packet: [UInt8], rtcp: Bool = false) throws(SRTPError) -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: Self.maximumTrailer)
        var outcome: Result<Int, SRTPError> = .failure(.badLength(packet.count))
        buffer.withUnsafeMutableBytes { raw in
            outcome = Result { () throws(SRTPError) -> Int in try protect(raw, length: packet.count, rtcp: rtcp) }
        }
        return Array(buffer[0..<(try outcome.get())])
    }

    public func unprotect(_ packet: [UInt8], rtcp: Bool = false) throws(SRTPError) -> [UInt8] {
        var buffer = packet
        var outcome: Result<Int, SRTPError> = .failure(.badLength(packet.count))
        buffer.withUnsafeMutableBytes { raw in
            outcome = Result { () throws(SRTPError) -> Int in try unprotect(raw, length: packet.count, rtcp: rtcp) }
        }
        return Array(buffer[0..<(try outcome.get())])
    }
}
