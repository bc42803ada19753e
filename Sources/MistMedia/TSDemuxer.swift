/// MPEG-TS read into tracks and frames: the first program's PMT, PES packets reassembled per
/// PID, H.264 and HEVC turned from Annex B into length-prefixed NAL units (parameter sets become
/// the init data), AAC split from ADTS into raw frames, MP3 as carried. Timestamps are the
/// stream's own in milliseconds, unwrapped past the 33-bit limit. Used for files (feed all the
/// bytes, then `finish`) and for live sources (feed as they arrive, take `drain()`ed frames).
public struct TSDemuxer {
    public private(set) var tracks: [DemuxedTrack] = []
    /// What was wrong with the input (at most `maximumWarnings`, each said once).
    public private(set) var warnings: [String] = []
    static let maximumWarnings = 64
    /// The largest PES packet kept (a video frame of a 4K stream is well below it); a packet
    /// that grows past it without ending is dropped.
    static let maximumPES = 8 << 20
    /// Frames kept while a track waits for its parameter sets (a sender may never send them).
    static let maximumWaiting = 512
    /// Frames found so far, in the order their PES packets ended.
    public private(set) var samples: [DemuxedSample] = []

    struct Stream {
        var pid: UInt16
        var kind: UInt8
        var track: Int?
        var pes: [UInt8] = []
        var pesPosition = 0
        var lastTimestamp: UInt64?
        var wraps: UInt64 = 0
        var sps: [[UInt8]] = []
        var pps: [[UInt8]] = []
        var vps: [[UInt8]] = []
        /// Opus (stream type 0x06 registered as `Opus`): its channel count.
        var opusChannels: UInt8 = 0
        /// Frames waiting for the parameter sets that make the track.
        var waiting: [(time: UInt64, offset: Int64, keyframe: Bool, position: Int, data: [UInt8])] = []
    }

    private var pmtPID: UInt16?
    private var streams: [UInt16: Stream] = [:]
    private var position = 0
    private var pending: [UInt8] = []
    private var syncLost = 0

    public init() {}

    /// How many audio and video streams the program map announced (tracks appear as their
    /// first frames, and their parameter sets, arrive).
    public var announcedStreams: Int { streams.count }

    /// A whole file.
    public init(bytes: [UInt8]) throws(MediaError) {
        self.init()
        try feed(bytes[...])
        try finishFile()
    }

    /// Ends a whole file fed in pieces: the last PES packets, then every frame in time order.
    public mutating func finishFile() throws(MediaError) {
        finish()
        samples.sort { $0.time != $1.time ? $0.time < $1.time : $0.position < $1.position }
        if tracks.isEmpty && syncLost > 0 { throw .invalid("MPEG-TS: no 0x47 sync bytes where packets should start") }
    }

