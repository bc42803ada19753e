/// A value handed once from the blocking pool to the loop that waits for it (NIO's futures
/// want sendable results; readers and playbacks are not, but are used by one thread at a time).
final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
