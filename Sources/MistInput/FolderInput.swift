import Logging
import MistCore
import MistData
import MistShm
import MistStream

#if canImport(Glibc)
    import Glibc
#endif

/// MistInFolder: a folder whose files are streams of their own, `<stream>+<file>`. Started for
/// such a stream, it finds the file, picks the input that reads it (by the inputs' capabilities,
/// as the controller does) and becomes that input (`execv`, keeping its pid, so whoever started
/// it sees the stream come up from the process it spawned).
public enum FolderInput {
    public static let declaration = Capabilities.input(
        name: "Folder",
        description:
            "Makes every supported file in a folder available as a stream under this stream's name: file "
            + "movie.mp4 in the folder of stream 'files' plays as 'files+movie.mp4'. Subfolders are not searched.",
        extra: [
            "priority": 9,
            "source_match": "/*/",
            "source_prefill": "/",
            "source_syntax": "/[path/to/][folder]/",
            "source_file": "$source/$wildcard",
            "morphic": 1,
        ])

    /// Why a folder stream cannot play.
    public enum Failure: Error, CustomStringConvertible {
        case notAFolderStream(String)
        case notAFolder(String)
        case noFile(String)
        case noInput(String)
        case execFailed(String)

        public var description: String {
            switch self {
            case .notAFolderStream(let stream): return "stream \(stream) names no file (it needs a + in its name)"
            case .notAFolder(let path): return "\(path) is not a folder (the source must end in /)"
            case .noFile(let path): return "file not found: \(path)"
            case .noInput(let path): return "no input can read \(path)"
            case .execFailed(let reason): return "could not start the file's input: \(reason)"
            }
        }
    }

    /// The file a folder stream names: the folder plus what follows the first `+` or space.
    public static func file(stream: String, folder: String) throws(Failure) -> String {
        guard let separator = stream.firstIndex(where: { $0 == "+" || $0 == " " }) else {
            throw .notAFolderStream(stream)
        }
        let name = String(stream[stream.index(after: separator)...])
        guard folder.hasSuffix("/") else { throw .notAFolder(folder) }
        // One level only: no way out of the folder.
        guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else { throw .noFile(folder + name) }
        var info = stat()
        guard stat(String(folder.dropLast()), &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .notAFolder(folder)
        }
        let path = folder + name
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw .noFile(path) }
        return path
    }

    /// Becomes the input for the named file; returns only on failure.
    public static func run(_ options: ParsedOptions, logger: Logger) throws -> Int32 {
        let stream = options.string("streamname") ?? ""
        let path = try file(stream: stream, folder: options.string("input") ?? "")
        let inputs = ConfigPage.read(StreamPageNames.capabilities)?["inputs"] ?? .null
        guard let input = InputSelector.input(for: path, inputs: inputs), input["name"].stringValue != "Folder" else {
            throw Failure.noInput(path)
        }
        let binary = ChildProcess.ownDirectory() + (input["exec"].stringValue ?? "MistIn" + input["name"].asString)
        let configuration = StreamStarter.configuration(of: stream) ?? .emptyObject
        let arguments =
            [binary] + OptionArguments.arguments(for: configuration, capabilities: input) + ["-s", stream, path]
        logger.mist(.info, "Playing \(path) as \(stream) with \(binary.split(separator: "/").last ?? "")")
        var pointers = arguments.map { strdup($0) } + [nil]
        execv(binary, &pointers)
        throw Failure.execFailed("\(binary): \(String(cString: strerror(errno)))")
    }
}
