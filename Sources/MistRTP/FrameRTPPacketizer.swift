import MistMedia

/// Whole VP8, VP9 or AV1 frames into RTP payloads. VP8 (RFC 7741) and VP9 (RFC 9628, non-flexible
/// mode without layer indices) pieces start with a descriptor holding a 15-bit picture ID that
/// counts frames, start and end flags, and for VP9 whether the frame is predicted. AV1 frames are
/// split into OBUs (temporal delimiters dropped, size fields removed as the AV1 RTP
/// specification asks), each an element with a leb128 length after the aggregation header,
/// fragmented across packets where needed (Z and Y), N set on the first packet of a keyframe
/// that brings a sequence header. Pieces are near equal in size. The caller sets the marker bit
/// on the last payload.
public struct FrameRTPPacketizer: Sendable {
    public let format: FrameRTPFormat
    /// The most payload bytes per packet.
    public let maximumPayload: Int
    private var pictureID = UInt16.random(in: 0...0x7FFF)

    public init(format: FrameRTPFormat, maximumPayload: Int = 1200) {
        self.format = format
        // Room for a descriptor (4 bytes at most) or an aggregation header and a length, and data.
        self.maximumPayload = max(16, maximumPayload)
    }

    /// The payloads of one frame, in order; none for an empty frame or an AV1 frame whose OBUs
    /// do not read.
    public mutating func payloads(_ frame: ArraySlice<UInt8>, keyframe: Bool) -> [[UInt8]] {
        guard !frame.isEmpty else { return [] }
        switch format {
        case .vp8, .vp9:
            let id = pictureID
            pictureID = (pictureID &+ 1) & 0x7FFF
            return vpx(frame, keyframe: keyframe, pictureID: id)
        case .av1:
            return av1(frame, keyframe: keyframe)
        }
    }

    private func vpx(_ frame: ArraySlice<UInt8>, keyframe: Bool, pictureID: UInt16) -> [[UInt8]] {
        let idBytes = [UInt8(0x80 | pictureID >> 8), UInt8(truncatingIfNeeded: pictureID)]
        let descriptorSize = format == .vp8 ? 4 : 3
        let pieces = Self.pieces(frame.count, room: maximumPayload - descriptorSize)
        var out: [[UInt8]] = []
        out.reserveCapacity(pieces.count)
        for (index, range) in pieces.enumerated() {
            var payload: [UInt8]
            if format == .vp8 {
                // X, S on the first piece (partition index 0); then I with a 15-bit picture ID.
                payload = [index == 0 ? 0x90 : 0x80, 0x80] + idBytes
            } else {
                // I, P for an inter frame, B on the first piece, E on the last.
                var flags: UInt8 = 0x80
                if !keyframe { flags |= 0x40 }
                if index == 0 { flags |= 0x08 }
                if index == pieces.count - 1 { flags |= 0x04 }
                payload = [flags] + idBytes
            }
            payload.reserveCapacity(payload.count + range.count)
            payload += frame[(frame.startIndex + range.lowerBound)..<(frame.startIndex + range.upperBound)]
            out.append(payload)
        }
        return out
    }

    private func av1(_ frame: ArraySlice<UInt8>, keyframe: Bool) -> [[UInt8]] {
        guard let obus = try? AV1OBU.split(frame) else { return [] }
        let elements = obus.filter { $0.type != AV1OBU.temporalDelimiter && $0.type != 8 }.map { obu in
            var header = Array(obu.header)
            header[0] &= ~AV1OBU.hasSizeBit
            return header + obu.payload
        }
        let newSequence = keyframe && obus.contains { $0.type == AV1OBU.sequenceHeader }
        var out: [[UInt8]] = []
        var current: [UInt8] = [newSequence ? 0x08 : 0]
        var elementsInCurrent = 0
        for element in elements {
            var offset = 0
            while offset < element.count {
                let room = maximumPayload - current.count
                let piece = min(element.count - offset, room - AV1OBU.leb128Bytes(room).count)
                if piece < 1 || (elementsInCurrent > 0 && piece < element.count - offset && room < maximumPayload / 3) {
                    // Too little room left: start the element in a packet of its own.
                    out.append(current)
                    current = [0]
                    elementsInCurrent = 0
                    continue
                }
                current += AV1OBU.leb128Bytes(piece)
                current += element[offset..<(offset + piece)]
                elementsInCurrent += 1
                offset += piece
                if offset < element.count {
                    current[0] |= 0x40
                    out.append(current)
                    current = [0x80]
                    elementsInCurrent = 0
                }
            }
        }
        if elementsInCurrent > 0 { out.append(current) }
        return out
    }

    /// `count` bytes cut into as few near-equal pieces as `room` allows.
    static func pieces(_ count: Int, room: Int) -> [Range<Int>] {
        let room = max(1, room)
        let number = (count + room - 1) / room
        guard number > 0 else { return [] }
        let size = count / number
        let larger = count % number
        var out: [Range<Int>] = []
        var start = 0
        for index in 0..<number {
            let length = size + (index < larger ? 1 : 0)
            out.append(start..<(start + length))
            start += length
        }
        return out
    }
}
