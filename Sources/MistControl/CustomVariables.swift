import Logging
import MistCore
import MistData
import MistNet
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The custom variables of `storage["variables"]`: the API's edits (`variable_add`,
/// `variable_remove`) and the refresh of dynamic ones (a command's output or a URL's body,
/// every `interval` seconds), as MistServer keeps them.
enum CustomVariables {
    /// Applies `variable_add`; an error text when the request has neither form.
    static func add(_ request: JSONValue, to variables: inout JSONValue) -> String? {
        if !variables.isObject { variables = .emptyObject }
        var name: String
        var entry: JSONValue
        if let list = request.arrayValue {
            guard (2...5).contains(list.count), let first = list[0].stringValue else {
                return "variable_add takes [name, value] or [name, target, interval, value, waitTime]"
            }
            name = first
            entry = .emptyObject
            if list.count == 2 {
                entry["value"] = .string(list[1].asString)
            } else {
                entry["target"] = .string(list[1].asString)
                entry["interval"] = list[2].doubleValue != nil ? list[2] : .int(Int64(list[2].asString) ?? 0)
                if list.count > 3 { entry["value"] = .string(list[3].asString) }
                if list.count > 4 { entry["waitTime"] = list[4] }
            }
        } else if request.isObject, let given = request["name"].stringValue {
            name = given
            entry = variables[given].isObject ? variables[given] : .emptyObject
            for key in ["target", "interval", "value", "waitTime"] where request.hasMember(key) {
                entry[key] = request[key]
            }
        } else {
            return "variable_add takes [name, value] or an object with a name"
        }
        name = String(name.prefix(31))
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            return "variable names are letters, digits and _"
        }
        if let target = entry["target"].stringValue { entry["target"] = .string(String(target.prefix(512))) }
        if !entry.hasMember("value") { entry["value"] = "" }
        if entry["target"].stringValue?.isEmpty ?? true {
            entry.removeMember("target")
            entry.removeMember("interval")
            entry.removeMember("waitTime")
        }
        variables[name] = entry
        return nil
    }

    static func remove(_ request: JSONValue, from variables: inout JSONValue) {
        let names = request.arrayValue?.compactMap(\.stringValue) ?? [request.stringValue].compactMap { $0 }
        for name in names { variables.removeMember(name) }
    }

    /// The names of dynamic variables due for a refresh at unix time `now`.
    static func due(_ variables: JSONValue, now: Int64) -> [(name: String, target: String, wait: Double)] {
        var list: [(name: String, target: String, wait: Double)] = []
        for (name, entry) in variables.objectValue ?? JSONObject() {
            guard let target = entry["target"].stringValue, !target.isEmpty else { continue }
            let interval = entry["interval"].doubleValue ?? 0
            let last = entry["lastunix"].intValue
            let isDue = last == nil || (interval > 0 && Double(now - (last ?? 0)) >= interval)
            if isDue {
                let wait = entry["waitTime"].doubleValue ?? (interval > 0 ? interval : 10)
                list.append((name, target, max(1, wait)))
            }
        }
        return list
    }

    /// Runs a dynamic variable's target: its output, trimmed and cut to 127 bytes, or nil.
    static func evaluate(name: String, target: String, wait: Double) -> String? {
        var output: [UInt8]
        if target.hasPrefix("http://") {
            guard
                let response = try? HTTPClient.request(
                    "GET", target, headers: [("X-Custom-Variable", name), ("Content-Type", "text/plain")], body: [],
                    timeoutMilliseconds: Int(clamping: (wait * 1000).rounded()), maximumBody: 4096),
                (200..<300).contains(response.status)
            else { return nil }
            output = response.body
        } else {
            let words = split(target)
            guard let command = words.first,
                let child = try? ChildProcess.spawnPiped(
                    command, arguments: Array(words.dropFirst()), extraEnvironment: ["MIST_CUSTOM_VARIABLE=\(name)"],
                    captureOutput: true),
                let stdout = child.output
            else { return nil }
            close(child.input)
            output = []
            let deadline = monotonicSeconds() + wait
            var open = true
            while open && output.count < 128 && monotonicSeconds() < deadline {
                var entry = pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 100) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 128)
                let count = read(stdout, &chunk, 128 - output.count)
                if count <= 0 { open = false } else { output += chunk[0..<count] }
            }
            close(stdout)
            if open { kill(child.pid, SIGKILL) }
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
        }
        var text = String(decoding: output, as: UTF8.self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        return String(decoding: Array(text.utf8.prefix(127)), as: UTF8.self)
    }

    /// A command line split on spaces, with single and double quotes grouping words.
    static func split(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var started = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                started = true
            } else if character == " " || character == "\t" {
                if started || !current.isEmpty { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(character)
            }
        }
        if started || !current.isEmpty { words.append(current) }
        return words
    }
}
