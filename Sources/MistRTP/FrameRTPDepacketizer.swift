import MistMedia

/// RTP payloads back into whole VP8, VP9 or AV1 frames, in arrival order: descriptors (VP8,
/// VP9) and aggregation headers (AV1) are read and removed, AV1's OBU fragments joined and
/// every OBU given its size field again (the form MP4, Matroska and DTSC carry). A frame ends
/// at the marker bit or when the timestamp changes. A gap in sequence numbers, or a piece that
/// does not continue what came before, marks the frame damaged; pieces before the next frame's
/// start are dropped. Sizes are bounded.
public struct FrameRTPDepacketizer: Sendable {
    /// One frame (for VP9 and AV1: all the layers of one picture).
    public struct Frame: Sendable, Equatable {
        public var timestamp: UInt32
        public var data: [UInt8]
        public var keyframe: Bool
        /// Pieces of it were lost (or were unusable).
        public var damaged: Bool
    }

    /// The largest frame taken.
    public static let maximumFrameBytes = 16 << 20

    public let format: FrameRTPFormat
    private var current: Frame?
    /// AV1: the OBU whose fragments are being joined (header and payload, no size field).
    private var fragment: [UInt8]?
    private var lastSequence: UInt16?

    public init(format: FrameRTPFormat) { self.format = format }

    /// Takes one packet; returns the frames it completed (usually none or one). Throws for a
    /// payload it cannot use, after marking its frame damaged.
    public mutating func push(_ packet: RTPPacket) throws(RTPError) -> [Frame] {
        var done: [Frame] = []
        if let lastSequence, packet.sequenceNumber != lastSequence &+ 1 {
            current?.damaged = true
            fragment = nil
        }
        lastSequence = packet.sequenceNumber
        if let frame = current, frame.timestamp != packet.timestamp {
            done.append(frame)
            current = nil
            fragment = nil
        }
        do {
            switch format {
            case .vp8, .vp9: try takeVPx(packet)
            case .av1: try takeAV1(packet)
            }
        } catch {
            current?.damaged = true
            fragment = nil
            if packet.marker, let frame = current {
                done.append(frame)
                current = nil
            }
            throw error
        }
        if packet.marker, let frame = current {
            done.append(finished(frame))
            current = nil
            fragment = nil
        }
        return done
    }

    /// The frame in progress, if any (at the end of a stream).
    public mutating func flush() -> Frame? {
        defer {
            current = nil
            fragment = nil
        }
        return current.map(finished)
    }

    /// A frame as it ends: a keyframe when its bitstream says so.
    private func finished(_ frame: Frame) -> Frame {
        var frame = frame
        switch format {
        case .vp8: frame.keyframe = (try? VPxFrameHeader.vp8(frame.data[...]).keyframe) ?? false
        case .vp9: frame.keyframe = (try? VPxFrameHeader.vp9(frame.data[...]).keyframe) ?? false
        case .av1: frame.keyframe = frame.keyframe || Self.av1Keyframe(frame.data)
        }
        return frame
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>, timestamp: UInt32, start: Bool) throws(RTPError) {
        if current == nil {
            // A frame joined after its start cannot be decoded; it is kept only to be dropped.
            current = Frame(timestamp: timestamp, data: [], keyframe: false, damaged: !start)
        }
        guard (current?.data.count ?? 0) + bytes.count <= Self.maximumFrameBytes else {
            throw .tooLarge((current?.data.count ?? 0) + bytes.count)
        }
        current?.data += bytes
    }

    /// VP8 (RFC 7741 4.2) and VP9 (RFC 9628 4.2) payload descriptors.
    private mutating func takeVPx(_ packet: RTPPacket) throws(RTPError) {
        let payload = packet.payload
        var position = payload.startIndex
        func byte() throws(RTPError) -> UInt8 {
            guard position < payload.endIndex else {
                throw .truncated(needed: position - payload.startIndex + 1, have: payload.count)
            }
            defer { position += 1 }
            return payload[position]
        }
        let first = try byte()
        var start: Bool
        if format == .vp8 {
            start = first & 0x10 != 0 && first & 0x07 == 0
            if first & 0x80 != 0 {
                let extended = try byte()
                if extended & 0x80 != 0, try byte() & 0x80 != 0 { _ = try byte() }  // PictureID, 7 or 15 bits
                if extended & 0x40 != 0 { _ = try byte() }  // TL0PICIDX
                if extended & 0x30 != 0 { _ = try byte() }  // TID and KEYIDX
            }
        } else {
            start = first & 0x08 != 0
            if first & 0x80 != 0, try byte() & 0x80 != 0 { _ = try byte() }  // picture ID
            if first & 0x20 != 0 {
                _ = try byte()  // layer indices
                if first & 0x10 == 0 { _ = try byte() }  // TL0PICIDX (non-flexible mode)
            }
            if first & 0x10 != 0, first & 0x40 != 0 {
                // Up to three reference indices, each with a bit saying whether another follows.
                for _ in 0..<3 where try byte() & 0x01 == 0 { break }
            }
            if first & 0x02 != 0 { try skipScalabilityStructure(&position, payload) }
            // A later layer of the same picture continues the frame rather than starting one.
            if start, current != nil { start = false }
        }
        guard position < payload.endIndex else { return }
        try append(payload[position...], timestamp: packet.timestamp, start: start)
    }