    /// Takes more of the stream.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(MediaError) {
        pending += bytes
        var index = 0
        while pending.count - index >= 188 {
            guard pending[index] == 0x47 else {
                // Find the next sync byte.
                syncLost += 1
                index += 1
                position += 1
                continue
            }
            packet(pending[index..<(index + 188)])
            index += 188
            position += 188
        }
        pending.removeFirst(index)
    }

    /// Ends the stream: PES packets still open become frames.
    public mutating func finish() {
        for pid in streams.keys.sorted() { endPES(pid) }
        if syncLost > 0 { warn("skipped \(syncLost) bytes to find packet starts") }
    }

    /// The frames found so far, handed over.
    private mutating func warn(_ text: String) {
        if warnings.count < Self.maximumWarnings && !warnings.contains(text) { warnings.append(text) }
    }

    public mutating func drain() -> [DemuxedSample] {
        defer { samples.removeAll() }
        return samples
    }

    private mutating func packet(_ packet: ArraySlice<UInt8>) {
        let base = packet.startIndex
        let start = packet[base + 1] & 0x40 != 0
        let pid = UInt16(packet[base + 1] & 0x1F) << 8 | UInt16(packet[base + 2])
        let control = packet[base + 3] >> 4 & 3
        var payload = base + 4
        if control & 2 != 0 { payload += 1 + Int(packet[base + 4]) }
        guard control & 1 != 0, payload < packet.endIndex else { return }
        let body = packet[payload...]
        if pid == 0 {
            if start { programAssociation(body) }
        } else if pid == pmtPID {
            if start { programMap(body) }
        } else if streams[pid] != nil {
            if start { endPES(pid) }
            if start || !(streams[pid]?.pes.isEmpty ?? true) {
                if start { streams[pid]?.pesPosition = position }
                if (streams[pid]?.pes.count ?? 0) + body.count > Self.maximumPES {
                    streams[pid]?.pes.removeAll()
                    warn("PID \(pid): a PES packet over \(Self.maximumPES) bytes was dropped")
                } else {
                    streams[pid]?.pes += body
                }
            }
        }
    }

    /// The section of a PSI table after its pointer field, within the payload.
    private func section(_ body: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let pointer = body.first else { return nil }
        let start = body.startIndex + 1 + Int(pointer)
        guard body.endIndex - start >= 8 else { return nil }
        let length = Int(body[start + 1] & 0x0F) << 8 | Int(body[start + 2])
        let end = min(body.endIndex, start + 3 + length)
        guard end - start >= 12 else { return nil }
        // Without the CRC.
        return body[start..<(end - 4)]
    }

    private mutating func programAssociation(_ body: ArraySlice<UInt8>) {
        guard let table = section(body) else { return }
        var index = table.startIndex + 8
        while table.endIndex - index >= 4 {
            let program = UInt16(table[index]) << 8 | UInt16(table[index + 1])
            let pid = UInt16(table[index + 2] & 0x1F) << 8 | UInt16(table[index + 3])
            if program != 0 {
                pmtPID = pid
                return
            }
            index += 4
        }
    }

    private mutating func programMap(_ body: ArraySlice<UInt8>) {
        guard let table = section(body), table.endIndex - table.startIndex >= 12 else { return }
        let infoLength = Int(table[table.startIndex + 10] & 0x0F) << 8 | Int(table[table.startIndex + 11])
        var index = table.startIndex + 12 + infoLength
        while table.endIndex - index >= 5 {
            let kind = table[index]
            let pid = UInt16(table[index + 1] & 0x1F) << 8 | UInt16(table[index + 2])
            let length = Int(table[index + 3] & 0x0F) << 8 | Int(table[index + 4])
            let descriptors = table[min(index + 5, table.endIndex)..<min(index + 5 + length, table.endIndex)]
            index += 5 + length
            guard streams[pid] == nil else { continue }
            if kind == 0x06, let channels = Self.opusChannels(descriptors) {
                var stream = Stream(pid: pid, kind: kind)
                stream.opusChannels = channels
                streams[pid] = stream
                continue
            }
            guard [0x1B, 0x24, 0x0F, 0x03, 0x04].contains(kind) else { continue }
            streams[pid] = Stream(pid: pid, kind: kind)
        }
    }

    /// The channel count of a private-data stream registered as Opus (registration descriptor
    /// `Opus`; the DVB extension descriptor 0x80 gives the channel configuration), else nil.
    static func opusChannels(_ descriptors: ArraySlice<UInt8>) -> UInt8? {
        var index = descriptors.startIndex
        var registered = false
        var channels: UInt8 = 2
        while descriptors.endIndex - index >= 2 {
            let tag = descriptors[index]
            let length = Int(descriptors[index + 1])
            let body = descriptors[(index + 2)..<min(index + 2 + length, descriptors.endIndex)]
            if tag == 0x05 && Array(body.prefix(4)) == Array("Opus".utf8) { registered = true }
            if tag == 0x7F, body.count >= 2, body[body.startIndex] == 0x80 {
                let code = body[body.startIndex + 1]
                channels = (1...2).contains(code) ? code : 2
            }
            index += 2 + length
        }
        return registered ? channels : nil
    }

    /// A 33-bit timestamp from a PES header at `index`, in 90 kHz ticks.
    private static func timestamp(_ bytes: ArraySlice<UInt8>, _ index: Int) -> UInt64 {
        UInt64(bytes[index] >> 1 & 7) << 30 | UInt64(bytes[index + 1]) << 22 | UInt64(bytes[index + 2] >> 1) << 15
            | UInt64(bytes[index + 3]) << 7 | UInt64(bytes[index + 4] >> 1)
    }

    /// Turns a stream's collected PES packet into frames.
    private mutating func endPES(_ pid: UInt16) {
        guard var stream = streams[pid], stream.pes.count >= 9 else { return }
        defer {
            stream.pes.removeAll(keepingCapacity: true)
            streams[pid] = stream
        }
        let pes = stream.pes[...]
        guard pes[0] == 0, pes[1] == 0, pes[2] == 1 else {
            warn("PID \(pid): a PES packet without its start code")
            return
        }
        let flags = pes[7]
        let headerEnd = 9 + Int(pes[8])
        guard headerEnd <= pes.count, flags & 0x80 != 0, pes.count >= 14 else { return }
        let pts = unwrap(&stream, Self.timestamp(pes, 9))
        var dts = pts
        if flags & 0x40 != 0, pes.count >= 19 { dts = unwrap(&stream, Self.timestamp(pes, 14), update: false) }
        let payload = Array(pes[headerEnd...])
        let time = dts / 90
        let offset = Int64(pts / 90) - Int64(time)
        switch stream.kind {
        case 0x1B, 0x24: video(&stream, time: time, offset: offset, payload: payload)
        case 0x0F: aac(&stream, time: time, payload: payload)
        case 0x06: opus(&stream, time: time, payload: payload)
        default: mp3(&stream, time: time, payload: payload)
        }
    }

    /// Undoes the 33-bit wrap of the stream's timestamps.
    private func unwrap(_ stream: inout Stream, _ value: UInt64, update: Bool = true) -> UInt64 {
        let span: UInt64 = 1 << 33
        var wraps = stream.wraps
        if let last = stream.lastTimestamp {
            if value + span / 2 < last { wraps += 1 } else if value > last + span / 2 && wraps > 0 { wraps -= 1 }
        }
        if update {
            stream.wraps = wraps
            stream.lastTimestamp = value
        }
        return value + wraps * span
    }

    private mutating func video(_ stream: inout Stream, time: UInt64, offset: Int64, payload: [UInt8]) {
        let hevc = stream.kind == 0x24
        var frame: [UInt8] = []
        var keyframe = false
        for unit in Self.nalUnits(payload) {
            guard let header = unit.first else { continue }
            let type = hevc ? header >> 1 & 0x3F : header & 0x1F
            switch (hevc, type) {
            case (false, 7): Self.remember(unit, in: &stream.sps)
            case (false, 8): Self.remember(unit, in: &stream.pps)
            case (true, 32): Self.remember(unit, in: &stream.vps)
            case (true, 33): Self.remember(unit, in: &stream.sps)
            case (true, 34): Self.remember(unit, in: &stream.pps)
            case (false, 9), (true, 35): continue
            default:
                if hevc ? (16...23).contains(type) : type == 5 { keyframe = true }
                let length = UInt32(unit.count)
                frame += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: length >> $0) }
                frame += unit
            }
        }
        guard !frame.isEmpty else { return }
        if stream.track == nil {
            let configuration =
                hevc
                ? DecoderConfigurationBuilder.hvcC(vps: stream.vps, sps: stream.sps, pps: stream.pps)
                : DecoderConfigurationBuilder.avcC(sps: stream.sps, pps: stream.pps)
            if let configuration {
                var track = DemuxedTrack(
                    type: "video", codec: hevc ? "HEVC" : "H264", initData: configuration, id: UInt32(stream.pid))
                track.readConfiguration()
                tracks.append(track)
                stream.track = tracks.count - 1
            } else {
                // Frames before the parameter sets cannot be decoded; keep at most a few seconds.
                if stream.waiting.count < 600 {
                    if stream.waiting.count >= Self.maximumWaiting { stream.waiting.removeFirst() }
                    stream.waiting.append((time, offset, keyframe, stream.pesPosition, frame))
                }
                return
            }
        }
        guard let track = stream.track else { return }
        for waiting in stream.waiting {
            samples.append(
                DemuxedSample(
                    track: track, time: waiting.time, offset: waiting.offset, keyframe: waiting.keyframe,
                    position: waiting.position, size: waiting.data.count, data: waiting.data))
        }
        stream.waiting.removeAll()
        samples.append(
            DemuxedSample(
                track: track, time: time, offset: offset, keyframe: keyframe, position: stream.pesPosition,
                size: frame.count, data: frame))
    }

    private static func remember(_ unit: [UInt8], in list: inout [[UInt8]]) {
        if !list.contains(unit) && list.count < 16 { list.append(unit) }
    }

    private mutating func aac(_ stream: inout Stream, time: UInt64, payload: [UInt8]) {
        var index = 0
        var frameNumber: UInt64 = 0
        while payload.count - index >= 7 {
            guard let header = try? AACConfiguration.parseADTS(payload[index...]),
                header.frameLength <= payload.count - index
            else { break }
            if stream.track == nil {
                var track = DemuxedTrack(
                    type: "audio", codec: "AAC", initData: header.configuration.bytes, id: UInt32(stream.pid))
                track.readConfiguration()
                tracks.append(track)
                stream.track = tracks.count - 1
            }
            guard let track = stream.track else { return }
            let rate = UInt64(max(header.configuration.sampleRate, 1))
            let data = Array(payload[(index + header.headerLength)..<(index + header.frameLength)])
            samples.append(
                DemuxedSample(
                    track: track, time: time + frameNumber * 1024 * 1000 / rate, offset: 0, keyframe: true,
                    position: stream.pesPosition, size: data.count, data: data))
            frameNumber += 1
            index += header.frameLength
        }
    }

    /// Opus access units, each behind its control header (0x7FE0 and flags, the size as a run of
    /// 255s and a remainder, optional trims and extension); each unit's time follows from the
    /// lengths of those before it.
    private mutating func opus(_ stream: inout Stream, time: UInt64, payload: [UInt8]) {
        var index = 0
        var elapsed = 0  // 48 kHz samples since the PES time
        while payload.count - index >= 3, payload[index] == 0x7F, payload[index + 1] & 0xE0 == 0xE0 {
            let flags = payload[index + 1]
            index += 2
            var size = 0
            while index < payload.count {
                let byte = Int(payload[index])
                index += 1
                size += byte
                if byte != 255 { break }
            }
            index += (flags & 0x10 != 0 ? 2 : 0) + (flags & 0x08 != 0 ? 2 : 0)
            if flags & 0x04 != 0 {
                guard index < payload.count else { return }
                index += 1 + Int(payload[index])
            }
            guard size > 0, index <= payload.count - size else { return }
            let unit = Array(payload[index..<(index + size)])
            index += size
            if stream.track == nil {
                var track = DemuxedTrack(
                    type: "audio", codec: "opus", initData: OpusHeader(channels: stream.opusChannels).opusHead,
                    id: UInt32(stream.pid))
                track.rate = 48000
                track.channels = UInt32(stream.opusChannels)
                tracks.append(track)
                stream.track = tracks.count - 1
            }
            guard let track = stream.track else { return }
            samples.append(
                DemuxedSample(
                    track: track, time: time + UInt64(elapsed / 48), offset: 0, keyframe: true,
                    position: stream.pesPosition, size: unit.count, data: unit))
            elapsed += OpusHeader.samples(inPacket: unit[...]) ?? 960
        }
    }

    private mutating func mp3(_ stream: inout Stream, time: UInt64, payload: [UInt8]) {
        guard payload.count >= 4 else { return }
        if stream.track == nil {
            var track = DemuxedTrack(type: "audio", codec: "MP3", initData: [], id: UInt32(stream.pid))
            // The first frame header: MPEG version, sample rate index and channel mode.
            if payload[0] == 0xFF, payload[1] & 0xE0 == 0xE0 {
                let version = payload[1] >> 3 & 3
                let rateIndex = Int(payload[2] >> 2 & 3)
                let rates: [UInt32] = [44100, 48000, 32000]
                if rateIndex < 3 {
                    track.rate = rates[rateIndex] / (version == 3 ? 1 : version == 2 ? 2 : 4)
                }
                track.channels = payload[3] >> 6 == 3 ? 1 : 2
            }
            tracks.append(track)
            stream.track = tracks.count - 1
        }
        guard let track = stream.track else { return }
        samples.append(
            DemuxedSample(
                track: track, time: time, offset: 0, keyframe: true, position: stream.pesPosition, size: payload.count,
                data: payload))
    }

    /// The NAL units of an Annex B byte stream (without their start codes).
    static func nalUnits(_ bytes: [UInt8]) -> [[UInt8]] {
        var units: [[UInt8]] = []
        var start: Int?
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == 0 && bytes[index + 1] == 0 && bytes[index + 2] == 1 {
                if let start { units.append(trimmed(bytes[start..<index])) }
                index += 3
                start = index
                continue
            }
            index += 1
        }
        if let start, start < bytes.count { units.append(trimmed(bytes[start...])) }
        return units.filter { !$0.isEmpty }
    }

    /// A unit without the zero bytes that belong to the next start code.
    private static func trimmed(_ unit: ArraySlice<UInt8>) -> [UInt8] {
        var end = unit.endIndex
        while end > unit.startIndex && unit[end - 1] == 0 { end -= 1 }
        return Array(unit[unit.startIndex..<end])
    }
}
