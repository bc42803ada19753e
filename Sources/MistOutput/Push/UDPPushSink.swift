import MistCore

#if canImport(Glibc)
    import Glibc
#endif

/// A TS push over UDP (`tsudp://`): 7 TS packets per datagram to a unicast address or a
/// multicast group; with `rtp`, each datagram is an RTP packet of payload type 33 (RFC 2250)
/// stamped with the frame's 90 kHz time (`tsrtp://`). UDP has no flow control: the backlog a
/// push starts with (from the last keyframe to the live edge) goes out at twice real time, not
/// in one burst that overflows the receiver's socket buffer; live data after it is not held.
final class UDPPushSink: TSPushSink {
    private let descriptor: Int32
    private let rtp: Bool
    private var sequence = UInt16.random(in: 0...UInt16.max)
    private let ssrc = UInt32.random(in: 1...UInt32.max)
    private var datagram: [UInt8] = []
    /// The first piece's media time and when it went out, the origin of the pacing.
    private var origin: (media: UInt64, wall: Double)?
    static let catchUpSpeed = 2.0

    init(host: String, port: UInt16, rtp: Bool) throws {
        self.rtp = rtp
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host.isEmpty ? "127.0.0.1" : host, String(port), &hints, &list) == 0, let first = list else {
            throw PushOutput.Ending(code: "FORMAT_SPECIFIC", text: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        descriptor = socket(first.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw PushOutput.Ending(code: "WRITE_FAILURE", text: "no UDP socket: \(String(cString: strerror(errno)))")
        }
        // Multicast leaves the host (one hop by default would stop at the first router).
        var ttl: Int32 = 16
        setsockopt(descriptor, Int32(IPPROTO_IP), IP_MULTICAST_TTL, &ttl, 4)
        guard connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw PushOutput.Ending(code: "WRITE_FAILURE", text: "cannot send to \(host):\(port): \(reason)")
        }
    }

    func send(_ bytes: [UInt8], time: UInt64) throws {
        let now = monotonicSeconds()
        if let origin, time > origin.media {
            let due = origin.wall + Double(time - origin.media) / 1000 / Self.catchUpSpeed
            // At most a second's wait, whatever the timestamps say.
            if due > now { usleepMilliseconds(Int(min(1, due - now) * 1000)) }
        } else if origin == nil {
            origin = (time, now)
        }
        var offset = 0
        let stamp = UInt32(truncatingIfNeeded: time &* 90)
        while offset < bytes.count {
            let size = min(1316, bytes.count - offset)
            datagram.removeAll(keepingCapacity: true)
            if rtp {
                datagram += [0x80, 33, UInt8(sequence >> 8), UInt8(truncatingIfNeeded: sequence)]
                datagram += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: stamp >> $0) }
                datagram += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: ssrc >> $0) }
                sequence &+= 1
            }
            datagram += bytes[offset..<(offset + size)]
            // A datagram the network cannot take now is lost, as UDP's are; only a dead socket ends the push.
            if Glibc.send(descriptor, datagram, datagram.count, 0) < 0 && errno != EAGAIN && errno != ENOBUFS
                && errno != ECONNREFUSED
            {
                throw PushOutput.Ending(code: "WRITE_FAILURE", text: String(cString: strerror(errno)))
            }
            offset += size
        }
    }

    func close() { Glibc.close(descriptor) }
}
