/// Writes MPEG transport stream packets: the program tables, and PES packets of H.264/HEVC
/// (Annex B, with an access unit delimiter and the parameter sets at keyframes) and AAC (ADTS),
/// MP3 or Opus (with its control header) frames, with continuity counters and a PCR on the first track's keyframes.
public struct TSMuxer {
    public static let packetSize = 188
    public static let pmtPID: UInt16 = 0x1000
    public static let firstPID: UInt16 = 0x100

    public struct Track: Sendable {
        public var codec: String
        /// The decoder configuration (avcC, hvcC, AudioSpecificConfig).
        public var initData: [UInt8]

        public init(codec: String, initData: [UInt8]) {
            self.codec = codec
            self.initData = initData
        }

        /// The PMT stream type, or nil for codecs TS output does not carry.
        public var streamType: UInt8? {
            switch codec {
            case "H264": return 0x1B
            case "HEVC": return 0x24
            case "AAC": return 0x0F
            case "MP3": return 0x03
            // Private data, told apart by its registration descriptor (ETSI TS 102 366 style).
            case "opus": return 0x06
            default: return nil
            }
        }

        /// The elementary stream's PMT descriptors.
        var descriptors: [UInt8] {
            codec == "opus" ? (try? OpusHeader(opusHead: initData).tsDescriptors) ?? [] : []
        }

        var isVideo: Bool { codec == "H264" || codec == "HEVC" }
    }

    public let tracks: [Track]
    private var continuity: [UInt16: UInt8] = [:]
    /// Annex B parameter sets per video track (from its configuration), sent before keyframes.
    private var parameterSets: [Int: [UInt8]] = [:]
    private var lengthSizes: [Int: Int] = [:]
    private var aac: [Int: AACConfiguration] = [:]

    public init(tracks: [Track]) throws(MediaError) {
        self.tracks = tracks
        for (index, track) in tracks.enumerated() {
            switch track.codec {
            case "H264":
                let configuration = try AVCDecoderConfiguration(bytes: track.initData)
                parameterSets[index] = (configuration.sequenceParameterSets + configuration.pictureParameterSets)
                    .flatMap { [0, 0, 0, 1] + $0 }
                lengthSizes[index] = configuration.lengthSize
            case "HEVC":
                let configuration = try HEVCDecoderConfiguration(bytes: track.initData)
                parameterSets[index] = configuration.arrays.flatMap { $0.units.flatMap { [0, 0, 0, 1] + $0 } }
                lengthSizes[index] = configuration.lengthSize
            case "AAC":
                aac[index] = try AACConfiguration(bytes: track.initData)
            case "opus":
                _ = try OpusHeader(opusHead: track.initData)
            default:
                break
            }
        }
    }

    public static func pid(ofTrack index: Int) -> UInt16 { firstPID + UInt16(truncatingIfNeeded: index) }

    /// The PID whose packets carry the PCR: the first video track, else the first track.
    var pcrPID: UInt16 { TSMuxer.pid(ofTrack: tracks.firstIndex(where: \.isVideo) ?? 0) }

    /// PAT and PMT, one packet each.
    public mutating func programTables() -> [UInt8] {
        var pat: [UInt8] = [0x00, 0xB0, 0x0D, 0x00, 0x01, 0xC1, 0x00, 0x00, 0x00, 0x01]
        pat += [0xE0 | UInt8(TSMuxer.pmtPID >> 8), UInt8(TSMuxer.pmtPID & 0xFF)]
        var pmtBody: [UInt8] = [0x00, 0x01, 0xC1, 0x00, 0x00]
        pmtBody += [0xE0 | UInt8(pcrPID >> 8), UInt8(pcrPID & 0xFF), 0xF0, 0x00]
        for (index, track) in tracks.enumerated() {
            guard let type = track.streamType else { continue }
            let pid = TSMuxer.pid(ofTrack: index)
            let descriptors = track.descriptors
            pmtBody += [type, 0xE0 | UInt8(pid >> 8), UInt8(pid & 0xFF)]
            pmtBody +=
                [0xF0 | UInt8(descriptors.count >> 8), UInt8(truncatingIfNeeded: descriptors.count)] + descriptors
        }
        let pmtLength = pmtBody.count + 4
        var pmt: [UInt8] = [0x02, 0xB0 | UInt8(pmtLength >> 8), UInt8(pmtLength & 0xFF)] + pmtBody
        return section(&pat, pid: 0) + section(&pmt, pid: TSMuxer.pmtPID)
    }

