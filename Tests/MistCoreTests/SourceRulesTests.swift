import Foundation
import Testing

/// Rules the hardening put in place, checked over every source file so they cannot come back:
/// no process-wide SIGCHLD change, no inheritable pipes or sockets, no fork, no trapping
/// conversion idiom on outside numbers, no `try!`.
@Suite struct SourceRulesTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Every line of every Swift source, with its file and number, comments left out.
    static func lines() throws -> [(file: String, number: Int, text: String)] {
        var result: [(String, Int, String)] = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                result.append((file, index + 1, String(line)))
            }
        }
        return result
    }

    @Test func theHardeningRulesHoldInEverySourceFile() throws {
        let lines = try Self.lines()
        #expect(lines.count > 10_000, "the sources were found at \(Self.sources.path)")
        let rules: [(name: String, pattern: String, exempt: (String) -> Bool)] = [
            ("SIGCHLD's disposition is the process's, not a library's", #"signal\(SIGCHLD"#, { _ in false }),
            (
                "pipes are made close-on-exec (ChildProcess.closeOnExecPipe)", #"(^|[^_a-zA-Z0-9])pipe\(&"#,
                { _ in false }
            ),
            ("processes are spawned, never forked", #"(^|[^_a-zA-Z0-9.])(v?fork)\(\)"#, { _ in false }),
            // (The exemption sees the line and the next, as a call may be wrapped.)
            ("sockets are made close-on-exec", #"Glibc\.socket\("#, { $0.contains("CLOEXEC") }),
            (
                "numbers from outside convert with clamping, not IntN(max(0, ...))",
                #"\b(U?Int(8|16|32|64)?)\(max\(0,"#, { _ in false }
            ),
            ("no try! on anything", #"\btry!"#, { _ in false }),
        ]
        for rule in rules {
            let regex = try NSRegularExpression(pattern: rule.pattern)
            let broken = lines.indices.filter { index in
                let line = lines[index].text
                let next =
                    index + 1 < lines.count && lines[index + 1].file == lines[index].file ? lines[index + 1].text : ""
                return regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
                    && !rule.exempt(line + next)
            }.map { lines[$0] }
            #expect(broken.isEmpty, "\(rule.name): \(broken.map { "\($0.file):\($0.number)" })")
        }
    }
}
