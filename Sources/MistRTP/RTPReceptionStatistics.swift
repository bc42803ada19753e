/// What a receiver counts of one sender's RTP stream for its receiver reports (RFC 3550 A.1, A.3,
/// A.8): the extended highest sequence number, packets expected and received, the fraction lost
/// since the last report, and interarrival jitter.
public struct RTPReceptionStatistics: Sendable {
    public let ssrc: UInt32
    private let clockRate: Double
    private var base: UInt32?
    private var cycles: UInt32 = 0
    private var highest: UInt16 = 0
    private var received: Int64 = 0
    private var expectedAtReport: Int64 = 0
    private var receivedAtReport: Int64 = 0
    private var transit: Double?
    private var jitter: Double = 0

    public init(ssrc: UInt32, clockRate: Int) {
        self.ssrc = ssrc
        self.clockRate = Double(max(1, clockRate))
    }

    /// One packet arrived at `arrival` seconds (any steady clock) with `sequence` and `timestamp`.
    public mutating func receive(sequence: UInt16, timestamp: UInt32, arrival: Double) {
        received += 1
        if base == nil {
            base = UInt32(sequence)
            highest = sequence
        } else if sequence &- highest < 0x8000, sequence != highest {
            if sequence < highest { cycles &+= 0x1_0000 }
            highest = sequence
        }
        // Jitter in RTP units, smoothed by 1/16; the transit's wrap makes no sense of the
        // difference, which is kept within a second.
        let now = arrival * clockRate
        let delta = now - Double(timestamp)
        if let transit {
            let difference = abs(delta - transit)
            if difference < clockRate { jitter += (difference - jitter) / 16 }
        }
        transit = delta
    }

    /// The report block for now, and the counts start again for the next fraction.
    public mutating func report() -> RTCPReportBlock? {
        guard let base else { return nil }
        let extended = cycles | UInt32(highest)
        let expected = Int64(extended) - Int64(base) + 1
        let lost = expected - received
        let expectedInterval = expected - expectedAtReport
        let lostInterval = expectedInterval - (received - receivedAtReport)
        expectedAtReport = expected
        receivedAtReport = received
        let fraction =
            expectedInterval > 0 && lostInterval > 0 ? UInt8(min(255, lostInterval * 256 / expectedInterval)) : 0
        return RTCPReportBlock(
            ssrc: ssrc, fractionLost: fraction, cumulativeLost: Int32(clamping: max(-0x80_0000, min(0x7F_FFFF, lost))),
            highestSequence: extended, jitter: UInt32(min(Double(UInt32.max), jitter)))
    }
}