    /// VP9's scalability structure (RFC 9628 4.2.1): sizes per spatial layer, a group of pictures.
    private func skipScalabilityStructure(_ position: inout Int, _ payload: ArraySlice<UInt8>) throws(RTPError) {
        func need(_ count: Int) throws(RTPError) {
            guard position + count <= payload.endIndex else {
                throw .truncated(needed: position + count - payload.startIndex, have: payload.count)
            }
        }
        try need(1)
        let header = payload[position]
        position += 1
        let layers = Int(header >> 5) + 1
        if header & 0x10 != 0 {
            try need(4 * layers)
            position += 4 * layers
        }
        if header & 0x08 != 0 {
            try need(1)
            let pictures = Int(payload[position])
            position += 1
            for _ in 0..<pictures {
                try need(1)
                let references = Int(payload[position] >> 2 & 0x03)
                position += 1
                try need(references)
                position += references
            }
        }
    }

    /// AV1's aggregation header and OBU elements (AV1 RTP specification 4.4, 4.5).
    private mutating func takeAV1(_ packet: RTPPacket) throws(RTPError) {
        let payload = packet.payload
        guard let header = payload.first else { throw .truncated(needed: 1, have: 0) }
        let continues = header & 0x80 != 0
        let unfinished = header & 0x40 != 0
        let count = Int(header >> 4 & 0x03)
        if header & 0x08 != 0, current == nil || current?.data.isEmpty == true {
            // N: a new coded video sequence starts here.
            current = current ?? Frame(timestamp: packet.timestamp, data: [], keyframe: true, damaged: false)
            current?.keyframe = true
        }
        if continues && fragment == nil {
            // The start of this OBU was lost: the frame cannot be whole.
            current = current ?? Frame(timestamp: packet.timestamp, data: [], keyframe: false, damaged: true)
            current?.damaged = true
        }
        var elements: [ArraySlice<UInt8>] = []
        var position = payload.startIndex + 1
        while position < payload.endIndex {
            if count != 0 && elements.count == count - 1 {
                elements.append(payload[position...])
                break
            }
            let length: (value: UInt64, length: Int)
            do {
                length = try AV1OBU.leb128(payload[position...])
            } catch {
                throw .malformed("AV1 element length")
            }
            position += length.length
            guard length.value <= UInt64(payload.endIndex - position) else {
                throw .truncated(
                    needed: position - payload.startIndex + Int(clamping: length.value), have: payload.count)
            }
            elements.append(payload[position..<(position + Int(length.value))])
            position += Int(length.value)
            guard elements.count <= 1024 else { throw .tooLarge(elements.count) }
        }
        for (index, element) in elements.enumerated() {
            var obu: [UInt8]
            if index == 0 && continues {
                guard let piece = fragment else { continue }
                obu = piece + element
                fragment = nil
            } else {
                obu = Array(element)
            }
            guard obu.count <= Self.maximumFrameBytes else { throw .tooLarge(obu.count) }
            if index == elements.count - 1 && unfinished {
                fragment = obu
                continue
            }
            try appendOBU(obu, timestamp: packet.timestamp)
        }
    }

    /// A whole OBU (without its size field) into the frame, with its size field.
    private mutating func appendOBU(_ obu: [UInt8], timestamp: UInt32) throws(RTPError) {
        guard let first = obu.first else { return }
        let headerSize = first & 0x04 != 0 ? 2 : 1
        guard obu.count >= headerSize else { throw .malformed("AV1 OBU shorter than its header") }
        var sized: [UInt8]
        if first & AV1OBU.hasSizeBit != 0 {
            // A sender may keep the size field; the element's length is what counts.
            do {
                let read = try AV1OBU.read(obu[...])
                sized = read.sizedBytes
            } catch {
                throw .malformed("AV1 OBU size field")
            }
        } else {
            sized = Array(obu[..<headerSize])
            sized[0] |= AV1OBU.hasSizeBit
            sized += AV1OBU.leb128Bytes(obu.count - headerSize)
            sized += obu[headerSize...]
        }
        let type = first >> 3 & 0x0F
        if type == AV1OBU.temporalDelimiter { return }
        try append(sized[...], timestamp: timestamp, start: true)
    }

    /// Whether a temporal unit starts a coded video sequence: it has a sequence header, or its
    /// first frame header says KEY_FRAME and shown.
    static func av1Keyframe(_ data: [UInt8]) -> Bool {
        guard let obus = try? AV1OBU.split(data[...]) else { return false }
        if obus.contains(where: { $0.type == AV1OBU.sequenceHeader }) { return true }
        guard let frame = obus.first(where: { $0.type == AV1OBU.frame || $0.type == AV1OBU.frameHeader }),
            let first = frame.payload.first
        else { return false }
        // show_existing_frame 0, frame_type KEY_FRAME (0).
        return first & 0xE0 == 0
    }
}
