import MistCore
import MistData
import Synchronization
import Testing

@testable import MistControl

/// The pieces of the `/ws` API and the interface's file serving that need no sockets.
@Suite struct WebSocketAPIUnitTests {
    @Test func wishesAreReadFromTheQuery() {
        let wishes = APIWebSocketHandler.Wishes(query: "logs=100&accs=since:1700000000&streams=1")
        #expect(wishes.logs == "100" && wishes.accesses == "since:1700000000" && wishes.streams)
        let none = APIWebSocketHandler.Wishes(query: "streams=&other=1")
        #expect(none.logs == nil && none.accesses == nil && !none.streams)
    }

    @Test func keptEntriesAreSelectedByCountOrTime() {
        let entries: [JSONValue] = (1...5).map { [.int(Int64(1000 + $0)), "INFO", .string("line \($0)")] }
        #expect(APIWebSocketHandler.select(entries, "2").map { $0[2] } == ["line 4", "line 5"])
        #expect(APIWebSocketHandler.select(entries, "since:1004").map { $0[2] } == ["line 4", "line 5"])
        // Nonsense asks for nothing rather than failing; a huge count gives all there is.
        #expect(APIWebSocketHandler.select(entries, "-3").isEmpty)
        #expect(APIWebSocketHandler.select(entries, "banana").isEmpty)
        #expect(APIWebSocketHandler.select(entries, "99999999999999999999").isEmpty)
        #expect(APIWebSocketHandler.select(entries, "50").count == 5)
    }

    @Test func aFeedReachesItsSubscribersUntilTheyLeave() {
        let feed = EventFeed()
        let received = Mutex<[JSONValue]>([])
        #expect(feed.isEmpty)
        let id = feed.subscribe { message in received.withLock { $0.append(message) } }
        feed.publish(["log", "one"])
        feed.unsubscribe(id)
        feed.publish(["log", "two"])
        #expect(received.withLock { $0 } == [["log", "one"]])
        #expect(feed.isEmpty)
    }

    @Test func theLogFeedCarriesEachNewLine() {
        let log = ControllerLog()
        let received = Mutex<[JSONValue]>([])
        _ = log.feed.subscribe { message in received.withLock { $0.append(message) } }
        log.record(
            MistLogLine(
                kind: "WARN", program: "MistInMP4", pid: 7, location: "x:1", stream: "", message: "disk almost full"),
            time: 1234)
        let message = received.withLock { $0 }
        #expect(message.count == 1)
        #expect(message.first?[0] == "log")
        #expect(message.first?[1] == [1234, "WARN", "disk almost full", "", 7, "MistInMP4", "x:1"])
    }

    @Test func theInterfaceFilesAreServedByName() {
        #expect(WebInterface.file(for: "/").contentType.hasPrefix("text/html"))
        #expect(WebInterface.file(for: "/streams/anything").contentType.hasPrefix("text/html"))
        #expect(WebInterface.file(for: "/mistswift.js").contentType.hasPrefix("text/javascript"))
        #expect(WebInterface.file(for: "/mistswift.css").contentType.hasPrefix("text/css"))
        let page = String(decoding: WebInterface.page.bytes, as: UTF8.self)
        #expect(page.contains("mistswift.js") && page.contains("mistswift.css"))
        // Nothing is fetched from elsewhere at run time.
        for file in [WebInterface.page, WebInterface.script, WebInterface.styles] {
            let text = String(decoding: file.bytes, as: UTF8.self)
            #expect(!text.contains("https://") && !text.contains("cdn"))
        }
    }
}
