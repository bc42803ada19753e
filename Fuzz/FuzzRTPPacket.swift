// libFuzzer target: datagrams as RTP packets and their H.264, HEVC, VP8, VP9, AV1, AAC and LATM
// payloads (with VP8 and VP9 frame headers and AV1 sequence headers), and as
// STUN messages, RTCP feedback and the reorder buffer, the whole input as an SDP document, and as an RTSP connection's bytes. The first byte cuts the input into datagrams; each is read as a
// packet (or fails with a typed error) and fed to the depacketizers, which never trap and never
// yield a unit over their limits; packets and descriptions written back read the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let piece = bytes.isEmpty ? 1 : Int(bytes[0]) + 12
    if let description = try? SessionDescription(parsing: String(decoding: bytes, as: UTF8.self)) {
        guard let again = try? SessionDescription(parsing: description.text), again == description else {
            fatalError("an SDP written back reads differently")
        }
        for media in description.media {
            for format in media.formats { _ = media.rtpmap(format) ?? nil; _ = media.fmtp(format) }
        }
    }
    // The whole input as a STUN message: its attributes stay inside it, and its checks and
    // addresses read without trapping (a stand-in HMAC keeps this free of a crypto library).
    if let message = try? STUNMessage(parsing: bytes) {
        for attribute in message.attributes
        where attribute.offset < 20 || attribute.value.endIndex > bytes.count {
            fatalError("a STUN attribute outside its message")
        }
        _ = message.integrityIsValid(key: [1, 2, 3]) { key, data in Array((key + data).suffix(20)) }
        _ = (message.fingerprintIsValid, message.xorMappedAddress, message.iceRole, message.priority, message.username)
    }
    // RTCP report blocks: whatever they say, they never claim more than the bytes hold.
    if RTCPReportBlock.blocks(in: bytes[...]).count * 24 > bytes.count { fatalError("more report blocks than bytes") }
    // RTCP feedback: each NACK entry names at most 17 packets, and entries stay within the limit.
    for message in RTCPFeedback.messages(in: bytes[...]) {
        if case .nack(_, let sequences) = message, sequences.count > 17 * RTCPFeedback.maximumNACKEntries {
            fatalError("a NACK naming more packets than its entries can")
        }
    }
    // The whole input as the start of a VP8 or VP9 frame, and as an AV1 sequence header OBU.
    _ = try? VPxFrameHeader.vp8(bytes[...])
    _ = try? VPxFrameHeader.vp9(bytes[...])
    if let obu = try? AV1OBU.read(bytes[...]), let header = try? AV1SequenceHeader(obu) {
        if header.configurationRecord.count != 4 + obu.sizedBytes.count { fatalError("an av1C of the wrong size") }
    }
    // The first byte's next bits pick VP8, VP9 or AV1 for the frame depacketizer.
    let frameFormat = FrameRTPFormat.allCases[Int((bytes.first ?? 0) >> 1) % 3]
    var frames = FrameRTPDepacketizer(format: frameFormat)
    // The first byte's low bit picks H.264 or HEVC.
    let format: NALUnitFormat = (bytes.first ?? 0) & 1 == 0 ? .h264 : .hevc
    var depacketizer = NALUnitRTPDepacketizer(format: format)
    var audio = AACRTPDepacketizer(fmtp: ["sizelength": String(bytes.first.map { Int($0) % 20 } ?? 13)])
    // The first bytes also as a LATM StreamMuxConfig; when it reads, the datagrams are its payloads.
    var latm = try? LATMRTPDepacketizer(streamMuxConfig: Array(bytes.prefix(6)))
    // Every parsed packet's sequence number also goes through a reorder buffer: it never releases
    // more than it took, and never names more than its window as missing.
    var order = RTPReorderBuffer<UInt16>(capacity: 64)
    var taken = 0
    var released = 0
    var offset = bytes.isEmpty ? 0 : 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + piece)
        defer { offset = end }
        guard let packet = try? RTPPacket(parsing: bytes[offset..<end]) else { continue }
        taken += 1
        let result = order.push(sequence: packet.sequenceNumber, packet.sequenceNumber)
        released += result.ready.count
        if released > taken || result.missing.count > 64 { fatalError("a reorder buffer out of its bounds") }
        guard let again = try? RTPPacket(parsing: packet.bytes[...]), again.payload == packet.payload,
            again.sequenceNumber == packet.sequenceNumber, again.csrcs == packet.csrcs
        else { fatalError("a packet written back reads differently") }
        for frame in (try? audio.push(packet)) ?? [] where frame.count > AACRTPDepacketizer.maximumFrameBytes {
            fatalError("an AAC frame over the limit")
        }
        for frame in (try? latm?.push(packet)) ?? [] where frame.count > LATMRTPDepacketizer.maximumElementBytes {
            fatalError("a LATM frame over the limit")
        }
        // Whole frames stay within the limit, and VP8 and VP9 frames cut again read back the same.
        for frame in (try? frames.push(packet)) ?? [] {
            if frame.data.count > FrameRTPDepacketizer.maximumFrameBytes { fatalError("a frame over the limit") }
            var packetizer = FrameRTPPacketizer(format: frameFormat, maximumPayload: 200)
            let payloads = packetizer.payloads(frame.data[...], keyframe: frame.keyframe)
            if payloads.contains(where: { $0.count > 200 }) { fatalError("a frame payload over the limit") }
            guard frameFormat != .av1, !frame.data.isEmpty else { continue }
            var again = FrameRTPDepacketizer(format: frameFormat)
            var read: [FrameRTPDepacketizer.Frame] = []
            for (index, payload) in payloads.enumerated() {
                let piece = RTPPacket(
                    marker: index == payloads.count - 1, payloadType: 96, sequenceNumber: UInt16(index), timestamp: 1,
                    ssrc: 1, payload: payload[...])
                read += (try? again.push(piece)) ?? []
            }
            if read.map(\.data) != [frame.data] { fatalError("a frame cut again reads differently") }
        }
        let pictures = (try? depacketizer.push(packet)) ?? []
        for picture in pictures
        where picture.nals.contains(where: { $0.count > NALUnitRTPDepacketizer.maximumNALBytes }) {
            fatalError("a NAL unit over the limit")
        }
        // Whatever came in packetizes again within the payload limit.
        for picture in pictures {
            let payloads = NALUnitRTPPacketizer(maximumPayload: 200, format: format).payloads(
                picture.nals.map { $0[...] })
            if payloads.contains(where: { $0.count > 200 }) { fatalError("a payload over the limit") }
        }
    }
    _ = depacketizer.flush()
    _ = frames.flush()
    // The same bytes as an RTSP connection, in pieces: whole items or a typed error.
    var framer = RTSPFramer()
    var start = 0
    reading: while start < bytes.count {
        let end = min(bytes.count, start + piece)
        framer.append(bytes[start..<end])
        start = end
        while true {
            let item: RTSPItem?
            do { item = try framer.next() } catch { break reading }
            guard let item else { break }
            if case .request(let request) = item, request.body.count > RTSPFramer.maximumBody {
                fatalError("a body over the limit")
            }
        }
    }
    return 0
}
