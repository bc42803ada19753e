import MistCore
import Testing

@Suite struct TextEscapingTests {
    @Test func eachContextGetsItsOwnEscapes() {
        #expect(TextEscaping.html("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
        #expect(TextEscaping.javaScript("live") == "\"live\"")
        #expect(TextEscaping.javaScript("a'b", quote: "'") == "'a\\u0027b'")
        #expect(
            TextEscaping.javaScript("</script>\n\"\\\u{2028}")
                == "\"\\u003c/script\\u003e\\u000a\\u0022\\u005c\\u2028\"")
        #expect(TextEscaping.urlPathSegment("a+b c/<é") == "a+b%20c%2F%3C%C3%A9")
    }

    @Test func wildcardPartsLoseControlCharactersOnly() {
        #expect(StreamName.sanitize("Live+a\nb\r\u{0}c\u{7F} d<>") == "live+abc d<>")
    }

    @Test func wildcardsMayNameFilesBelowAFolderButNotLeaveIt() {
        for name in ["live", "live+cam1", "vod+sub/dir/file.mp4", "x+a..b"] {
            #expect(StreamName.wildcardIsSafeInSource(name), "\(name)")
        }
        for name in [
            "vod+../etc/passwd", "vod+a/../../b", "vod+/etc/passwd", "x+a b", "x+a\nb", "x+a\u{0}b", "x+..", "x+a\\b",
        ] {
            #expect(!StreamName.wildcardIsSafeInSource(name), "\(name)")
        }
    }
}
