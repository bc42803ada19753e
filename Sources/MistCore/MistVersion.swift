/// The suite's version, reported by `-V` and in every capability JSON.
public enum MistVersion {
    /// MistServer-compatible version number of the suite.
    public static let version = "3.10"
    /// This implementation's own release.
    public static let release = "MistSwift 0.1.0"
}
