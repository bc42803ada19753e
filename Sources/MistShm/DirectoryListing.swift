#if canImport(Glibc)
    import Glibc
#endif

/// The entries of a folder.
public enum DirectoryListing {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var isDirectory: Bool
        public var isRegularFile: Bool
        public var isExecutable: Bool
    }

    /// Names in `folder` except `.` and `..`, in the order the system lists them; empty when the
    /// folder cannot be read.
    public static func names(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Entries of `folder` with what `stat` says of each (following links); entries that cannot be
    /// examined are left out.
    public static func entries(in folder: String) -> [Entry] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return names(in: folder).compactMap { name in
            var info = stat()
            guard stat(prefix + name, &info) == 0 else { return nil }
            let type = info.st_mode & S_IFMT
            return Entry(
                name: name, isDirectory: type == S_IFDIR, isRegularFile: type == S_IFREG,
                isExecutable: type == S_IFREG && access(prefix + name, X_OK) == 0)
        }
    }
}
