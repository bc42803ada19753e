import MistMedia

/// What reads a process's program output (MPEG-TS or Matroska) back into the DTSC frames the
/// sink's buffer takes.
protocol PipedIngest {
    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(MediaError) -> [UInt8]
    /// The newest frame time handed on.
    var lastTime: UInt64 { get }
    /// What the reader found wrong with the output, for the log.
    var warnings: [String] { get }
}

extension TSIngest: PipedIngest {}

extension MatroskaIngest: PipedIngest {
    var warnings: [String] { [] }
}
