// swift-tools-version:6.0
import PackageDescription

/// The binaries the suite installs; each is a thin `main` over library code.
let binaries: [(name: String, library: String)] = [
    ("MistController", "MistControl"),
    ("MistInBuffer", "MistInput"),
    ("MistOutRTMP", "MistOutput"),
    ("MistOutRTSP", "MistOutput"),
    ("MistOutTSSRT", "MistOutput"),
    ("MistOutTS", "MistOutput"),
    ("MistInDTSC", "MistInput"),
    ("MistInMP4", "MistInput"),
    ("MistInFLV", "MistInput"),
    ("MistInTS", "MistInput"),
    ("MistInTSSRT", "MistInput"),
    ("MistInRTSP", "MistInput"),
    ("MistInFolder", "MistInput"),
    ("MistInHLS", "MistInput"),
    ("MistInPlaylist", "MistInput"),
    ("MistInEBML", "MistInput"),
    ("MistOutDTSC", "MistOutput"),
    ("MistOutHTTP", "MistOutput"),
    ("MistOutHTTPS", "MistOutput"),
    ("MistOutHLS", "MistOutput"),
    ("MistOutHTTPTS", "MistOutput"),
    ("MistOutFLV", "MistOutput"),
    ("MistOutMP4", "MistOutput"),
    ("MistOutCMAF", "MistOutput"),
    ("MistOutEBML", "MistOutput"),
    ("MistOutWebRTC", "MistOutput"),
    ("MistUtilCertbot", "MistUtil"),
    ("MistSession", "MistStream"),
    ("MistProcFFMPEG", "MistOutput"),
    ("MistProcMKVExec", "MistOutput"),
    ("MistProcLivepeer", "MistOutput"),
]

