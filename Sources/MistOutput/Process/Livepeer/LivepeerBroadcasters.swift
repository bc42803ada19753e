import MistData

/// The broadcasters a Livepeer process may upload to, and the one it uses now: MistServer's
/// `hardcoded_broadcasters` (a JSON array of addresses or of `{"address": ...}` objects, or one
/// `http...` address), or the list Livepeer's API answers on `/broadcaster`. A failed upload
/// switches to another one picked at random.
struct LivepeerBroadcasters {
    private(set) var addresses: [String]
    private(set) var current: String
    /// Times the process moved to another broadcaster.
    private(set) var switches = 0

    /// A list of addresses from `hardcoded_broadcasters` or the API's answer; nil when it names none.
    init?(_ list: JSONValue) {
        var addresses: [String] = []
        for entry in list.arrayValue ?? [] {
            let address = entry.stringValue ?? entry["address"].stringValue ?? ""
            if !address.isEmpty && !addresses.contains(address) { addresses.append(address) }
        }
        guard let first = addresses.randomElement() else { return nil }
        self.addresses = addresses
        current = first
    }

    /// `hardcoded_broadcasters` as the option takes it: a JSON array, or one address.
    static func hardcoded(_ text: String) -> JSONValue? {
        if text.hasPrefix("[") { return try? JSONParser.parse(Array(text.utf8)) }
        if text.hasPrefix("h") { return [.string(text)] }
        return nil
    }

    /// Moves to another broadcaster at random; false when there is no other.
    mutating func switchAway() -> Bool {
        guard let next = addresses.filter({ $0 != current }).randomElement() else { return false }
        current = next
        switches += 1
        return true
    }

    /// The upload URL of segment `number` of transcode `id` on the current broadcaster.
    func uploadURL(id: String, number: UInt64) -> String {
        (current.hasSuffix("/") ? String(current.dropLast()) : current) + "/live/\(id)/\(number).ts"
    }
}
