import MistRTP

/// A peer's SDP offer as a WebRTC server reads it (RFC 8829): per media section its kind, `mid`,
/// direction and codecs, and the ICE credentials and DTLS fingerprint the peer will use.
public struct WebRTCOffer: Sendable {
    /// One codec the offer lists for a media section.
    public struct Codec: Sendable, Equatable {
        public var payloadType: UInt8
        /// Upper-cased encoding name: `H264`, `VP8`, `OPUS` ...
        public var name: String
        public var clockRate: Int
        public var channels: Int?
        /// The codec's `a=fmtp` parameters, names lower-cased.
        public var parameters: [String: String]
        /// The codec's `a=fmtp` line as offered (after the payload type).
        public var fmtpLine: String?
        /// `a=rtcp-fb` values for this payload type (`nack`, `nack pli`, `ccm fir` ...).
        public var feedback: [String]
    }

    /// One `m=` section.
    public struct Media: Sendable {
        public var kind: String
        public var mid: String
        /// `sendrecv`, `sendonly`, `recvonly` or `inactive` (as the offerer sees it).
        public var direction: String
        public var codecs: [Codec]
        public var transport: String
        /// The section's `a=extmap` lines, as offered.
        public var extensions: [String]
        /// The offerer's SSRCs for what it sends here.
        public var ssrcs: [UInt32]
        /// The `m=` line's port (0: the section is rejected).
        public var port: Int
    }

    /// A UDP candidate of the first component (RFC 8839 5.1), by address literal and port.
    public struct Candidate: Sendable, Equatable, Hashable {
        public var address: String
        public var port: Int
        public var priority: UInt32
    }

    public var media: [Media]
    public var iceUsername: String
    public var icePassword: String
    /// `sha-256` fingerprint of the peer's certificate, upper-cased hex with colons.
    public var fingerprint: String
    /// The peer's `a=setup` (`actpass`, `active` or `passive`).
    public var setup: String
    /// The UDP candidates of component 1 with a literal address (mDNS names are skipped), highest
    /// priority first, and the `c=` address and `m=` port of the first section that has one when
    /// none is listed (an answer from an ICE-lite server may give only those).
    public var candidates: [Candidate]

    /// The most media sections taken.
    public static let maximumMedia = 16

    public init(parsing text: String) throws(WebRTCError) {
        let description: SessionDescription
        do {
            description = try SessionDescription(parsing: text)
        } catch {
            throw .badDescription(error)
        }
        func value(_ name: String, _ section: SessionDescription.Media?) -> String? {
            section?.attribute(name) ?? description.attribute(name)
        }
        let sections = Array(description.media.prefix(Self.maximumMedia))
        var username: String?
        var password: String?
        var fingerprint: String?
        var setup = "actpass"
        var media: [Media] = []
        var candidates: [Candidate] = []
        var fallback: Candidate?
        for (index, section) in sections.enumerated() {
            username = username ?? value("ice-ufrag", section)
            password = password ?? value("ice-pwd", section)
            if fingerprint == nil, let print = value("fingerprint", section) {
                let parts = print.split(separator: " ", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == "sha-256" { fingerprint = parts[1].uppercased() }
            }
            setup = value("setup", section) ?? setup
            var codecs: [Codec] = []
            for format in section.formats.prefix(64) {
                guard let type = UInt8(format), type < 128, let map = section.rtpmap(format) else { continue }
                let fmtpLine = section.attributes.first { attribute in
                    attribute.name == "fmtp" && attribute.value?.split(separator: " ").first.map(String.init) == format
                }?.value.map { String($0.drop { $0 != " " }.dropFirst()) }
                let feedback = section.attributes.compactMap { attribute -> String? in
                    guard attribute.name == "rtcp-fb", let value = attribute.value else { return nil }
                    let parts = value.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2, parts[0] == format || parts[0] == "*" else { return nil }
                    return String(parts[1])
                }
                codecs.append(
                    Codec(
                        payloadType: type, name: map.encoding.uppercased(), clockRate: map.clockRate,
                        channels: map.channels, parameters: section.fmtp(format), fmtpLine: fmtpLine,
                        feedback: feedback))
            }
            let direction =
                ["sendrecv", "sendonly", "recvonly", "inactive"].first { name in
                    section.attributes.contains { $0.name == name }
                } ?? "sendrecv"
            let ssrcs = section.attributes.compactMap { attribute -> UInt32? in
                guard attribute.name == "ssrc", let value = attribute.value else { return nil }
                return UInt32(value.prefix { $0 != " " })
            }
            media.append(
                Media(
                    kind: section.kind, mid: section.attribute("mid") ?? "\(index)", direction: direction,
                    codecs: codecs, transport: section.transport,
                    extensions: section.attributes.filter { $0.name == "extmap" }.compactMap(\.value),
                    ssrcs: Array(Set(ssrcs)).sorted(), port: section.port))
            for attribute in section.attributes.prefix(256) where attribute.name == "candidate" {
                if let candidate = Self.candidate(attribute.value ?? ""), !candidates.contains(candidate) {
                    candidates.append(candidate)
                }
            }
            if fallback == nil, section.port > 0,
                let connection =
                    (section.lines.first { $0.type == "c" }?.value ?? description.lines.first { $0.type == "c" }?.value),
                let address = connection.split(separator: " ").last.map(String.init),
                Self.isAddressLiteral(address), address != "0.0.0.0"
            {
                fallback = Candidate(address: address, port: section.port, priority: 0)
            }
        }
        // RFC 8839 5.4: ufrag 4-256 and pwd 22-256 ice-chars.
        func iceChars(_ text: String?, _ range: ClosedRange<Int>) -> String? {
            guard let text, range.contains(text.utf8.count),
                text.utf8.allSatisfy({
                    $0 == 0x2B || $0 == 0x2F || (0x30...0x39).contains($0) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)
                })
            else { return nil }
            return text
        }
        guard let username = iceChars(username, 4...256), let password = iceChars(password, 22...256) else {
            throw .noICECredentials
        }
        guard let fingerprint else { throw .noFingerprint }
        self.media = media
        self.iceUsername = username
        self.icePassword = password
        self.fingerprint = fingerprint
        self.setup = setup
        self.candidates =
            candidates.isEmpty ? fallback.map { [$0] } ?? [] : candidates.sorted { $0.priority > $1.priority }
    }

    /// `foundation component transport priority address port typ type ...`: a UDP candidate of
    /// component 1 with a literal address.
    static func candidate(_ text: String) -> Candidate? {
        let fields = text.split(separator: " ")
        guard fields.count >= 8, fields[1] == "1", fields[2].lowercased() == "udp", let priority = UInt32(fields[3]),
            let port = Int(fields[5]), (1...65535).contains(port), isAddressLiteral(String(fields[4]))
        else { return nil }
        return Candidate(address: String(fields[4]), port: port, priority: priority)
    }

    /// Whether `text` is an IPv4 or IPv6 address literal (not a name to resolve).
    static func isAddressLiteral(_ text: String) -> Bool {
        if text.contains(":") { return text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
