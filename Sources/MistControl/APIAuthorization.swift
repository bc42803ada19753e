import MistData

#if canImport(Glibc)
    import Glibc
#endif

/// MistServer's API login: a per-client, per-day challenge, and passwords proven as
/// `md5(md5(password) + challenge)`.
public enum APIAuthorization {
    /// What one login attempt came to.
    public enum Outcome: Sendable, Equatable {
        case authorized
        /// Not authorised; `failedPassword` when a wrong non-empty password was given.
        case refused(failedPassword: Bool)
    }

    /// `md5("<day>-<month from 0>-<year>" + host)`, in local time: stable for one client for a day.
    public static func challenge(host: String, at time: time_t = Glibc.time(nil)) -> String {
        var now = time
        var parts = tm()
        localtime_r(&now, &parts)
        return ControllerConfig.md5Hex("\(parts.tm_mday)-\(parts.tm_mon)-\(parts.tm_year + 1900)" + host)
    }

    /// Checks `request["authorize"]` against the stored accounts and writes the `authorize` reply
    /// into `response`: `OK`, `CHALL` with the challenge, `NOACC` when no account exists (then
    /// `new_username`/`new_password` create the first one: `ACC_MADE`).
    public static func authorize(
        _ request: JSONValue, response: inout JSONValue, storage: inout JSONValue, host: String
    ) -> Outcome {
        let challenge = self.challenge(host: host)
        let login = request["authorize"]
        var failedPassword = false
        if let user = login["username"].stringValue, !user.isEmpty {
            let stored = storage["account"][user]["password"]
            if stored.isString, ControllerConfig.md5Hex(stored.asString + challenge) == login["password"].asString {
                response["authorize"] = ["status": "OK"]
                return .authorized
            }
            failedPassword = !login["password"].asString.isEmpty
        }
        var reply: JSONValue = ["status": "CHALL", "challenge": .string(challenge)]
        if !storage["account"].asBool {
            reply["status"] = "NOACC"
            let newUser = login["new_username"]
            let newPassword = login["new_password"]
            if newUser.asBool && newPassword.asBool {
                storage["account"][newUser.asString] = [
                    "password": .string(ControllerConfig.md5Hex(newPassword.asString))
                ]
                reply["status"] = "ACC_MADE"
            } else {
                reply.removeMember("challenge")
            }
        }
        response["authorize"] = reply
        return .refused(failedPassword: failedPassword)
    }
}
