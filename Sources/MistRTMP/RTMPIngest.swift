import MistData
import MistMedia

/// Turns a publisher's RTMP media messages into the DTSC frames a buffer input takes: a header
/// once the tracks are known (their decoder configurations read for size, rate and channels),
/// then one packet per frame with its composition offset. Frames that arrive before the tracks
/// are settled wait, so the header lists video and audio together.
public struct RTMPIngest {
    /// How long frames may wait for a missing track's configuration (media milliseconds).
    static let settleMilliseconds: UInt64 = 1000
    static let videoID: UInt64 = 1
    static let audioID: UInt64 = 2

    public private(set) var video: DTSHTrack?
    public private(set) var audio: DTSHTrack?
    /// The publisher's `onMetaData`, if it sent one.
    public private(set) var metadata: AMFValue?
    private var headerSent = false
    private var headerTracks = 0
    private var waiting: [(time: UInt64, frame: [UInt8])] = []
    private var firstTime: UInt64?
    private var lastRaw: UInt32?
    private var wraps: UInt64 = 0

    public init() {}

    /// The DTSC frames `message` results in (possibly none yet).
    public mutating func handle(_ message: RTMPMessage) throws(MediaError) -> [UInt8] {
        switch message.type {
        case RTMPMessage.Kind.dataAMF0, RTMPMessage.Kind.dataAMF3:
            let payload =
                message.type == RTMPMessage.Kind.dataAMF3 ? Array(message.payload.dropFirst()) : message.payload
            let values = try AMF0.decodeAll(payload)
            if let index = values.firstIndex(where: { $0.stringValue == "onMetaData" }), index + 1 < values.count {
                metadata = values[index + 1]
            }
            return []
        case RTMPMessage.Kind.video, RTMPMessage.Kind.audio:
            return try media(message.type, body: message.payload, time: extend(message.timestamp))
        case RTMPMessage.Kind.aggregate:
            var out: [UInt8] = []
            var reader = ByteReader(message.payload, what: "aggregate message")
            var base: UInt32?
            while reader.remaining >= 11 {
                let tag = try FLVTag.read(&reader)
                guard tag.type == FLVTag.audio || tag.type == FLVTag.video else { continue }
                let first = base ?? tag.timestamp
                base = first
                let time = extend(message.timestamp &+ (tag.timestamp &- first))
                out += try media(tag.type, body: tag.data, time: time)
            }
            return out
        default:
            return []
        }
    }

    /// Describes the audio track directly, for what FLV has no tag for (Opus) or cannot say
    /// exactly (A-law and µ-law at rates other than 8 kHz); its frames then come through
    /// `audioFrame`. A track described once stays as it is.
    public mutating func describeAudio(codec: String, rate: Int, channels: Int, sampleSize: Int, initData: [UInt8])
        -> [UInt8]
    {
        guard audio == nil else { return [] }
        var track = track(RTMPIngest.audioID, type: "audio", codec: codec)
        track.rate = UInt64(clamping: max(0, rate))
        track.channels = UInt64(clamping: max(0, channels))
        track.sampleSize = UInt64(clamping: max(0, sampleSize))
        track.initData = initData
        audio = track
        return lastRaw.map { flushIfSettled(now: extend($0)) } ?? []
    }

    /// The DTSC frames one frame of the described audio track results in, at `timestamp`
    /// (milliseconds on the same 32-bit clock as the messages).
    public mutating func audioFrame(timestamp: UInt32, data: ArraySlice<UInt8>) throws(MediaError) -> [UInt8] {
        guard audio != nil else { return [] }
        let time = extend(timestamp)
        return queue(
            time: time, frame: try packet(RTMPIngest.audioID, time: time, offset: 0, keyframe: true, data: data))
    }

    /// Describes the video track directly, for codecs whose frames come through `videoFrame`
    /// (VP8, VP9 and AV1 from RTP): its size and decoder configuration (AV1's `av1C`). A track
    /// described once stays as it is.
    public mutating func describeVideo(codec: String, width: Int, height: Int, initData: [UInt8]) -> [UInt8] {
        guard video == nil else { return [] }
        var track = track(RTMPIngest.videoID, type: "video", codec: codec)
        track.width = UInt64(clamping: max(0, width))
        track.height = UInt64(clamping: max(0, height))
        track.initData = initData
        video = track
        return lastRaw.map { flushIfSettled(now: extend($0)) } ?? []
    }

    /// The DTSC frames one frame of the described video track results in, at `timestamp`
    /// (milliseconds on the same 32-bit clock as the messages); these codecs do not reorder.
    public mutating func videoFrame(timestamp: UInt32, keyframe: Bool, data: ArraySlice<UInt8>) throws(MediaError)
        -> [UInt8]
    {
        guard video != nil else { return [] }
        let time = extend(timestamp)
        return queue(
            time: time, frame: try packet(RTMPIngest.videoID, time: time, offset: 0, keyframe: keyframe, data: data))
    }

    /// Makes the 32-bit RTMP clock continuous across its wrap.
    private mutating func extend(_ raw: UInt32) -> UInt64 {
        if let lastRaw, raw < lastRaw, lastRaw - raw > 0x8000_0000 { wraps += 1 }
        lastRaw = raw
        return wraps << 32 | UInt64(raw)
    }