    /// One table section with its CRC in a packet of its own.
    private mutating func section(_ table: inout [UInt8], pid: UInt16) -> [UInt8] {
        let crc = MPEGCRC32.checksum(table)
        table += [
            UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8),
            UInt8(truncatingIfNeeded: crc),
        ]
        var packet: [UInt8] = [0x47, 0x40 | UInt8(pid >> 8), UInt8(pid & 0xFF), 0x10 | nextContinuity(pid), 0x00]
        packet += table
        packet += [UInt8](repeating: 0xFF, count: TSMuxer.packetSize - packet.count)
        return packet
    }

    private mutating func nextContinuity(_ pid: UInt16) -> UInt8 {
        let value = continuity[pid] ?? 0
        continuity[pid] = (value + 1) & 0x0F
        return value
    }

    /// The TS packets of one frame of track `index` (data as stored: length-prefixed NAL units
    /// for H.264/HEVC, raw frames for AAC). Times are milliseconds; `offset` is the composition
    /// offset.
    public mutating func frame(
        track index: Int, time: UInt64, offset: Int64, keyframe: Bool, data: UnsafeRawBufferPointer
    ) throws(MediaError) -> [UInt8] {
        guard tracks.indices.contains(index) else { throw .invalid("track \(index)") }
        let track = tracks[index]
        var payload: [UInt8] = []
        if track.isVideo {
            payload.reserveCapacity(data.count + 64)
            payload += track.codec == "H264" ? [0, 0, 0, 1, 0x09, 0xF0] : [0, 0, 0, 1, 0x46, 0x01, 0x50]
            if keyframe { payload += parameterSets[index] ?? [] }
            try TSMuxer.appendAnnexB(data, lengthSize: lengthSizes[index] ?? 4, to: &payload)
        } else if let configuration = aac[index] {
            payload = configuration.adtsHeader(payloadLength: data.count) + Array(data)
        } else if track.codec == "opus" {
            payload = OpusHeader.tsControlHeader(packetSize: data.count) + Array(data)
        } else {
            payload = Array(data)
        }
        let pts = (time &+ UInt64(bitPattern: offset)) &* 90
        let dts = time &* 90
        // Opus goes in private stream 1, like every stream type 0x06 payload.
        var pes: [UInt8] = [0, 0, 1, track.isVideo ? 0xE0 : track.codec == "opus" ? 0xBD : 0xC0]
        let hasDTS = track.isVideo && offset != 0
        let headerData = hasDTS ? 10 : 5
        let length = payload.count + 3 + headerData
        if track.isVideo && length > 0xFFFF {
            pes += [0, 0]
        } else {
            pes += [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        }
        pes += [0x84, hasDTS ? 0xC0 : 0x80, UInt8(headerData)]
        pes += TSMuxer.timestamp(pts, marker: hasDTS ? 0x30 : 0x20)
        if hasDTS { pes += TSMuxer.timestamp(dts, marker: 0x10) }
        return packetize(pes + payload, pid: TSMuxer.pid(ofTrack: index), pcr: keyframe || !track.isVideo ? dts : nil)
    }

    static func timestamp(_ value: UInt64, marker: UInt8) -> [UInt8] {
        let value = value & 0x1_FFFF_FFFF
        return [
            marker | UInt8(truncatingIfNeeded: value >> 29) & 0x0E | 1, UInt8(truncatingIfNeeded: value >> 22),
            UInt8(truncatingIfNeeded: value >> 14) | 1, UInt8(truncatingIfNeeded: value >> 7),
            UInt8(truncatingIfNeeded: value << 1) | 1,
        ]
    }

    /// Length-prefixed NAL units as start-code-prefixed ones.
    static func appendAnnexB(_ data: UnsafeRawBufferPointer, lengthSize: Int, to out: inout [UInt8]) throws(MediaError)
    {
        var position = 0
        while position < data.count {
            guard position + lengthSize <= data.count else { throw .truncated("NAL unit length") }
            var length = 0
            for index in 0..<lengthSize { length = length << 8 | Int(data[position + index]) }
            position += lengthSize
            guard length <= data.count - position else { throw .truncated("NAL unit") }
            out += [0, 0, 0, 1]
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[position..<(position + length)]))
            position += length
        }
    }

    /// Splits a PES packet into TS packets; the first carries the PCR when `pcr` is given (on the
    /// PCR track) and the last is padded with adaptation-field stuffing.
    private mutating func packetize(_ pes: [UInt8], pid: UInt16, pcr: UInt64?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((pes.count / 184 + 2) * TSMuxer.packetSize)
        var position = 0
        var first = true
        while position < pes.count {
            var adaptation: [UInt8] = []
            if first, let pcr, pid == pcrPID {
                let base = pcr & 0x1_FFFF_FFFF
                adaptation = [
                    0x50, UInt8(truncatingIfNeeded: base >> 25), UInt8(truncatingIfNeeded: base >> 17),
                    UInt8(truncatingIfNeeded: base >> 9), UInt8(truncatingIfNeeded: base >> 1),
                    UInt8(truncatingIfNeeded: base << 7) | 0x7E, 0x00,
                ]
            }
            let remaining = pes.count - position
            var room = 184 - (adaptation.isEmpty ? 0 : adaptation.count + 1)
            if remaining < room {
                // Stuff the adaptation field so the payload ends the packet exactly.
                let stuffing = room - remaining
                if adaptation.isEmpty {
                    adaptation = stuffing == 1 ? [] : [0x00] + [UInt8](repeating: 0xFF, count: stuffing - 2)
                    room = remaining
                    if stuffing == 1 {
                        out += header(pid: pid, start: first, adaptation: true)
                        out.append(0)
                        out += pes[position...]
                        position = pes.count
                        first = false
                        continue
                    }
                } else {
                    adaptation += [UInt8](repeating: 0xFF, count: stuffing)
                    room = remaining
                }
            }
            out += header(pid: pid, start: first, adaptation: !adaptation.isEmpty)
            if !adaptation.isEmpty {
                out.append(UInt8(adaptation.count))
                out += adaptation
            }
            let count = min(room, remaining)
            out += pes[position..<(position + count)]
            position += count
            first = false
        }
        return out
    }

    private mutating func header(pid: UInt16, start: Bool, adaptation: Bool) -> [UInt8] {
        [
            0x47, (start ? 0x40 : 0) | UInt8(pid >> 8), UInt8(pid & 0xFF),
            (adaptation ? 0x30 : 0x10) | nextContinuity(pid),
        ]
    }
}
