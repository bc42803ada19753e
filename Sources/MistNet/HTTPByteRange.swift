/// A `Range: bytes=` request header resolved against a body of known length (RFC 9110 §14):
/// one range only, as players ask; several ranges get the whole body.
public enum HTTPByteRange: Sendable, Equatable {
    /// No usable range: send the whole body with 200.
    case whole
    /// Send bytes `lowerBound...upperBound` with 206 and `Content-Range`.
    case partial(ClosedRange<Int>)
    /// The range starts past the end: 416 with `Content-Range: bytes */length`.
    case unsatisfiable

    public init(header: String?, length: Int) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else {
            self = .whole
            return
        }
        let spec = header.dropFirst(6).trimmingSpaces
        guard let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // A suffix: the last N bytes.
            guard let count = Int(last), count > 0 else {
                self = Int(last) == 0 ? .unsatisfiable : .whole
                return
            }
            self = length == 0 ? .unsatisfiable : .partial(max(0, length - count)...(length - 1))
            return
        }
        guard let start = Int(first), start >= 0 else {
            self = .whole
            return
        }
        guard start < length else {
            self = .unsatisfiable
            return
        }
        if last.isEmpty {
            self = .partial(start...(length - 1))
        } else if let end = Int(last), end >= start {
            self = .partial(start...min(end, length - 1))
        } else {
            self = .whole
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
