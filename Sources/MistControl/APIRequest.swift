import MistCore
import MistData

/// One HTTP request to the API port, reduced to what the API needs: the path, the variables
/// (URL query plus a form-encoded body) and the command object.
struct APIRequest {
    var path: String
    var variables: [String: String] = [:]
    /// The command object; `.null` when the request has none or it is not valid JSON.
    var command: JSONValue = .null
    /// Why the command could not be read, when one was given.
    var commandError: String?

    init(uri: String, contentType: String?, body: [UInt8]) {
        let bytes = Array(uri.utf8)
        let question = bytes.firstIndex(of: UInt8(ascii: "?"))
        path = String(decoding: bytes[..<(question ?? bytes.endIndex)], as: UTF8.self)
        if let question {
            for (name, value) in URLQuery.parse(bytes[(question + 1)...]) where variables[name] == nil {
                variables[name] = value
            }
        }
        let type = contentType?.split(separator: ";").first.map { $0.trimmingSpaces() } ?? ""
        if type == "application/json" {
            parse(body)
            return
        }
        if !body.isEmpty && (type.isEmpty || type == "application/x-www-form-urlencoded") {
            for (name, value) in URLQuery.parse(body) { variables[name] = value }
        }
        if let text = variables["command"] { parse(Array(text.utf8)) }
    }

    private mutating func parse(_ text: [UInt8]) {
        guard !text.isEmpty else { return }
        do {
            let value = try JSONParser.parse(text)
            if value.isObject {
                command = value
            } else {
                commandError = "The command is not a JSON object"
            }
        } catch {
            commandError = "The command is not valid JSON: \(error)"
        }
    }

    /// The JSONP function name: `jsonp` wins over `callback`. Only names a browser can call are
    /// used, so the answer cannot carry script.
    var callback: String? {
        let name = variables["jsonp"].flatMap { $0.isEmpty ? nil : $0 } ?? variables["callback"]
        guard let name, !name.isEmpty,
            name.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte == UInt8(ascii: ".")
            })
        else { return nil }
        return name
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
