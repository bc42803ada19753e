/// A stream's status byte in its state page (MistServer's STRMSTAT values).
public enum StreamStatus: UInt8, Sendable {
    case off = 0
    case initializing = 1
    case booting = 2
    case waiting = 3
    case ready = 4
    case shuttingDown = 5
    case invalid = 255
}
