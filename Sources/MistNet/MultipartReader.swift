#if canImport(Glibc)
    import Glibc
#endif

/// The parts of a `multipart/*` body (RFC 2046), as a Livepeer broadcaster answers a segment
/// with one part per rendition: each part's headers (names lower-cased) and its bytes, sliced
/// from the body without copying. Bodies that do not follow the format throw; nothing traps.
public enum MultipartReader {
    public struct Part: Sendable {
        /// Header names lower-cased; values trimmed.
        public var headers: [String: String]
        public var body: ArraySlice<UInt8>
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noBoundary(String)
        case malformed(String)
        case tooManyParts(Int)

        public var description: String {
            switch self {
            case .noBoundary(let type): return "no multipart boundary in content type \"\(type)\""
            case .malformed(let what): return "malformed multipart body: \(what)"
            case .tooManyParts(let limit): return "more than \(limit) parts in a multipart body"
            }
        }
    }

    /// The boundary a `multipart/...; boundary=...` content type names (quoted or not).
    public static func boundary(contentType: String) throws(Failure) -> String {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: " \t").lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: " \t")
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            // RFC 2046 allows 1 to 70 characters.
            if (1...70).contains(value.utf8.count) { return value }
        }
        throw .noBoundary(contentType)
    }

    /// The parts of `body` delimited by `boundary`, at most `maximumParts`; the preamble and the
    /// epilogue are skipped.
    public static func parts(_ body: [UInt8], boundary: String, maximumParts: Int = 64) throws(Failure) -> [Part] {
        let delimiter = Array(("--" + boundary).utf8)
        let lineDelimiter = Array(("\r\n--" + boundary).utf8)
        // The first delimiter may open the body without a line break before it.
        var position: Int
        if body.starts(with: delimiter) {
            position = delimiter.count
        } else if let found = find(lineDelimiter, in: body, from: 0) {
            position = found + lineDelimiter.count
        } else {
            throw .malformed("no boundary line")
        }
        var parts: [Part] = []
        while true {
            // "--" after a delimiter closes the body.
            if body.count >= position + 2 && body[position] == 0x2D && body[position + 1] == 0x2D { return parts }
            // The rest of the delimiter line (transport padding) up to its CRLF.
            guard let lineEnd = find([0x0D, 0x0A], in: body, from: position) else {
                throw .malformed("boundary line without an end")
            }
            let partStart = lineEnd + 2
            guard let next = find(lineDelimiter, in: body, from: partStart) else {
                throw .malformed("part without a closing boundary")
            }
            guard parts.count < maximumParts else { throw .tooManyParts(maximumParts) }
            let headerEnd: Int
            let bodyStart: Int
            if body.count >= partStart + 2 && body[partStart] == 0x0D && body[partStart + 1] == 0x0A {
                (headerEnd, bodyStart) = (partStart, partStart + 2)
            } else if let blank = find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: partStart), blank < next {
                (headerEnd, bodyStart) = (blank, blank + 4)
            } else {
                throw .malformed("part headers without an end")
            }
            // The line break that ends the headers may be the one that opens the next delimiter:
            // the part is then empty.
            let bodyRange = min(bodyStart, next)..<next
            parts.append(Part(headers: headers(body[partStart..<headerEnd]), body: body[bodyRange]))
            position = next + lineDelimiter.count
        }
    }

    /// `Name: value` lines, names lower-cased; lines without a colon are skipped.
    static func headers(_ bytes: ArraySlice<UInt8>) -> [String: String] {
        var headers: [String: String] = [:]
        for line in bytes.split(separator: 0x0A) {
            let text = String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { continue }
            let name = text[..<colon].trimmingCharacters(in: " \t").lowercased()
            headers[name] = text[text.index(after: colon)...].trimmingCharacters(in: " \t")
        }
        return headers
    }

    /// Where `needle` first occurs in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard start >= 0, !needle.isEmpty, haystack.count - start >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pin in
                guard let base = hay.baseAddress, let first = pin.first, let pinBase = pin.baseAddress else {
                    return nil
                }
                var position = start
                let last = hay.count - pin.count
                while position <= last {
                    guard let hit = memchr(base + position, Int32(first), last - position + 1) else { return nil }
                    let index = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + index, pinBase, pin.count) == 0 { return index }
                    position = index + 1
                }
                return nil
            }
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        let trimmed = drop { characters.contains($0) }
        return String(trimmed.reversed().drop { characters.contains($0) }.reversed())
    }
}
