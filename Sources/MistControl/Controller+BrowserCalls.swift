import MistData

/// Which API calls a page of another origin may make: only those that read.
extension Controller {
    /// Calls that only read, which a page of another origin may make (after logging in).
    static let readOnlyCalls: Set<String> = [
        "authorize", "logout", "minimal", "capabilities", "log", "clients", "totals", "active_streams",
        "stats_streams", "push_list", "push_auto_list", "variable_list", "external_writer_list", "browse", "version",
        "api_endpoint", "stream_tags", "streamkeys", "trigger_stat", "proc_list",
    ]
    /// Calls that read when given no object and change something when given one.
    static let readUnlessObjectCalls: Set<String> = ["config", "streams", "push_settings", "ui_settings"]

    /// The members of `request` that would change something (creating the first account too).
    static func changingCalls(in request: JSONValue) -> [String] {
        guard case .object(let members) = request else { return [] }
        return members.keys.filter { name in
            let value = request[name]
            if name == "authorize" { return value.hasMember("new_username") || value.hasMember("new_password") }
            if readOnlyCalls.contains(name) { return false }
            if readUnlessObjectCalls.contains(name) { return value.isObject }
            return true
        }.sorted()
    }
}
