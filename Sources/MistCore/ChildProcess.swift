import CShim

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program with `posix_spawn` (never `fork`, which deadlocks a process that has used
/// Dispatch or Swift concurrency) and collects what it prints on stdout.
public enum ChildProcess {
    public struct Result: Sendable {
        /// The exit status, or 128 + the signal number when a signal ended the child.
        public var status: Int32
        public var output: [UInt8]
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case spawn(path: String, errno: Int32)
        case pipe(errno: Int32)

        public var description: String {
            switch self {
            case .spawn(let path, let code): return "cannot start \(path): \(String(cString: strerror(code)))"
            case .pipe(let code): return "cannot create a pipe: \(String(cString: strerror(code)))"
            }
        }
    }

    /// Starts `path` with `arguments`, reads its stdout to the end (at most `outputLimit` bytes are
    /// kept) and waits for it. The child gets an empty signal mask and default signal handling, so
    /// it does not inherit a parent's ignored SIGTERM or SIGPIPE.
    public static func run(_ path: String, arguments: [String], outputLimit: Int = 16 << 20) throws(Failure) -> Result {
        var fds: [Int32] = [0, 0]
        guard mist_pipe_cloexec(&fds) == 0 else { throw .pipe(errno: errno) }
        let readEnd = fds[0]
        let writeEnd = fds[1]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let pid: pid_t
        do {
            pid = try launch(path, arguments: arguments, actions: &actions)
        } catch {
            close(writeEnd)
            close(readEnd)
            throw error
        }
        close(writeEnd)

        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            if output.count < outputLimit {
                output.append(contentsOf: chunk[0..<min(count, outputLimit - output.count)])
            }
        }
        close(readEnd)

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus: Int32
        if mist_wifexited(status) != 0 {
            exitStatus = mist_wexitstatus(status)
        } else if mist_wifsignaled(status) != 0 {
            exitStatus = 128 + mist_wtermsig(status)
        } else {
            exitStatus = -1
        }
        return Result(status: exitStatus, output: output)
    }

    /// Starts `path` in the background with stdin and stdout on /dev/null and stderr shared, in
    /// a session of its own, and returns its pid. The caller reaps it (or ignores SIGCHLD).
    /// With `standardError`, the child's stderr is that descriptor instead (the controller's log
    /// pipe, say).
    public static func spawn(
        _ path: String, arguments: [String], standardError: Int32? = nil, extraEnvironment: [String] = []
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        if let standardError, standardError != 2 { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        return try launch(path, arguments: arguments, actions: &actions, extraEnvironment: extraEnvironment)
    }

    /// Starts `path` (looked up on PATH when it has no slash) with its stdout on a pipe; returns
    /// its pid and the pipe's read end (the caller closes it and reaps the child).
    public static func spawnReading(_ path: String, arguments: [String], standardError: Int32? = nil) throws(Failure)
        -> (pid: pid_t, output: Int32)
    {
        var ends: [Int32] = [0, 0]
        guard mist_pipe_cloexec(&ends) == 0 else { throw .spawn(path: path, errno: errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        if let standardError, standardError != 2 { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        let resolved = path.contains("/") ? path : searchPath(path) ?? path
        do {
            let pid = try launch(resolved, arguments: arguments, actions: &actions)
            close(ends[1])
            return (pid, ends[0])
        } catch {
            close(ends[0])
            close(ends[1])
            throw error
        }
    }

    /// Starts `path` with a pipe on its stdin and, with `captureOutput`, one on its stdout (else
    /// stdout goes to /dev/null), and `extraEnvironment` (`NAME=value`) added to this process's.
    public static func spawnPiped(
        _ path: String, arguments: [String], extraEnvironment: [String] = [], captureOutput: Bool
    ) throws(Failure) -> (pid: pid_t, input: Int32, output: Int32?) {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [-1, -1]
        guard mist_pipe_cloexec(&input) == 0 else { throw .spawn(path: path, errno: errno) }
        if captureOutput && mist_pipe_cloexec(&output) != 0 {
            close(input[0])
            close(input[1])
            throw .spawn(path: path, errno: errno)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_addclose(&actions, input[1])
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, output[1], 1)
            posix_spawn_file_actions_addclose(&actions, output[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        let resolved = path.contains("/") ? path : searchPath(path) ?? path
        do {
            let pid = try launch(resolved, arguments: arguments, actions: &actions, extraEnvironment: extraEnvironment)
            close(input[0])
            if captureOutput { close(output[1]) }
            return (pid, input[1], captureOutput ? output[0] : nil)
        } catch {
            for descriptor in input + output where descriptor >= 0 { close(descriptor) }
            throw error
        }
    }

    /// `name` found in one of PATH's folders as an executable.
    public static func searchPath(_ name: String) -> String? {
        let folders = (getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":")
        return folders.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Whether `pid` (a child of this process) has ended; reaps it and gives its exit status
    /// (128 + signal when a signal ended it). Nil while it runs.
    /// A pipe whose ends no spawned child inherits (unless spawning dup2s one onto 0, 1 or 2).
    public static func closeOnExecPipe() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [0, 0]
        guard mist_pipe_cloexec(&ends) == 0 else { return nil }
        return (ends[0], ends[1])
    }

    /// Reaps `pid` on a thread of its own once it ends, for a child that outlives its starter's
    /// interest in it (so it leaves no zombie, without ignoring SIGCHLD for the whole process).
    public static func reapWhenDone(_ pid: pid_t) {
        startDetachedThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    public static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 { return errno == ECHILD ? -1 : nil }
        if mist_wifexited(status) != 0 { return mist_wexitstatus(status) }
        if mist_wifsignaled(status) != 0 { return 128 + mist_wtermsig(status) }
        return nil
    }

    /// `posix_spawn` with an empty signal mask and default handling of every signal, so children
    /// never inherit a blocked or ignored SIGTERM (from a Dispatch thread, say), and with no
    /// descriptor but 0, 1 and 2.
    private static func launch(
        _ path: String, arguments: [String], actions: inout posix_spawn_file_actions_t, extraEnvironment: [String] = []
    ) throws(Failure) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // The child gets standard input, output and error only: no listening socket, viewer
        // connection, push socket or another child's pipe of this process stays open in it.
        mist_spawn_close_from(&actions, 3)
        let argv = ([path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var cArguments = argv + [nil]
        var pid: pid_t = 0
        let spawned: Int32
        if extraEnvironment.isEmpty {
            spawned = posix_spawn(&pid, path, &actions, &attributes, &cArguments, environ)
        } else {
            var inherited: [String] = []
            var entry = environ
            while let pointer = entry.pointee {
                inherited.append(String(cString: pointer))
                entry += 1
            }
            let names = Set(extraEnvironment.map { $0.prefix { $0 != "=" } })
            let combined = inherited.filter { !names.contains($0.prefix { $0 != "=" }) } + extraEnvironment
            let pointers = combined.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            var cEnvironment = pointers + [nil]
            spawned = posix_spawn(&pid, path, &actions, &attributes, &cArguments, &cEnvironment)
        }
        guard spawned == 0 else { throw .spawn(path: path, errno: spawned) }
        return pid
    }

    /// The folder this executable lives in, with a trailing slash.
    public static func ownDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "./" }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "./" }
        return String(path[...slash])
    }
}
