/// Status bits of a users-table record (MistServer's COMM_STATUS values).
public enum UserStatus {
    public static let invalid: UInt8 = 0x00
    public static let active: UInt8 = 0x01
    /// Do not send this process a kill on shutdown.
    public static let noKill: UInt8 = 0x08
    /// The input asks this user to disconnect.
    public static let requestDisconnect: UInt8 = 0x10
    public static let disconnected: UInt8 = 0x20
    /// Does not count as a viewer (keeps no buffer alive).
    public static let doNotTrack: UInt8 = 0x40
    /// The source of the track, not a viewer.
    public static let source: UInt8 = 0x80
}
