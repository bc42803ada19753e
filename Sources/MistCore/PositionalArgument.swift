/// A command line argument given by position rather than by flag (an input's source, say).
public struct PositionalArgument: Sendable {
    /// The name the parsed value is read by.
    public var key: String
    public var help: String
    /// Value used when the argument is left out; nil makes it required.
    public var defaultValue: String?

    public init(_ key: String, help: String, default defaultValue: String? = nil) {
        self.key = key
        self.help = help
        self.defaultValue = defaultValue
    }
}
