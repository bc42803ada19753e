/// One log message as processes of the suite exchange them.
///
/// Children write MistServer's machine format on stderr, one message per line:
/// `LEVEL|program|pid|file:line|stream|message`. The controller parses those lines and prints them
/// in its human format: `[YYYY-MM-DD hh:mm:ss] program (pid) LEVEL: message (file:line) `, with
/// `program:stream (pid)` when the message concerns a stream, as MistServer's log printer does.
public struct MistLogLine: Sendable, Equatable {
    /// The level name as written (`"WARN"`; the controller also uses `"CONF"`, `"STRM"` ...).
    public var kind: String
    public var program: String
    public var pid: Int32
    /// Source location, `file:line`, possibly empty.
    public var location: String
    /// The stream the message concerns, possibly empty.
    public var stream: String
    public var message: String

    public init(kind: String, program: String, pid: Int32, location: String, stream: String, message: String) {
        self.kind = kind
        self.program = program
        self.pid = pid
        self.location = location
        self.stream = stream
        self.message = message
    }

    /// The level, when `kind` names one.
    public var level: MistLogLevel? { MistLogLevel(label: kind[...]) }

    /// Parses a line in the machine format; nil when it is not one (a child's plain output).
    public init?(machineLine line: Substring) {
        let fields = line.split(separator: "|", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, let pid = Int32(fields[2]), !fields[0].isEmpty, fields[0].count <= 8 else {
            return nil
        }
        var message = fields[5]
        if message.last == "\n" { message = message.dropLast() }
        self.init(
            kind: String(fields[0]), program: String(fields[1]), pid: pid, location: String(fields[3]),
            stream: String(fields[4]), message: String(message))
    }

    /// The machine format (without the newline). Line breaks inside the message become spaces so
    /// one message stays one line.
    public var machineLine: String {
        "\(kind)|\(program)|\(pid)|\(location)|\(stream)|\(MistLogLine.flatten(message))"
    }

    /// The controller's human format (without the newline), `timestamp` as `YYYY-MM-DD hh:mm:ss`.
    public func humanLine(timestamp: String) -> String {
        var line = "[\(timestamp)] \(program)"
        if !stream.isEmpty { line += ":\(stream)" }
        line += " (\(pid)) \(kind): " + MistLogLine.flatten(message)
        if !location.isEmpty { line += " (\(location)) " }
        return line
    }

    static func flatten(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" }) else { return text }
        return String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
