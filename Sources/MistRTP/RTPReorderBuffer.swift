/// Puts one RTP source's packets back in sequence order after a lossy, reordering path (UDP),
/// says which to NACK, and gives up on a gap when waiting longer would stall the stream: a
/// missing packet is NACKed once `nackAfter` newer ones have arrived (and again every
/// `nackAfter` more), and skipped once `dropAfter` newer ones have (MistServer's defaults: 5 and
/// 30). Sequence numbers wrap; at most `capacity` packets are held.
public struct RTPReorderBuffer<Packet> {
    public let nackAfter: Int
    public let dropAfter: Int
    public let capacity: Int
    /// The sequence number released next; nil before the first packet.
    public private(set) var next: UInt16?
    private var held: [UInt16: Packet] = [:]
    /// The newest sequence number seen, as a distance ahead of `next`.
    private var ahead = 0
    /// When each missing packet was last NACKed (as `ahead` then).
    private var nacked: [UInt16: Int] = [:]
    /// Packets given up on since the start.
    public private(set) var lost = 0

    public init(nackAfter: Int = 5, dropAfter: Int = 30, capacity: Int = 1024) {
        self.nackAfter = max(1, nackAfter)
        self.dropAfter = max(self.nackAfter + 1, dropAfter)
        self.capacity = max(self.dropAfter + 1, capacity)
    }

    /// Takes packet `sequence`: what can be released in order now, the sequence numbers to NACK
    /// now, and whether a gap was given up on (a video decoder then needs a keyframe).
    public mutating func push(sequence: UInt16, _ packet: Packet) -> (
        ready: [Packet], missing: [UInt16], skipped: Bool
    ) {
        guard let expected = next else {
            next = sequence &+ 1
            return ([packet], [], false)
        }
        let distance = Int(Int16(bitPattern: sequence &- expected))
        // Behind what was released: a duplicate or a packet given up on already.
        guard distance >= 0 else { return ([], [], false) }
        // Further ahead than could ever be held: the sender jumped (or lies). Start over there,
        // so no packet costs more than `capacity` steps.
        if distance >= capacity {
            var ready = release()
            let order = held.keys.sorted { Int16(bitPattern: $0 &- expected) < Int16(bitPattern: $1 &- expected) }
            ready += order.compactMap { held[$0] }
            held.removeAll()
            nacked.removeAll()
            ahead = 0
            lost += distance
            next = sequence &+ 1
            return (ready + [packet], [], true)
        }
        held[sequence] = packet
        ahead = max(ahead, distance)
        var ready = release()
        var skipped = false
        // Too long a wait, or too much held: skip to the oldest packet held.
        while !held.isEmpty && (ahead >= dropAfter || held.count >= capacity), let from = next {
            var step: UInt16 = 0
            while held[from &+ step] == nil { step &+= 1 }
            lost += Int(step)
            for gap in 0..<step { nacked[from &+ gap] = nil }
            next = from &+ step
            ahead -= Int(step)
            skipped = true
            ready += release()
        }
        var missing: [UInt16] = []
        if let from = next, ahead > 0 {
            for offset in 0..<ahead where held[from &+ UInt16(offset)] == nil {
                let sequence = from &+ UInt16(offset)
                let age = ahead - offset
                if age >= nackAfter && (nacked[sequence].map { ahead - $0 >= nackAfter } ?? true) {
                    missing.append(sequence)
                    nacked[sequence] = ahead
                }
            }
        }
        return (ready, missing, skipped)
    }

    /// Releases the packets from `next` on that are all there.
    private mutating func release() -> [Packet] {
        var out: [Packet] = []
        while let from = next, let packet = held.removeValue(forKey: from) {
            out.append(packet)
            nacked[from] = nil
            next = from &+ 1
            ahead = max(0, ahead - 1)
        }
        return out
    }
}
