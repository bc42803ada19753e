import Logging

/// One binary of the suite: its command line and its work. The thin executables and the
/// packaged multi-call binary (`mistswift`, reached through one link per name) run the same
/// programs, so a binary behaves alike however it was built.
public struct MistProgram: Sendable {
    /// The command line, as `-j` reports it; `capabilities.binary` is the program's name.
    public let capabilities: Capabilities
    /// The work, given the parsed options; returns the exit status.
    public let body: @Sendable (ParsedOptions, Logger) throws -> Int32

    public init(_ capabilities: Capabilities, body: @escaping @Sendable (ParsedOptions, Logger) throws -> Int32) {
        self.capabilities = capabilities
        self.body = body
    }

    /// The program's name: what its executable, or its link to the multi-call binary, is called.
    public var name: String { capabilities.binary }
}
