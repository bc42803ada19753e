import MistCore

/// The media playlist of an HLS recording (a push to `.m3u8`): rewritten whole after each
/// segment (an EVENT playlist while recording, VOD with an end tag when finished), so a player
/// or a crash always finds a valid one.
struct HLSRecordingPlaylist {
    let path: String
    private var entries: [(name: String, milliseconds: UInt64)] = []

    init(path: String) { self.path = path }

    /// Adds a finished segment (its file name relative to the playlist) and rewrites the playlist.
    mutating func add(segment: String, milliseconds: UInt64) {
        let name = segment.split(separator: "/").last.map(String.init) ?? segment
        entries.append((name, max(milliseconds, 1)))
        write(ended: false)
    }

    func write(ended: Bool) {
        let longest = entries.map(\.milliseconds).max() ?? 1000
        var text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:\((longest + 999) / 1000)\n"
        text += "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:\(ended ? "VOD" : "EVENT")\n"
        for entry in entries {
            let seconds = Double(entry.milliseconds) / 1000
            text += "#EXTINF:\((seconds * 1000).rounded() / 1000),\n\(entry.name)\n"
        }
        if ended { text += "#EXT-X-ENDLIST\n" }
        try? FileBytes.write(Array(text.utf8), to: path)
    }
}
