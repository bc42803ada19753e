/// The chunks a fan-out group keeps for its viewers: the newest ones, within a byte budget, but
/// always from the newest joinable chunk on so a new or lagging viewer has a place to start.
struct FanOutRing {
    private(set) var chunks: [FanOutChunk] = []
    private(set) var nextSequence = 0
    private(set) var bytes = 0
    let budget: Int

    init(budget: Int) { self.budget = budget }

    /// The oldest sequence still held (`nextSequence` when empty).
    var firstSequence: Int { chunks.first?.sequence ?? nextSequence }

    /// The newest chunk a viewer can start with.
    var newestJoinable: FanOutChunk? { chunks.last { $0.joinable } }

    func chunk(_ sequence: Int) -> FanOutChunk? {
        let index = sequence - firstSequence
        return chunks.indices.contains(index) ? chunks[index] : nil
    }

    /// Adds a chunk of `payload` bytes and drops the oldest beyond the budget.
    @discardableResult
    mutating func append(_ payload: [UInt8], joinable: Bool) -> FanOutChunk {
        let chunk = FanOutChunk(sequence: nextSequence, joinable: joinable, payload: payload)
        nextSequence += 1
        chunks.append(chunk)
        bytes += chunk.size
        let keepFrom = newestJoinable?.sequence ?? firstSequence
        var drop = 0
        var remaining = bytes
        while remaining > budget && drop < chunks.count && chunks[drop].sequence < keepFrom {
            remaining -= chunks[drop].size
            drop += 1
        }
        if drop > 0 {
            chunks.removeFirst(drop)
            bytes = remaining
        }
        return chunk
    }
}
