import CSRT

/// One of libsrt's socket options under the name MistServer's URLs and `sockopts` use
/// (`latency`, `passphrase`, `streamid` ...), with how its value is read. Options set after
/// connecting (`inputbw`, `oheadbw`, `snddropdelay`) are `afterConnect`.
public struct SRTOption: Sendable {
    enum Kind: Sendable {
        case int
        case int64
        case bool
        case string(maximum: Int)
        case transmissionType
    }

    public let name: String
    let option: SRT_SOCKOPT
    let kind: Kind
    public let afterConnect: Bool

    /// Every option a URL may name, MistServer's list.
    public static let all: [String: SRTOption] = Dictionary(
        uniqueKeysWithValues: [
            SRTOption("transtype", SRTO_TRANSTYPE, .transmissionType),
            SRTOption("maxbw", SRTO_MAXBW, .int64),
            SRTOption("pbkeylen", SRTO_PBKEYLEN, .int),
            SRTOption("passphrase", SRTO_PASSPHRASE, .string(maximum: 79)),
            SRTOption("mss", SRTO_MSS, .int),
            SRTOption("fc", SRTO_FC, .int),
            SRTOption("sndbuf", SRTO_SNDBUF, .int),
            SRTOption("rcvbuf", SRTO_RCVBUF, .int),
            SRTOption("ipttl", SRTO_IPTTL, .int),
            SRTOption("iptos", SRTO_IPTOS, .int),
            SRTOption("inputbw", SRTO_INPUTBW, .int64, afterConnect: true),
            SRTOption("oheadbw", SRTO_OHEADBW, .int, afterConnect: true),
            SRTOption("latency", SRTO_LATENCY, .int),
            SRTOption("tsbpdmode", SRTO_TSBPDMODE, .bool),
            SRTOption("tsbpd", SRTO_TSBPDMODE, .bool),
            SRTOption("tlpktdrop", SRTO_TLPKTDROP, .bool),
            SRTOption("snddropdelay", SRTO_SNDDROPDELAY, .int, afterConnect: true),
            SRTOption("nakreport", SRTO_NAKREPORT, .bool),
            SRTOption("conntimeo", SRTO_CONNTIMEO, .int),
            SRTOption("lossmaxttl", SRTO_LOSSMAXTTL, .int),
            SRTOption("rcvlatency", SRTO_RCVLATENCY, .int),
            SRTOption("peerlatency", SRTO_PEERLATENCY, .int),
            SRTOption("minversion", SRTO_MINVERSION, .int),
            SRTOption("streamid", SRTO_STREAMID, .string(maximum: 512)),
            SRTOption("congestion", SRTO_CONGESTION, .string(maximum: 16)),
            SRTOption("messageapi", SRTO_MESSAGEAPI, .bool),
            SRTOption("kmrefreshrate", SRTO_KMREFRESHRATE, .int),
            SRTOption("kmpreannounce", SRTO_KMPREANNOUNCE, .int),
            SRTOption("enforcedencryption", SRTO_ENFORCEDENCRYPTION, .bool),
            SRTOption("peeridletimeo", SRTO_PEERIDLETIMEO, .int),
            SRTOption("packetfilter", SRTO_PACKETFILTER, .string(maximum: 512)),
        ].map { ($0.name, $0) })

    init(_ name: String, _ option: SRT_SOCKOPT, _ kind: Kind, afterConnect: Bool = false) {
        self.name = name
        self.option = option
        self.kind = kind
        self.afterConnect = afterConnect
    }

    /// Sets `value` on `socket`; a value this option cannot take throws.
    func apply(_ value: String, to socket: SRTSOCKET) throws(SRTError) {
        let result: Int32
        switch kind {
        case .int:
            guard let number = Int32(value) else { throw .badOption(name, value) }
            result = withUnsafeBytes(of: number) { srt_setsockflag(socket, option, $0.baseAddress, 4) }
        case .int64:
            guard let number = Int64(value) else { throw .badOption(name, value) }
            result = withUnsafeBytes(of: number) { srt_setsockflag(socket, option, $0.baseAddress, 8) }
        case .bool:
            let flag: Int32
            switch value.lowercased() {
            case "1", "true", "yes", "on", "": flag = 1
            case "0", "false", "no", "off": flag = 0
            default: throw .badOption(name, value)
            }
            result = withUnsafeBytes(of: flag) { srt_setsockflag(socket, option, $0.baseAddress, 4) }
        case .string(let maximum):
            let bytes = Array(value.utf8)
            guard bytes.count <= maximum else { throw .badOption(name, value) }
            result = bytes.withUnsafeBytes { srt_setsockflag(socket, option, $0.baseAddress, Int32($0.count)) }
        case .transmissionType:
            let type: SRT_TRANSTYPE
            switch value.lowercased() {
            case "live", "": type = SRTT_LIVE
            case "file": type = SRTT_FILE
            default: throw .badOption(name, value)
            }
            result = withUnsafeBytes(of: type) {
                srt_setsockflag(socket, option, $0.baseAddress, Int32(MemoryLayout<SRT_TRANSTYPE>.size))
            }
        }
        if result == SRT_ERROR { throw .badOption(name, value + " (" + SRTLibrary.lastError + ")") }
    }

    /// The connection mode a URL asks for (MistServer's rule): `mode=caller|client`,
    /// `listener|server`, `rendezvous`; by default a listener when the URL has no host.
    public static func mode(_ parameters: [String: String], host: String) -> String? {
        switch parameters["mode"] ?? "default" {
        case "client", "caller": return "caller"
        case "server", "listener": return "listener"
        case "rendezvous", "rendezvouz": return "rendezvous"
        case "default": return host.isEmpty ? "listener" : "caller"
        default: return nil
        }
    }
}
