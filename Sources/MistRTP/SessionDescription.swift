/// An SDP document (RFC 8866) as RTSP and WebRTC use it: the session's lines, then one section
/// per medium with its payload formats (`rtpmap`), their parameters (`fmtp`) and the other
/// attributes in order. Parsing is bounded (size, lines) and throws `SDPError`; writing gives
/// CRLF-ended lines in the order read or built.
public struct SessionDescription: Sendable, Equatable {
    /// One `m=` section.
    public struct Media: Sendable, Equatable {
        /// `audio`, `video`, `application` ...
        public var kind: String
        public var port: Int
        /// `RTP/AVP`, `UDP/TLS/RTP/SAVPF` ...
        public var transport: String
        /// The payload type numbers (or other format names) in preference order.
        public var formats: [String]
        /// The section's other lines (`c=`, `b=`, `i=` ...) as `(type, value)`, in order.
        public var lines: [(type: Character, value: String)]
        /// `a=` lines as `(name, value)`; value nil for a flag attribute (`a=sendonly`).
        public var attributes: [(name: String, value: String?)]

        public init(
            kind: String, port: Int, transport: String, formats: [String],
            lines: [(type: Character, value: String)] = [], attributes: [(name: String, value: String?)] = []
        ) {
            self.kind = kind
            self.port = port
            self.transport = transport
            self.formats = formats
            self.lines = lines
            self.attributes = attributes
        }

        /// The first value of attribute `name`.
        public func attribute(_ name: String) -> String? {
            attributes.first { $0.name == name }?.value
        }

        /// `a=rtpmap` of payload type `format`: encoding name, clock rate and channels. Without
        /// one, the static payload types G.711 senders leave unmapped (RFC 3551): 0 is µ-law and
        /// 8 is A-law, mono at 8 kHz.
        public func rtpmap(_ format: String) -> (encoding: String, clockRate: Int, channels: Int?)? {
            for (name, value) in attributes where name == "rtpmap" {
                guard let value, let space = value.firstIndex(of: " "), value[..<space] == format else { continue }
                let parts = value[value.index(after: space)...].split(separator: "/")
                guard parts.count >= 2, let rate = Int(parts[1]) else { return nil }
                return (String(parts[0]), rate, parts.count > 2 ? Int(parts[2]) : nil)
            }
            switch format {
            case "0": return ("PCMU", 8000, 1)
            case "8": return ("PCMA", 8000, 1)
            default: return nil
            }
        }

        /// `a=fmtp` of payload type `format` as parameters (names lower-cased).
        public func fmtp(_ format: String) -> [String: String] {
            for (name, value) in attributes where name == "fmtp" {
                guard let value, let space = value.firstIndex(of: " "), value[..<space] == format else { continue }
                var parameters: [String: String] = [:]
                for pair in value[value.index(after: space)...].split(separator: ";") {
                    let trimmed = pair.drop { $0 == " " || $0 == "\t" }
                    guard let equals = trimmed.firstIndex(of: "=") else { continue }
                    parameters[trimmed[..<equals].lowercased()] = String(trimmed[trimmed.index(after: equals)...])
                }
                return parameters
            }
            return [:]
        }

        public static func == (left: Media, right: Media) -> Bool {
            left.kind == right.kind && left.port == right.port && left.transport == right.transport
                && left.formats == right.formats
                && left.lines.map { "\($0.type)=\($0.value)" }
                    == right.lines.map { "\($0.type)=\($0.value)" }
                && left.attributes.map { "\($0.name):\($0.value ?? "")" }
                    == right.attributes.map { "\($0.name):\($0.value ?? "")" }
        }
    }

    /// The session-level lines other than `a=` and `m=` (`v=`, `o=`, `s=`, `c=`, `t=` ...), in order.
    public var lines: [(type: Character, value: String)]
    public var attributes: [(name: String, value: String?)]
    public var media: [Media]

    public init(
        lines: [(type: Character, value: String)], attributes: [(name: String, value: String?)] = [],
        media: [Media] = []
    ) {
        self.lines = lines
        self.attributes = attributes
        self.media = media
    }

    /// The most bytes and lines a description may have.
    public static let maximumBytes = 64 * 1024
    public static let maximumLines = 2048

    /// Reads `text`; lines end in CRLF, LF or CR.
    public init(parsing text: String) throws(SDPError) {
        guard text.utf8.count <= Self.maximumBytes else { throw .tooLarge(text.utf8.count) }
        lines = []
        attributes = []
        media = []
        var count = 0
        var sawVersion = false
        // CR, LF and CRLF all end a line, so no value keeps a CR that writing would duplicate.
        for line in text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        {
            count += 1
            guard count <= Self.maximumLines else { throw .tooManyLines }
            guard line.count >= 2, let type = line.first, line.dropFirst().first == "=", type.isLetter,
                type.isASCII
            else { throw .badLine(count, String(line.prefix(80))) }
            let value = String(line.dropFirst(2))
            if !sawVersion {
                guard type == "v", value == "0" else { throw .badLine(count, "the first line must be v=0") }
                sawVersion = true
            }
            switch type {
            case "m":
                let parts = value.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count >= 4, let port = Int(parts[1].prefix { $0 != "/" }), (0...65535).contains(port)
                else { throw .badLine(count, "m=\(value.prefix(80))") }
                media.append(
                    Media(
                        kind: String(parts[0]), port: port, transport: String(parts[2]),
                        formats: parts[3...].map(String.init)))
            case "a":
                let attribute: (name: String, value: String?)
                if let colon = value.firstIndex(of: ":") {
                    attribute = (String(value[..<colon]), String(value[value.index(after: colon)...]))
                } else {
                    attribute = (value, nil)
                }
                if media.isEmpty {
                    attributes.append(attribute)
                } else {
                    media[media.count - 1].attributes.append(attribute)
                }
            default:
                if media.isEmpty {
                    lines.append((type, value))
                } else {
                    media[media.count - 1].lines.append((type, value))
                }
            }
        }
        guard sawVersion else { throw .badLine(0, "empty description") }
    }

    /// The first value of session attribute `name`.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The description as text, every line ended with CRLF.
    public var text: String {
        var out = ""
        func line(_ type: Character, _ value: String) { out += "\(type)=\(value)\r\n" }
        for (type, value) in lines { line(type, value) }
        for (name, value) in attributes { line("a", value.map { "\(name):\($0)" } ?? name) }
        for section in media {
            line("m", "\(section.kind) \(section.port) \(section.transport) \(section.formats.joined(separator: " "))")
            for (type, value) in section.lines { line(type, value) }
            for (name, value) in section.attributes { line("a", value.map { "\(name):\($0)" } ?? name) }
        }
        return out
    }

    public static func == (left: SessionDescription, right: SessionDescription) -> Bool {
        left.text == right.text
    }
}

/// Why an SDP document could not be read.
public enum SDPError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(Int)
    case tooManyLines
    /// Line `number` (1-based) is not `<letter>=<value>`, or breaks the grammar.
    case badLine(Int, String)

    public var description: String {
        switch self {
        case .tooLarge(let size): return "SDP of \(size) bytes is over \(SessionDescription.maximumBytes)"
        case .tooManyLines: return "SDP has over \(SessionDescription.maximumLines) lines"
        case .badLine(let number, let text): return "SDP line \(number) is malformed: \(text)"
        }
    }
}
