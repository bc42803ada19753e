/// Errors that stop the controller from starting.
public enum ControllerError: Error, CustomStringConvertible {
    case configuration(path: String, reason: String)
    case listen(address: String, reason: String)

    public var description: String {
        switch self {
        case .configuration(let path, let reason): return "cannot use configuration \(path): \(reason)"
        case .listen(let address, let reason): return "cannot listen for the API on \(address): \(reason)"
        }
    }
}
