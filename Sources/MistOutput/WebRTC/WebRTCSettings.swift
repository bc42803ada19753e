import Foundation
import MistCore
import MistData

/// The WebRTC connector's settings, from MistOutWebRTC's command line or, in MistOutHTTP, from
/// the connector's entry in the controller's protocols.
struct WebRTCSettings: Sendable {
    /// MistServer's default `maxpktsize`: a packet and SRTP's additions within 1350 bytes.
    static let defaultPacketSize: Int64 = 1350 - 28

    /// Where each session's UDP socket binds.
    var interface = "0.0.0.0"
    /// The addresses offered as host candidates; empty: the one the signalling reached.
    var publicHosts: [String] = []
    /// The port offered instead of the bound one (0: the bound one).
    var overridePort = 0
    /// Prefix of the session URL given in `Location`.
    var controlPrefix = ""
    var nackDisabled = false
    var maximumPacket = Int(defaultPacketSize)
    /// The video and audio codecs offered and taken, in the order preferred (MistServer's
    /// `preferredvideocodec` and `preferredaudiocodec`).
    var videoCodecs = Self.defaultVideoCodecs
    var audioCodecs = Self.defaultAudioCodecs

    /// A publisher's packets are NACKed after this many newer ones arrived and given up on after
    /// `lostAfter` (MistServer's `nacktimeout` and `losttimeout`; the mobile pair for user
    /// agents that say "Mobi").
    var nackAfter = 5
    var lostAfter = 30
    var mobileNackAfter = 15
    var mobileLostAfter = 90

    /// The STUN and TURN servers players are told of (`iceservers`: RTCIceServer objects), as
    /// given; empty when unset or not a JSON array.
    var iceServers: [JSONValue] = []

    static let defaultVideoCodecs = ["H264", "AV1", "VP9", "VP8"]
    static let defaultAudioCodecs = ["opus", "ALAW", "ULAW"]

    init() {}

    init(options: ParsedOptions) {
        self.init(string: options.string, integer: options.integer, flag: options.flag)
        interface = options.string("interface") ?? interface
        iceServers = Self.iceServers(options.string("iceservers"))
    }

    /// From a protocols entry (`{"connector":"WebRTC","pubhost":...}`).
    init(entry: JSONValue) {
        self.init(
            string: { entry[$0].isNull ? nil : entry[$0].asString }, integer: { entry[$0].intValue },
            flag: { entry[$0].asBool })
        if let text = entry["interface"].stringValue, !text.isEmpty { interface = text }
        iceServers =
            entry["iceservers"].arrayValue.map(Self.iceServers) ?? Self.iceServers(entry["iceservers"].stringValue)
    }

    /// The settings both sources name alike, read through their accessors.
    private init(string: (String) -> String?, integer: (String) -> Int64?, flag: (String) -> Bool) {
        publicHosts = Self.hosts(string("pubhost") ?? "")
        overridePort = Int(clamping: integer("override_port") ?? 0)
        controlPrefix = string("ctrlprefix") ?? ""
        nackDisabled = flag("nackdisable")
        maximumPacket = Self.packetSize(integer("maxpktsize"))
        videoCodecs = Self.codecs(string("preferredvideocodec"), from: Self.defaultVideoCodecs)
        audioCodecs = Self.codecs(string("preferredaudiocodec"), from: Self.defaultAudioCodecs)
        nackAfter = Self.count(integer("nacktimeout"), nackAfter)
        lostAfter = Self.count(integer("losttimeout"), lostAfter)
        mobileNackAfter = Self.count(integer("nacktimeoutmobile"), mobileNackAfter)
        mobileLostAfter = Self.count(integer("losttimeoutmobile"), mobileLostAfter)
    }

    /// When a publisher with `userAgent` NACKs and gives up on a missing packet; NACKs come
    /// before giving up, and both within what a reorder buffer holds.
    func reorder(userAgent: String) -> (nackAfter: Int, dropAfter: Int) {
        let mobile = userAgent.contains("Mobi")
        let nack = mobile ? mobileNackAfter : nackAfter
        let drop = mobile ? mobileLostAfter : lostAfter
        return (nack, max(nack + 1, drop))
    }

    /// The RTCIceServer objects of a JSON array given as text.
    static func iceServers(_ text: String?) -> [JSONValue] {
        guard let text, !text.isEmpty, let parsed = try? JSONParser.parse(text), let servers = parsed.arrayValue else {
            return []
        }
        return iceServers(servers)
    }

    /// The objects among `servers` (at most 16).
    static func iceServers(_ servers: [JSONValue]) -> [JSONValue] {
        Array(servers.filter { $0.objectValue != nil }.prefix(16))
    }

    /// RFC 9725's `Link` headers for the ICE servers (one per URL), each line ending in CRLF.
    var iceLinkHeaders: String {
        var lines: [String] = []
        for server in iceServers {
            let urls =
                server["urls"].arrayValue?.compactMap(\.stringValue)
                ?? [server["urls"].stringValue ?? server["url"].stringValue].compactMap { $0 }
            var attributes = ""
            for (name, key) in [
                ("username", "username"), ("credential", "credential"), ("credential-type", "credentialType"),
            ] {
                if let value = server[key].stringValue { attributes += "; \(name)=\"\(Self.quoted(value))\"" }
            }
            for url in urls where !url.isEmpty {
                lines.append("Link: <\(Self.quoted(url))>; rel=\"ice-server\"\(attributes)\r\n")
            }
        }
        return lines.joined()
    }

    /// Text safe inside a header's quoted string: no line breaks, quotes or angle brackets.
    private static func quoted(_ text: String) -> String {
        String(
            text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && !"\"<>\\".unicodeScalars.contains($0) }
        )
    }

    /// A packet count from a setting: unset or 0 keeps `fallback`; at most 1000.
    private static func count(_ value: Int64?, _ fallback: Int) -> Int {
        guard let value, value > 0 else { return fallback }
        return Int(min(value, 1000))
    }

    /// The known codecs a comma-separated list names, in its order (case as MistServer spells
    /// them); all of `known` when it names none.
    static func codecs(_ text: String?, from known: [String]) -> [String] {
        var chosen: [String] = []
        for name in (text ?? "").split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let codec = known.first(where: { $0.lowercased() == trimmed.lowercased() }),
                !chosen.contains(codec)
            else { continue }
            chosen.append(codec)
        }
        return chosen.isEmpty ? known : chosen
    }

    private static func hosts(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }

    /// `maxpktsize` bounded to what RTP over UDP can use; unset or 0 is the default.
    private static func packetSize(_ value: Int64?) -> Int {
        guard let value, value > 0 else { return Int(defaultPacketSize) }
        return Int(min(max(value, 300), 1472 - 28))
    }
}
