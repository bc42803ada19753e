import MistCore
import MistNet

extension HTTPRequestHead {
    /// The path with its percent escapes decoded.
    var decodedPath: String { URLQuery.decode(Array(path.utf8)) }

    /// The query's parameters (a name given twice keeps its last value).
    var parameters: [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in URLQuery.parse(Array(query.utf8)) { parameters[name] = value }
        return parameters
    }
}
