import MistNet

#if canImport(Glibc)
    import Glibc
#endif

/// The UDP ports an RTSP pull receives on when the source will not interleave RTP in its TCP
/// connection: for each track an even RTP port and the RTCP port after it (RFC 2326's
/// `client_port=a-b`), bound to the address the RTSP connection uses, so nothing listens wider.
final class RTSPUDPPorts {
    let pairs: [(rtp: UDPReceiver, rtcp: UDPReceiver)]
    /// Tries per pair before giving up (another program may take the odd port in between).
    static let attempts = 64

    init(tracks: Int, host: String) throws {
        var made: [(rtp: UDPReceiver, rtcp: UDPReceiver)] = []
        for _ in 0..<tracks {
            var pair: (rtp: UDPReceiver, rtcp: UDPReceiver)?
            for _ in 0..<Self.attempts where pair == nil {
                let rtp = try UDPReceiver(host: host, port: 0, shared: false)
                guard rtp.port % 2 == 0, rtp.port < UInt16.max,
                    let rtcp = try? UDPReceiver(host: host, port: rtp.port + 1, shared: false)
                else { continue }
                pair = (rtp, rtcp)
            }
            guard let pair else { throw RTSPPullError.noPorts }
            made.append(pair)
        }
        pairs = made
    }

    /// `client_port=` for track `index`.
    func transport(_ index: Int) -> String {
        "RTP/AVP;unicast;client_port=\(pairs[index].rtp.port)-\(pairs[index].rtcp.port)"
    }

    /// Waits up to `milliseconds` for a datagram on any port or bytes on `descriptor` (the RTSP
    /// connection, whose answers and keep-alive replies still come that way).
    func wait(milliseconds: Int, alongside descriptor: Int32) {
        var entries = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        for pair in pairs {
            entries.append(pollfd(fd: pair.rtp.descriptor, events: Int16(POLLIN), revents: 0))
            entries.append(pollfd(fd: pair.rtcp.descriptor, events: Int16(POLLIN), revents: 0))
        }
        _ = poll(&entries, nfds_t(entries.count), Int32(clamping: milliseconds))
    }

    /// The RTP datagrams waiting, with the track each came for. RTCP is read and let go: the
    /// source's reports are not needed to play.
    func receive() -> [(track: Int, payload: [UInt8])] {
        var out: [(track: Int, payload: [UInt8])] = []
        for (index, pair) in pairs.enumerated() {
            out += pair.rtp.datagrams().map { (index, $0) }
            _ = pair.rtcp.datagrams()
        }
        return out
    }
}
