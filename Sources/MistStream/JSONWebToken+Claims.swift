/// The claims of a token that name what it is for: its stream (`sub`) and viewer (`ipa`).
extension JSONWebToken {
    /// Whether the token's own claims admit `stream` from `host`: its `sub` names the stream
    /// (one `*` in either may stand for any text, as MistServer compares them) and its `ipa`,
    /// when given, is the viewer's address or range.
    public func claimsAdmit(stream: String, host: String?) throws(Refusal) {
        if let subject = claims["sub"].stringValue, !subject.isEmpty, !Self.equalsWithWildcard(stream, subject) {
            throw .notPermitted("\(stream) (it is for \(subject))")
        }
        if let allowed = claims["ipa"].stringValue, let host {
            let plain = host.hasPrefix("::ffff:") ? String(host.dropFirst(7)) : host
            guard allowed == plain || allowed == host || PushPolicy.matchesHost(plain, allowed) else {
                throw .notPermitted("viewers at \(host) (it is for \(allowed))")
            }
        }
    }
}