    private mutating func media(_ type: UInt8, body: [UInt8], time: UInt64) throws(MediaError) -> [UInt8] {
        let payload = type == FLVTag.video ? try FLVMedia.parseVideo(body) : try FLVMedia.parseAudio(body)
        switch payload {
        case .ignored:
            return []
        case .configuration(let codec, let data):
            if type == FLVTag.video {
                try configureVideo(codec: codec, initData: Array(data))
            } else {
                try configureAudio(codec: codec, initData: Array(data))
            }
            return flushIfSettled(now: time)
        case .videoFrame(let codec, let keyframe, let offset, let data):
            if video == nil {
                // Codecs with a configuration record cannot be decoded without it.
                guard codec != "H264" && codec != "HEVC" && codec != "AV1" else { return [] }
                video = track(RTMPIngest.videoID, type: "video", codec: codec)
            }
            return queue(
                time: time,
                frame: try packet(RTMPIngest.videoID, time: time, offset: Int64(offset), keyframe: keyframe, data: data)
            )
        case .audioFrame(let codec, let rate, let channels, let sampleSize, let data):
            if audio == nil {
                guard codec != "AAC" else { return [] }
                var track = track(RTMPIngest.audioID, type: "audio", codec: codec)
                track.rate = UInt64(rate)
                track.channels = UInt64(channels)
                track.sampleSize = UInt64(sampleSize)
                audio = track
            }
            return queue(
                time: time, frame: try packet(RTMPIngest.audioID, time: time, offset: 0, keyframe: true, data: data))
        }
    }

    private mutating func configureVideo(codec: String, initData: [UInt8]) throws(MediaError) {
        var track = track(RTMPIngest.videoID, type: "video", codec: codec)
        track.initData = initData
        switch codec {
        case "H264":
            let sps = try AVCDecoderConfiguration(bytes: initData).sps()
            track.width = UInt64(sps.width)
            track.height = UInt64(sps.height)
            track.fpks = UInt64(sps.fpks)
        case "HEVC":
            let size = try HEVCDecoderConfiguration(bytes: initData).pictureSize()
            track.width = UInt64(size.width)
            track.height = UInt64(size.height)
        default:
            break
        }
        if track.width == 0, let width = metadata?["width"]?.numberValue { track.width = UInt64(clamping: width) }
        if track.height == 0, let height = metadata?["height"]?.numberValue { track.height = UInt64(clamping: height) }
        if track.fpks == 0, let rate = metadata?["framerate"]?.numberValue, rate > 0, rate < 1000 {
            track.fpks = UInt64(rate * 1000)
        }
        video = track
    }

    private mutating func configureAudio(codec: String, initData: [UInt8]) throws(MediaError) {
        var track = track(RTMPIngest.audioID, type: "audio", codec: codec)
        track.initData = initData
        if codec == "AAC" {
            let configuration = try AACConfiguration(bytes: initData)
            track.rate = UInt64(configuration.sampleRate)
            track.channels = UInt64(configuration.channels)
            track.sampleSize = 16
        }
        audio = track
    }

    private func track(_ id: UInt64, type: String, codec: String) -> DTSHTrack {
        DTSHTrack(identifier: "\(type)_\(codec)_\(id)", trackID: id, type: type, codec: codec)
    }

    private func packet(_ track: UInt64, time: UInt64, offset: Int64, keyframe: Bool, data: ArraySlice<UInt8>)
        throws(MediaError) -> [UInt8]
    {
        let result = data.withUnsafeBytes { raw in
            Result { () throws(DTMIError) in
                try DTSCFrameWriter.mediaPacket(
                    trackID: UInt32(track), time: time, offset: offset, keyframe: keyframe, data: raw)
            }
        }
        do {
            return try result.get()
        } catch {
            throw .invalid("packet: \(error)")
        }
    }

    /// Whether every track the publisher announced is known, or frames have waited long enough.
    private func settled(now: UInt64) -> Bool {
        let wantsVideo = metadata.map { $0["videocodecid"] != nil || $0["width"] != nil } ?? true
        let wantsAudio = metadata.map { $0["audiocodecid"] != nil || $0["audiosamplerate"] != nil } ?? true
        if (!wantsVideo || video != nil) && (!wantsAudio || audio != nil) { return true }
        guard let firstTime else { return false }
        return now >= firstTime + RTMPIngest.settleMilliseconds
    }

    private mutating func queue(time: UInt64, frame: [UInt8]) -> [UInt8] {
        if firstTime == nil { firstTime = time }
        waiting.append((time, frame))
        return flushIfSettled(now: time)
    }

    /// The header (again, when a track was added since) and the waiting frames, once settled.
    private mutating func flushIfSettled(now: UInt64) -> [UInt8] {
        guard settled(now: now) || waiting.count > 2000 else { return [] }
        var out: [UInt8] = []
        let tracks = [video, audio].compactMap { $0 }
        if !tracks.isEmpty && (!headerSent || tracks.count != headerTracks) {
            let header = DTSHHeader(isVOD: false, isLive: true, tracks: tracks)
            if let bytes = try? header.encode(includeTables: false) { out += bytes }
            headerSent = true
            headerTracks = tracks.count
        }
        guard headerSent else { return [] }
        for entry in waiting { out += entry.frame }
        waiting.removeAll()
        return out
    }
}
