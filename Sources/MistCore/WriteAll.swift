#if canImport(Glibc)
    import Glibc
#endif

/// Writes all of `text` to `descriptor`, retrying short writes; gives up silently when the
/// descriptor fails (a closed log pipe must not stop the process).
public func writeAll(_ text: String, to descriptor: Int32) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
