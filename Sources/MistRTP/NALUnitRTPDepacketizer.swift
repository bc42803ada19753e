/// RTP payloads back into H.264 access units (RFC 6184: single NAL units, STAP-A, FU-A) or HEVC
/// ones (RFC 7798: single NAL units, AP, FU; without DONL, as `sprop-max-don-diff=0` streams
/// send them), in arrival order. An access unit ends at the marker bit or when the timestamp changes; a gap
/// in sequence numbers marks the access unit being built as damaged and drops the fragment in
/// progress, so a lost FU-A piece never yields a spliced NAL unit. Sizes are bounded.
public struct NALUnitRTPDepacketizer: Sendable {
    public let format: NALUnitFormat
    /// One picture's NAL units, without start codes or length prefixes.
    public struct AccessUnit: Sendable, Equatable {
        public var timestamp: UInt32
        public var nals: [[UInt8]]
        /// Packets of it were lost (or it held something unusable).
        public var damaged: Bool
    }

    /// The largest NAL unit taken, and the most NAL units in one access unit.
    public static let maximumNALBytes = 16 << 20
    public static let maximumNALs = 4096

    private var current: AccessUnit?
    private var fragment: [UInt8]?
    private var lastSequence: UInt16?

    public init(format: NALUnitFormat = .h264) { self.format = format }

    /// Takes one packet; returns the access units it completed (usually none or one). Throws
    /// for a payload it cannot use, after marking its access unit damaged.
    public mutating func push(_ packet: RTPPacket) throws(RTPError) -> [AccessUnit] {
        var done: [AccessUnit] = []
        if let lastSequence, packet.sequenceNumber != lastSequence &+ 1 {
            current?.damaged = true
            if fragment != nil {
                fragment = nil
                if current == nil { current = AccessUnit(timestamp: packet.timestamp, nals: [], damaged: true) }
            }
        }
        lastSequence = packet.sequenceNumber
        if let unit = current, unit.timestamp != packet.timestamp {
            done.append(unit)
            current = nil
            fragment = nil
        }
        if current == nil { current = AccessUnit(timestamp: packet.timestamp, nals: [], damaged: false) }
        do {
            try take(packet.payload)
        } catch {
            current?.damaged = true
            fragment = nil
            if packet.marker, let unit = current {
                done.append(unit)
                current = nil
            }
            throw error
        }
        if packet.marker, let unit = current {
            done.append(unit)
            current = nil
            fragment = nil
        }
        return done
    }

    /// The access unit in progress, if any (at the end of a stream).
    public mutating func flush() -> AccessUnit? {
        defer {
            current = nil
            fragment = nil
        }
        return current
    }

    private mutating func append(_ nal: [UInt8]) throws(RTPError) {
        guard nal.count <= Self.maximumNALBytes else { throw .tooLarge(nal.count) }
        guard (current?.nals.count ?? 0) < Self.maximumNALs else { throw .tooLarge(Self.maximumNALs) }
        current?.nals.append(nal)
    }

    private mutating func take(_ payload: ArraySlice<UInt8>) throws(RTPError) {
        if format == .hevc { return try takeHEVC(payload) }
        guard let header = payload.first else { throw .malformed("empty payload") }
        let type = Int(header & 0x1F)
        switch type {
        case 1...23:
            fragment = nil
            try append(Array(payload))
        case 24:
            try aggregate(payload.dropFirst(), name: "STAP-A", shortestUnit: 1)
        case 28:
            guard payload.count >= 2 else { throw .malformed("FU-A without its header") }
            let fuHeader = payload[payload.startIndex + 1]
            let data = payload[(payload.startIndex + 2)...]
            try fragmentPiece(fuHeader, data: data) { [(header & 0xE0) | (fuHeader & 0x1F)] }
        case 25, 26, 27, 29: throw .unsupportedPayload(nalType: type)
        default: throw .malformed("NAL unit type \(type)")
        }
    }

    private mutating func takeHEVC(_ payload: ArraySlice<UInt8>) throws(RTPError) {
        guard payload.count >= 2 else { throw .malformed("HEVC payload of \(payload.count) bytes") }
        let first = payload[payload.startIndex]
        let second = payload[payload.startIndex + 1]
        let type = Int(first >> 1 & 0x3F)
        switch type {
        case 0...47:
            fragment = nil
            try append(Array(payload))
        case 48:
            try aggregate(payload.dropFirst(2), name: "AP", shortestUnit: 2)
        case 49:
            guard payload.count >= 3 else { throw .malformed("FU without its header") }
            let fuHeader = payload[payload.startIndex + 2]
            let data = payload[(payload.startIndex + 3)...]
            try fragmentPiece(fuHeader, data: data) { [(first & 0x81) | (fuHeader & 0x3F) << 1, second] }
        case 50: throw .unsupportedPayload(nalType: type)
        default: throw .malformed("HEVC NAL unit type \(type)")
        }
    }

    /// The units of an aggregation packet (STAP-A, AP) after its header: each after its 16-bit size.
    private mutating func aggregate(_ units: ArraySlice<UInt8>, name: String, shortestUnit: Int) throws(RTPError) {
        var offset = units.startIndex
        guard offset < units.endIndex else { throw .malformed("empty \(name)") }
        while offset < units.endIndex {
            guard units.endIndex - offset >= 2 else { throw .malformed("\(name) length cut off") }
            let length = Int(units[offset]) << 8 | Int(units[offset + 1])
            offset += 2
            guard length >= shortestUnit else { throw .malformed("\(name) unit of length \(length)") }
            guard units.endIndex - offset >= length else {
                throw .malformed("\(name) unit of \(length) bytes past the end")
            }
            try append(Array(units[offset..<(offset + length)]))
            offset += length
        }
    }

    /// One piece of a fragmented unit (FU-A, FU): the start begins it with the unit's own header
    /// (`header`), the end completes it; a piece whose start was lost damages the access unit.
    private mutating func fragmentPiece(_ fuHeader: UInt8, data: ArraySlice<UInt8>, header: () -> [UInt8])
        throws(RTPError)
    {
        if fuHeader & 0x80 != 0 {
            fragment = header() + data
        } else if fragment != nil {
            guard (fragment?.count ?? 0) + data.count <= Self.maximumNALBytes else {
                throw .tooLarge((fragment?.count ?? 0) + data.count)
            }
            fragment?.append(contentsOf: data)
        } else {
            current?.damaged = true
            return
        }
        if fuHeader & 0x40 != 0, let whole = fragment {
            fragment = nil
            try append(whole)
        }
    }
}
