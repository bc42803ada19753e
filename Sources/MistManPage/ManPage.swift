import MistData

/// A man page in roff, written from a binary's capability JSON, so flags and page never disagree.
struct ManPage {
    let binary: String
    let capabilities: JSONValue

    func render() -> String {
        var page =
            ".TH \(escape(binary.uppercased())) 1 \"\" \"MistSwift \(escape(capabilities["version"].asString))\" \"MistSwift\"\n"
        page += ".SH NAME\n\(escape(binary)) \\- \(escape(summary))\n"
        page += ".SH SYNOPSIS\n.B \(escape(binary))\n[\\fIoptions\\fR]"
        if binary.hasPrefix("MistIn") { page += " [\\fIinput\\fR] [\\fIoutput\\fR]" }
        page += "\n.SH DESCRIPTION\n\(escape(capabilities["desc"].asString))\n"
        for (title, group) in [
            ("REQUIRED OPTIONS", "required"), ("OPTIONS", "optional"), ("INTERNAL OPTIONS", "internal"),
        ] {
            guard let options = capabilities[group].objectValue, !options.isEmpty else { continue }
            page += ".SH \(title)\n"
            for (key, option) in options where key != "debug" { page += item(key: key, option: option) }
        }
        page += ".SH COMMON OPTIONS\n"
        if binary.hasPrefix("MistIn") {
            page += ".TP\n.BR \\-s \", \" \\-\\-stream \" \" \\fIname\\fR\nThe stream this input serves.\n"
        }
        page += ".TP\n.BR \\-j \", \" \\-\\-json\nPrint the capabilities as JSON, then exit.\n"
        page += ".TP\n.BR \\-h \", \" \\-\\-help\nPrint usage information, then exit.\n"
        page += ".TP\n.BR \\-V \", \" \\-\\-version\nPrint the version, then exit.\n"
        page +=
            ".TP\n.BR \\-g \", \" \\-\\-debug \" \" \\fIlevel\\fR\nLog level, 0 (nothing) to 10 (everything); 4 by default.\n"
        if let sources = capabilities["source_match"].arrayValue {
            page += ".SH SOURCES\nThis input is chosen for sources matching:\n"
            for source in sources { page += ".br\n\(escape(source.asString))\n" }
        }
        for section in ManPageNotes.sections[binary] ?? [] {
            page += ".SH \(escape(section.title))\n\(escape(section.text))\n"
        }
        page += ".SH SEE ALSO\n.BR MistController (1)\n"
        return page
    }

    private var summary: String {
        let friendly = capabilities["friendly"].asString
        if !friendly.isEmpty { return friendly + " for MistSwift" }
        return capabilities["name"].asString + " for MistSwift"
    }

    private func item(key: String, option: JSONValue) -> String {
        var text = ".TP\n"
        let long = option["option"].asString
        let short = option["short"].asString
        var flags: [String] = []
        if !long.isEmpty { flags.append("\\fB\(escape(long))\\fR") }
        if !short.isEmpty { flags.append("\\fB\\-\(escape(short))\\fR") }
        if flags.isEmpty { flags.append("\\fI\(escape(key))\\fR (configuration only)") }
        text += flags.joined(separator: ", ")
        let type = option["type"].asString
        if !type.isEmpty && type != "debug" { text += " \\fI\(escape(type))\\fR" }
        var help = option["help"].asString
        if !help.hasSuffix(".") { help += "." }
        text += "\n" + escape(option["name"].asString) + ": " + escape(help)
        if option.hasMember("default") {
            let fallback = option["default"].asString
            if !fallback.isEmpty { text += " Default: \(escape(fallback))." }
        }
        if let choices = option["select"].arrayValue {
            for choice in choices {
                text += "\n.br\n\(escape(choice[0].asString)): \(escape(choice[1].asString))"
            }
        }
        return text + "\n"
    }

    /// Escapes roff's special characters; lines never start with a dot or quote.
    private func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case "\n": out += " "
            default: out.append(character)
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }
}
