/// The chunks a fan-out lane keeps for its viewers: the newest ones, within a byte budget, but
/// always from the newest joinable chunk on so a new or lagging viewer has a place to start.
/// Chunks are shared (each lane of a group holds references to the same ones).
struct FanOutRing {
    /// Held chunks are `storage[head...]`; dropped ones are compacted away in batches, so a
    /// drop does not shift the array every time.
    private var storage: [FanOutChunk] = []
    private var head = 0
    private(set) var nextSequence = 0
    private(set) var bytes = 0
    let budget: Int
    /// Where the newest joinable chunk is in `storage`.
    private var newestJoinableIndex: Int?

    init(budget: Int) { self.budget = budget }

    /// The chunks held, oldest first.
    var chunks: ArraySlice<FanOutChunk> { storage[head...] }

    /// The oldest sequence still held (`nextSequence` when empty).
    var firstSequence: Int { head < storage.count ? storage[head].sequence : nextSequence }

    /// The newest chunk a viewer can start with.
    var newestJoinable: FanOutChunk? { newestJoinableIndex.map { storage[$0] } }

    func chunk(_ sequence: Int) -> FanOutChunk? {
        let index = head + sequence - firstSequence
        return index >= head && index < storage.count ? storage[index] : nil
    }

    /// Adds a chunk of `payload` bytes and drops the oldest beyond the budget.
    @discardableResult
    mutating func append(_ payload: [UInt8], joinable: Bool) -> FanOutChunk {
        let chunk = FanOutChunk(sequence: nextSequence, joinable: joinable, payload: payload)
        append(chunk)
        return chunk
    }

    /// Adds a chunk the group made (its sequence continues this ring's) and drops the oldest
    /// beyond the budget.
    mutating func append(_ chunk: FanOutChunk) {
        nextSequence = chunk.sequence + 1
        storage.append(chunk)
        bytes += chunk.size
        if chunk.joinable { newestJoinableIndex = storage.count - 1 }
        let keepFrom = newestJoinable?.sequence ?? firstSequence
        while bytes > budget && head < storage.count && storage[head].sequence < keepFrom {
            bytes -= storage[head].size
            head += 1
        }
        if head > 64 && head * 2 > storage.count {
            storage.removeFirst(head)
            newestJoinableIndex = newestJoinableIndex.map { $0 - head }
            head = 0
        }
    }
}