let package = Package(
    name: "MistSwift",
    platforms: [.macOS(.v15)],
    products: binaries.map { .executable(name: $0.name, targets: [$0.name]) }
        + [
            // The packaged suite: one binary that every Mist* name links to (see packaging/).
            .executable(name: "mistswift", targets: ["MistSwift"]),
            .executable(name: "MistBench", targets: ["MistBench"]),
            .plugin(name: "GenerateManPages", targets: ["GenerateManPages"]),
        ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C libraries from Debian, wrapped as small system library targets.
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CSRT", path: "Sources/CSRT", pkgConfig: "srt",
            providers: [.apt(["libsrt-openssl-dev"])]),
        .systemLibrary(
            name: "CSRTP", path: "Sources/CSRTP", pkgConfig: "libsrtp2",
            providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // What Swift cannot import from Glibc directly (variadic or GNU-only calls, macros).
        .target(name: "CShim", path: "Sources/CShim"),

        // Formats with no dependencies: JSON, DTMI, DTSC. Fuzzed on their own (see Fuzz/).
        .target(name: "MistData"),
        // Process conventions every binary shares: capabilities, flags, logging.
        .target(
            name: "MistCore",
            dependencies: [
                "MistData", "MistShm", "CShim",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The shared-memory data plane: pages, record tables, stream metadata, writer and reader.
        .target(name: "MistShm", dependencies: ["MistData", "CShim"]),
        // TLS on Debian's OpenSSL: contexts (certificates, SNI, ALPN, verification) and an engine
        // driven through memory, shared by the event-loop servers and the blocking clients.
        .target(name: "MistTLS", dependencies: ["COpenSSL", "MistData"]),
        // Blocking TCP sockets for the inputs, pushes and clients (outputs serve on SwiftNIO).
        .target(name: "MistNet", dependencies: ["MistTLS", "MistCore"]),
        // SRT sockets on Debian's libsrt: callers, listeners, a readiness wait, statistics.
        .target(name: "MistSRT", dependencies: ["CSRT"]),
        // The controller: configuration, supervision of the other binaries, the HTTP JSON API (SwiftNIO).
        .target(
            name: "MistControl",
            dependencies: [
                "MistCore", "MistData", "MistShm", "MistStream", "CShim", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            // The management interface (plain HTML, JavaScript and CSS, no build step), compiled
            // into the controller so it needs no files at run time.
            resources: [
                .embedInCode("WebInterface/index.html"), .embedInCode("WebInterface/mistswift.js"),
                .embedInCode("WebInterface/mistswift.css"),
            ]),
        // Media formats shared by protocols and files: AMF, FLV tags, H.264/HEVC/AAC configuration.
        .target(name: "MistMedia", dependencies: ["MistData"]),
        // RTP (RFC 3550) and its video and audio payload formats, for RTSP and WebRTC. Byte-testable.
        .target(name: "MistRTP", dependencies: ["MistMedia"]),
        // WebRTC's transport: SRTP on Debian's libsrtp2, DTLS records into datagrams, SDP offers
        // and answers, ICE-lite credentials. Byte-testable without sockets.
        .target(name: "MistWebRTC", dependencies: ["MistRTP", "MistTLS", "MistData", "CSRTP"]),
        // RTMP's wire codec: handshake, chunk stream, control messages. Byte-testable without sockets.
        .target(name: "MistRTMP", dependencies: ["MistMedia", "COpenSSL"]),
        // RTSP above the RTP codecs: a publisher's or camera's tracks into DTSC, Basic and Digest auth.
        .target(name: "MistRTSP", dependencies: ["MistRTP", "MistRTMP", "MistMedia", "MistTLS", "MistData"]),
        // What outputs, inputs and the controller share about streams: starting inputs on demand.
        .target(
            name: "MistStream",
            dependencies: ["MistCore", "MistShm", "MistNet", "MistMedia", "MistTLS", "COpenSSL", "CZlib"]),
        .target(
            name: "MistInput",
            dependencies: ["MistCore", "MistShm", "MistNet", "MistStream", "MistMedia", "MistSRT", "MistRTSP"]),
        // Utilities run by other tools (certbot's hooks).
        .target(name: "MistUtil", dependencies: ["MistCore", "MistShm", "MistData"]),
        .target(
            name: "MistOutput",
            dependencies: [
                "MistCore", "MistShm", "MistNet", "MistStream", "MistMedia", "MistRTMP", "MistTLS", "MistRTP",
                "MistSRT", "MistRTSP", "MistWebRTC", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]),
    ]
        + binaries.map { .executableTarget(name: $0.name, dependencies: [.target(name: $0.library)]) }
        + [
            .executableTarget(
                name: "MistBench",
                dependencies: [
                    "MistCore", "MistData", "MistShm", "MistNet", "MistMedia", "MistRTMP", "MistOutRTMP",
                    "MistInBuffer", "MistOutHTTP", "MistOutHTTPS", "MistOutTSSRT", "MistOutRTSP", "MistControl",
                    "MistOutput", "MistProcFFMPEG",
                    "MistTLS", "MistWebRTC",
                    "MistSRT", "MistRTP",
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                ]),
            .executableTarget(
                name: "MistSwift",
                dependencies: ["MistCore", "MistControl", "MistInput", "MistOutput", "MistUtil", "MistStream"]),
            .executableTarget(name: "MistManPage", dependencies: ["MistData"]),
            .plugin(
                name: "GenerateManPages",
                capability: .command(
                    intent: .custom(
                        verb: "generate-man-pages",
                        description: "Writes man/<binary>.1 for every Mist binary from its -j capabilities"),
                    permissions: [
                        .writeToPackageDirectory(reason: "Writes the man pages into man/")
                    ]),
                dependencies: ["MistManPage"]),
            .testTarget(name: "MistDataTests", dependencies: ["MistData"], exclude: ["Fixtures"]),
            .testTarget(name: "MistCoreTests", dependencies: ["MistCore"]),
            .testTarget(name: "MistMediaTests", dependencies: ["MistMedia"]),
            .testTarget(name: "MistNetTests", dependencies: ["MistNet", "MistTLS"]),
            .testTarget(name: "MistTLSTests", dependencies: ["MistTLS", "TLSTestSupport"]),
            .testTarget(name: "MistRTPTests", dependencies: ["MistRTP", "MistNet", "MistData", "COpenSSL"]),
            .testTarget(name: "MistWebRTCTests", dependencies: ["MistWebRTC", "MistTLS", "MistRTP"]),
            .testTarget(name: "MistSRTTests", dependencies: ["MistSRT"]),
            .testTarget(name: "MistRTSPTests", dependencies: ["MistRTSP", "MistRTP"]),
            // Test helper: a CA and server certificates made at test time.
            .target(name: "TLSTestSupport", dependencies: ["COpenSSL"], path: "Tests/TLSTestSupport"),
            .testTarget(
                name: "MistOutputTests",
                dependencies: [
                    "MistOutput", "MistNet", "MistCore", "MistStream", "MistRTMP", "MistMedia", "MistData", "MistShm",
                    "ShmTestSupport", "MistTLS", "TLSTestSupport", "MistRTP", "MistWebRTC",
                    .product(name: "NIOCore", package: "swift-nio"),
                    .product(name: "NIOEmbedded", package: "swift-nio"),
                    .product(name: "NIOHTTP1", package: "swift-nio"),
                ]),
            .testTarget(name: "MistRTMPTests", dependencies: ["MistRTMP", "MistMedia", "MistOutput", "MistData"]),
            .testTarget(
                name: "MistControlTests", dependencies: ["MistControl", "MistData", "MistStream", "MistShm"],
                exclude: ["Fixtures"]
            ),
            // Test helpers: a deterministic stream, and a peer process that writes or reads it.
            .target(name: "ShmTestSupport", dependencies: ["MistShm", "MistData"], path: "Tests/ShmTestSupport"),
            .executableTarget(
                name: "ShmPeer", dependencies: ["MistShm", "MistData", "ShmTestSupport"], path: "Tests/ShmPeer"),
            .testTarget(name: "MistShmTests", dependencies: ["MistShm", "MistData", "ShmTestSupport", "ShmPeer"]),
            .testTarget(name: "SystemLibraryTests", dependencies: ["COpenSSL", "CSRT", "CZlib", "CShim"]),
            .testTarget(
                name: "BinaryTests",
                dependencies: [
                    "MistData", "MistShm", "MistManPage", "ShmTestSupport", "ShmPeer", "MistMedia", "MistRTMP",
                    "MistOutput", "MistSwift", "MistInput", "MistTLS", "MistNet", "TLSTestSupport", "MistRTP",
                ]
                    + binaries.map { .target(name: $0.name) },
                // The real peers' scripts the tests run (aiortc's WHEP viewer).
                exclude: ["Peers"]
            ),
        ],
    swiftLanguageModes: [.v6]
)
