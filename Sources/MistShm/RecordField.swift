/// Where one field sits in each record of a record table.
public struct RecordField: Sendable, Equatable {
    public let name: String
    public let type: RecordFieldType
    /// Bytes per record.
    public let size: UInt32
    /// Offset inside a record.
    public let offset: UInt32
}
