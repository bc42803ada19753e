import Logging
import MistCore
import MistData
import MistShm

/// Push stream keys (`streamkeys` in the configuration, key → stream), as every ingest checks
/// them before anything else: a push to a key goes to its stream without PUSH_REWRITE,
/// STREAM_PUSH or the `push://` host and password rules, and starts a buffer even when the
/// stream is not configured.
public enum StreamKeys {
    /// The stream `key` pushes to, when it is a key: one of `streamkeys`, or a JWT of the
    /// server's keys with the right to push, whose `sub` names the stream (without a wildcard,
    /// as MistServer wants) and whose `ipa`, when given, is the publisher's address `host`.
    public static func stream(for key: String, host: String? = nil) -> String? {
        if JSONWebToken.looksLikeToken(key), let jwt = try? JSONWebToken(key),
            let subject = jwt.claims["sub"].stringValue.map(StreamName.sanitize), !subject.isEmpty,
            !subject.contains("*"),
            ViewerSession.verdict(jwt, stream: subject, use: "input", host: host, logger: Logger(label: "keys")) == true
        {
            return subject
        }
        guard !key.isEmpty, let target = StreamKeysPage.stream(forKey: key) else { return nil }
        let stream = StreamName.sanitize(target)
        return stream.isEmpty ? nil : stream
    }
}
