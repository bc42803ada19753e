/// The management interface the API port serves to a browser (`/`): one page, its script and
/// its style sheet, compiled into the controller (see `WebInterface/` beside this file). It is
/// a client of the JSON API (`/api`) and the WebSocket API (`/ws`) only.
enum WebInterface {
    /// A file of the interface: its bytes and content type.
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    // MistServer answers `text/html` exactly, and clients check it.
    static let page = File(bytes: PackageResources.index_html, contentType: "text/html")
    static let script = File(bytes: PackageResources.mistswift_js, contentType: "text/javascript; charset=utf-8")
    static let styles = File(bytes: PackageResources.mistswift_css, contentType: "text/css; charset=utf-8")

    /// The file a path without an API command gets: the script and style sheet by name, the page
    /// for any other path (as MistServer answers every such path with its interface).
    static func file(for path: String) -> File {
        switch path.split(separator: "/").last {
        case "mistswift.js": script
        case "mistswift.css": styles
        default: page
        }
    }
}
