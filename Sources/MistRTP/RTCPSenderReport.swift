/// An RTCP sender report (RFC 3550 §6.4.1) without report blocks: it ties a track's RTP clock to
/// the wall clock, so a player lines up audio and video, and says how much was sent.
public struct RTCPSenderReport: Sendable, Equatable {
    public var ssrc: UInt32
    /// NTP time: seconds since 1900 and the fraction of a second, in 1/2^32.
    public var ntpSeconds: UInt32
    public var ntpFraction: UInt32
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32

    public init(
        ssrc: UInt32, ntpSeconds: UInt32, ntpFraction: UInt32, rtpTimestamp: UInt32, packetCount: UInt32,
        octetCount: UInt32
    ) {
        self.ssrc = ssrc
        self.ntpSeconds = ntpSeconds
        self.ntpFraction = ntpFraction
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
    }

    /// Seconds from the NTP era (1900) to the Unix epoch.
    public static let unixToNTP: UInt64 = 2_208_988_800

    /// The NTP time of `milliseconds` since the Unix epoch.
    public static func ntp(unixMilliseconds: UInt64) -> (seconds: UInt32, fraction: UInt32) {
        let seconds = unixMilliseconds / 1000 &+ unixToNTP
        let fraction = (unixMilliseconds % 1000) << 32 / 1000
        return (UInt32(truncatingIfNeeded: seconds), UInt32(truncatingIfNeeded: fraction))
    }

    /// The 28 bytes of the report.
    public var bytes: [UInt8] {
        var out: [UInt8] = [0x80, 200, 0, 6]
        for word in [ssrc, ntpSeconds, ntpFraction, rtpTimestamp, packetCount, octetCount] {
            out += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> $0) }
        }
        return out
    }
}
