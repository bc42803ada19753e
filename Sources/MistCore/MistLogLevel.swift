import Logging

/// MistServer's message levels (`-g` sets the highest one written) and their names in log lines.
public enum MistLogLevel: Int, Sendable, Comparable, CaseIterable {
    case none = 0
    case fail = 1
    case error = 2
    case warn = 3
    case info = 4
    case medium = 5
    case high = 6
    case veryHigh = 7
    case extreme = 8
    case insane = 9
    case dontEven = 10

    /// The level a process logs at when `-g` is not given.
    public static let defaultLevel = MistLogLevel.info

    /// The name written in log lines (`"WARN"`, `"VERYHIGH"` ...).
    public var label: String {
        switch self {
        case .none: return "NONE"
        case .fail: return "FAIL"
        case .error: return "ERROR"
        case .warn: return "WARN"
        case .info: return "INFO"
        case .medium: return "MEDIUM"
        case .high: return "HIGH"
        case .veryHigh: return "VERYHIGH"
        case .extreme: return "EXTREME"
        case .insane: return "INSANE"
        case .dontEven: return "DONTEVEN"
        }
    }

    /// The level for a line's label; MistServer's controller-only kinds (`CONF`, `STRM`, `AUTH`,
    /// `DEVEL`) count as INFO.
    public init?(label: Substring) {
        if let level = MistLogLevel.allCases.first(where: { $0.label[...] == label }) {
            self = level
            return
        }
        switch label {
        case "CONF", "STRM", "AUTH", "DEVEL", "ACCS": self = .info
        default: return nil
        }
    }

    /// The swift-log level a message of this level is sent with; as a handler's threshold, the
    /// least verbose swift-log level that lets every message up to this one through.
    public var loggerLevel: Logger.Level {
        switch self {
        case .none, .fail: return .critical
        case .error: return .error
        case .warn: return .warning
        case .info: return .info
        case .medium: return .debug
        case .high, .veryHigh, .extreme, .insane, .dontEven: return .trace
        }
    }

    /// The level of a message sent through swift-log without a Mist level attached.
    public init(_ level: Logger.Level) {
        switch level {
        case .critical: self = .fail
        case .error: self = .error
        case .warning: self = .warn
        case .notice, .info: self = .info
        case .debug: self = .medium
        case .trace: self = .high
        }
    }

    public static func < (lhs: MistLogLevel, rhs: MistLogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
