#if canImport(Glibc)
    import Glibc
#endif

/// The suite's version, reported by `-V` and in every capability JSON.
public enum MistVersion {
    /// MistServer-compatible version number of the suite.
    public static let version = "3.10"
    /// This implementation's own release.
    public static let release = "MistSwift 0.1.0"

    /// The version `-j` reports. MistServer's controller runs only binaries that report exactly
    /// its own version, so beside a MistServer controller (one whose `-v` names another release)
    /// this is that controller's version; anywhere else it is `version`.
    public static func capabilityVersion(folder: String = ChildProcess.ownDirectory()) -> String {
        let controller = folder + "MistController"
        guard access(controller, X_OK) == 0,
            let result = try? ChildProcess.run(controller, arguments: ["-v"], outputLimit: 4096)
        else { return version }
        return compatibleVersion(fromVersionLine: String(decoding: result.output, as: UTF8.self)) ?? version
    }

    /// The version in a controller's `-v` line (`Version: 3.10, release Generic_x86_64`), when
    /// the release is not this suite's.
    static func compatibleVersion(fromVersionLine text: String) -> String? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Version: ") }),
            !line.contains("release MistSwift")
        else { return nil }
        let rest = line.dropFirst("Version: ".count)
        let value = rest.prefix { $0 != "," }.filter { $0 != " " }
        return value.isEmpty || value.count > 64 ? nil : String(value)
    }
}
