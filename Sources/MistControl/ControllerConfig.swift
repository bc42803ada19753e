import MistCore
import MistData
import MistTLS

#if canImport(Glibc)
    import Glibc
#endif

/// The controller's configuration in MistServer's `config.json` layout (`account`, `config`,
/// `streams`, `auto_push` ...). Members the controller does not know are kept as they are, so a
/// load/save round trip never loses anything; saving is atomic.
public struct ControllerConfig: Sendable {
    public var storage: JSONValue

    public init(storage: JSONValue = .emptyObject) {
        self.storage = storage
    }

    /// Reads `path`; a missing or empty file is an empty configuration, an unreadable or invalid
    /// one an error (so it is never overwritten by accident).
    public static func load(_ path: String) throws(ControllerError) -> ControllerConfig {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            if error.code == ENOENT { return ControllerConfig() }
            throw .configuration(path: path, reason: error.reason)
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return ControllerConfig() }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .configuration(path: path, reason: error.description)
        }
        guard value.isObject else { throw .configuration(path: path, reason: "the top level is not a JSON object") }
        return ControllerConfig(storage: value)
    }

    /// Writes the configuration to `path` atomically (see `FileBytes.write`); only the owner may
    /// read it, as it holds the account hashes.
    public func save(_ path: String) throws(ControllerError) {
        do {
            try FileBytes.write((JSONWriter.pretty(storage) + "\n").utf8, to: path, mode: 0o600)
        } catch {
            throw .configuration(path: path, reason: "saving failed: \(error.reason)")
        }
    }

    /// Whether at least one account exists.
    public var hasAccount: Bool { storage["account"].count > 0 }

    /// Adds (or replaces) an account, storing the password as MistServer does: its MD5, in hex.
    public mutating func addAccount(user: String, password: String) {
        storage["account"][user] = ["password": .string(ControllerConfig.md5Hex(password))]
    }

    /// Adds an account from MistServer's `user:password` form (`-a`); false if it is malformed.
    public mutating func addAccount(_ pair: String) -> Bool {
        guard let colon = pair.firstIndex(of: ":"), colon != pair.startIndex,
            pair.index(after: colon) != pair.endIndex
        else { return false }
        addAccount(user: String(pair[..<colon]), password: String(pair[pair.index(after: colon)...]))
        return true
    }

    /// Lower-case hex MD5, MistServer's password and challenge hash.
    public static func md5Hex(_ text: String) -> String { MD5.hex(text) }
}
