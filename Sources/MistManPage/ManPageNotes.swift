/// Sections of a man page that no capability declares: how a binary behaves beyond its flags.
enum ManPageNotes {
    /// What every stream process's masks and inhibitors do.
    static let masks = (
        title: "MASKS AND INHIBITORS",
        text: "source_mask sets which readers see the tracks the process reads, target_mask those it makes (by "
            + "default viewers and pushes, not other processes): 1 viewers, 2 pushes, 4 processes, 255 all. "
            + "exit_unmask shows the input tracks to all again when the process ends. MistInBuffer starts the "
            + "entry only while its source_track or track_select selects a track, no tag of tags_inhibit is the "
            + "stream's and its track_inhibit selects no track but its own; unless inconsequential, the stream is "
            + "waiting for data while the process starts."
    )

    /// What a process that feeds another stream does when its source ends.
    static let sourceSwitch = (
        title: "SOURCE SWITCH",
        text: "A process whose sink is another stream keeps running when its source ends: it goes on from the "
            + "source's fallback_stream (else the server's default stream), or from what a blocking "
            + "PROCESS_SWITCH_SOURCE handler answers (payload: sink, source, intended source, media time in ms, "
            + "the entry); an empty answer ends it. Its times continue where the last source's stopped."
    )

    /// Titled paragraphs per binary, written after the options.
    static let sections: [String: [(title: String, text: String)]] = [
        "MistController": [
            (
                "WEB INTERFACE",
                "A browser opening the API port (http://host:4242/) gets the management interface: login (and the "
                    + "first account on a new server), overview, protocols, streams with a preview, embed code, URLs "
                    + "and stream keys, pushes and automatic pushes, triggers, variables, external writers, a live "
                    + "log, statistics graphs, sessions, general settings and backup/restore. It is compiled into "
                    + "the controller (a copy is under /usr/share/mistswift/www) and uses only the JSON API and /ws, "
                    + "so whatever it does a script can do. Any path without an API command gets it, as in MistServer."
            ),
            (
                "WEBSOCKET API",
                "ws://host:4242/ws is MistServer's WebSocket API. The server first sends [\"auth\",true] (a local "
                    + "caller, or a valid Authorization: json header) or [\"auth\",false]; the client then has 10 s to "
                    + "send [\"auth\",{\"username\":...,\"password\":...}] with the challenge answer, else it gets "
                    + "[\"auth\",\"Too slow, sorry\"] and is closed. Once logged in it gets what the query asked "
                    + "for: logs=N or logs=since:UNIX sends those log lines and then [\"log\",[time,kind,message,"
                    + "stream,pid,program,line]] as each is written; accs= the same for ended viewer sessions "
                    + "([\"access\",[time,session,stream,connectors,host,seconds,up,down,tags]]); streams=1 the "
                    + "active streams and each change as [\"stream\",[name,status,viewers,inputs,outputs,tags]] "
                    + "(status 0 off, 1 initializing, 2 booting, 3 waiting for data, 4 online, 5 shutting down). A "
                    + "client more than 10 kB behind loses messages rather than the server queueing them."
            ),
            (
                "API ACCESS",
                "Callers on this machine (loopback and the machine's own addresses, or the MIST_API_LOCAL list) "
                    + "skip the login, as in MistServer; everyone else logs in with the challenge. A browser is "
                    + "not trusted that way: a request whose Origin, Sec-Fetch-Site or Referer shows a page of "
                    + "another origin, or whose Host is not an address, localhost, the machine's name or a name in "
                    + "config.api_trusted_hosts, must log in like a remote caller, and a page of another origin "
                    + "may only read (capabilities, clients, log, config and streams without a value ...), never "
                    + "change the configuration, unless its origin is listed in config.api_trusted_origins "
                    + "(for example [\"https://admin.example.com\"]). Scripts, curl and the server's own pages "
                    + "are not affected."
            ),
            (
                "LOCAL UDP API",
                "The controller also takes API commands as JSON datagrams on UDP localhost:4242 (or the "
                    + "udp://host:port in UDP_API; another free port when that one is taken). Every command there "
                    + "is trusted like a local caller and answered, without the authorize member, to the sender. "
                    + "Only processes on this machine can reach it; MistUtilCertbot and MistServer's binaries use it."
            ),
            (
                "CONNECTOR STATUS",
                "config.protocols lists each connector's online state: 1 running, 0 starting, a reason when it is "
                    + "not run (\"Not installed\", \"Invalid configuration\"), or \"Failed: \" and its last error "
                    + "line when it keeps exiting (a certificate that cannot be read, has expired or does not match "
                    + "its key; a port in use). Other connectors go on. An updateprotocol call whose new entry equals "
                    + "the old one makes a connector with certificates reload them from their files."
            ),
            (
                "DEBUG LEVEL",
                "A -g given on the command line is stored as config.debug, as MistServer's controller does. Changing "
                    + "config.debug (the config call) applies at once to the controller and within a second to each "
                    + "child started without a -g of its own (a protocol's own debug setting stays)."
            ),
            (
                "JSON WEB KEYS",
                "jwks entries are keys (HMAC, RSA or EC) with their permissions, or URLs of a key set or an OpenID "
                    + "configuration (jwks_uri), fetched at once and again when their Cache-Control max-age runs "
                    + "out (60 s without one, and after a failure, keeping the keys read before). Tokens may be "
                    + "signed with HS, RS, PS or ES at 256, 384 or 512 bits; their exp, nbf, sub and ipa claims "
                    + "are checked."
            ),
        ],
        "MistInBuffer": [
            (
                "STREAM PROCESSES",
                "The stream's configuration may list processes (\"processes\": [{\"process\": \"FFMPEG\", ...}]). "
                    + "Once the stream has tracks, each entry runs as MistProc<process> beside this binary, given the "
                    + "entry (with source set to the stream) as its one JSON argument; the list is read again every "
                    + "second. An entry removed or changed stops its process; a process that exits is started again "
                    + "at once (restart_type fixed), after restart_delay ms, with a delay doubling up to restart_delay "
                    + "(backoff), or never (disabled). Processes hand their tracks to the buffer on a local socket of "
                    + "their own, beside the pushed source, and a restarted process writes into its old tracks again. "
                    + "An entry runs only while its source_track or track_select selects a track, no tag of "
                    + "tags_inhibit is the stream's and its track_inhibit selects no track but its own; while one the "
                    + "stream waits for starts (not inconsequential), the stream is waiting for data. When the buffer "
                    + "closes, processes that feed another stream are left running (see PROCESS_SWITCH_SOURCE); a "
                    + "process of another stream that feeds this one keeps it open."
            )
        ],
        "MistProcFFMPEG": [
            (
                "HOW IT RUNS",
                "MistInBuffer starts it for an entry of a stream's processes. It picks one track of the source "
                    + "(x-LSP-kind video or audio; source_track to choose, else the first), pipes it as MPEG-TS "
                    + "(Matroska for VP9) into ffmpeg (found on PATH, started without a shell) with -copyts and "
                    + "-force_key_frames source, and hands what ffmpeg writes back to the sink stream's buffer as a "
                    + "new track, so renditions keep the source's times and keyframes. It reports its status every "
                    + "5 s to the controller (proc_status_update), which the proc_list API call shows."
            ),
            masks, sourceSwitch,
        ],
        "MistProcLivepeer": [
            (
                "HOW IT RUNS",
                "MistInBuffer starts it for an entry of a stream's processes. The source video (source_track, "
                    + "default maxbps; audio_select audio, default none) is cut at keyframes into segments of at "
                    + "least a second of MPEG-TS, and two workers POST them to <broadcaster>/live/<id>/<seq>.ts "
                    + "with Accept: multipart/mixed, Content-Duration and Content-Resolution. With access_token the "
                    + "broadcasters come from <custom_url>/broadcaster and the transcode from <custom_url>/stream; "
                    + "without, from hardcoded_broadcasters and a Livepeer-Transcode-Configuration header on each "
                    + "segment. Each video/mp2t part of the answer (by Rendition-Name) becomes a track of the sink "
                    + "stream on the source's clock, in segment order."
            ),
            (
                "FAILURES",
                "A failed upload moves to another broadcaster; five failed attempts at one segment end the process "
                    + "(MistInBuffer restarts it). A segment refused with 422 twice in a row, or once when there is "
                    + "no other broadcaster, is skipped and fires LIVEPEER_SEGMENT_REJECTED: the configuration, the "
                    + "segment in base64, its width, height and duration, and both broadcaster URLs (or N/A). "
                    + "proc_list shows lp_id, bc, switches and the fail_* counters."
            ),
        ],
        "MistProcMKVExec": [
            (
                "HOW IT RUNS",
                "MistInBuffer starts it for an entry of a stream's processes. The tracks of track_select go as "
                    + "Matroska into the stdin of the exec command line (split on spaces, no shell; $stream and the "
                    + "other stream variables are filled in), and the Matroska the command writes on stdout is added "
                    + "to the sink stream, cluster by cluster. The command must keep the times it is given (for "
                    + "ffmpeg: -copyts). It reports its status every 5 s to the controller, shown by proc_list."
            ),
            masks, sourceSwitch,
        ],
        "MistOutHTTPS": [
            (
                "CERTIFICATES",
                "cert and key name PEM files: the certificate chain (server certificate first) and its private "
                    + "key. Give several of each, in the same order, to serve several names: the client's SNI picks "
                    + "the certificate that covers the name it asks for, the first one otherwise. MistServer's form "
                    + "of a cert entry that is a JSON array of chain files ending with the key also works. At start "
                    + "every certificate is checked (readable, not expired or not yet valid, matching its key); a "
                    + "problem stops the connector with that reason, which the controller's API shows. SIGUSR1 "
                    + "re-reads the files (a renewal writes new ones under the same names): new connections get "
                    + "the new certificates, open ones keep theirs. TLS 1.2 and 1.3, ALPN http/1.1. Pages asked over "
                    + "HTTPS (json_<stream>.js, the player) name https:// addresses."
            ),
            (
                "CLIENT VERIFICATION",
                "Where the suite is a TLS client (https:// trigger handlers, HLS pulls and other URLs, rtmps:// "
                    + "push targets) it verifies the server's certificate and name against the system's CA store, "
                    + "or only against the CA file named by the MIST_TLS_CA_FILE environment variable (to pin a "
                    + "private CA). A blocking trigger whose handler cannot be used follows its default, logged at "
                    + "error level with the reason."
            ),
        ],
        "MistOutHTTP": [
            (
                "WEBSOCKETS",
                "/<stream>.mp4 asked with Upgrade: websocket is MP4 over WebSocket, MistServer's ws/video/mp4: "
                    + "JSON commands in (request_codec_data with supported_codecs, seek with seek_time as "
                    + "milliseconds or \"live\", play, pause, hold, set_speed with play_rate, fast_forward with "
                    + "ff_to, tracks with video and audio selectors, stop), JSON notices out (codec_data, info, "
                    + "tracks, seek, set_speed, pause, on_time every second, on_stop at the end) and a binary "
                    + "message per frame (moof and mdat) after the init segment. At the live point frames go out "
                    + "as the input publishes them; elsewhere they are paced to the playback clock (times the "
                    + "rate) with 2 s of lead. /json_<stream>.js asked as a WebSocket sends the stream info at once "
                    + "and again when the stream's state or tracks change. Client frames must be masked; one over "
                    + "64 KiB gets close code 1009, a protocol error 1002."
            ),
            (
                "SOURCES",
                "json_<stream>.js lists the sources of the HTTP format connectors that are enabled (all of "
                    + "them when only HTTP is configured), each method their capabilities declare, ordered as "
                    + "MistServer orders them: most tracks, then priority, then URL."
            ),
        ],
        "MistOutRTMP": [
            (
                "RTMPS",
                "With cert and key set (PEM files, as for MistOutHTTPS), the port speaks RTMPS only: RTMP inside "
                    + "TLS, for ingest from OBS or ffmpeg (rtmps://host:port/live/<stream>) and playback. SIGUSR1 "
                    + "reloads the certificates. rtmps:// push targets work whether or not this is set."
            )
        ],
        "MistOutRTSP": [
            (
                "PUBLISHING",
                "Publishers push with ANNOUNCE (an SDP of their tracks), SETUP per track over TCP interleaved or "
                    + "UDP (one port pair per session; packets are taken from the publisher's host only), then "
                    + "RECORD, to rtsp://host:5554/<stream>?pass=<password>; ffmpeg: -f rtsp. The push is admitted "
                    + "as an RTMP push is (PUSH_REWRITE, STREAM_PUSH, push:// sources and their host and password "
                    + "rules) and its media goes to the stream's buffer. Taken: H.264 (RFC 6184: single NAL units, "
                    + "STAP-A, FU-A), HEVC (RFC 7798), AAC as mpeg4-generic (RFC 3640) or MP4A-LATM (RFC 3016, "
                    + "the configuration in the SDP), Opus (RFC 7587), A-law and mu-law (RFC 3551, also as the "
                    + "static payload types 8 and 0); other tracks are logged and left out. Each track's times "
                    + "start at its first packet (RTCP sender reports are not read). Video with B-frames gets "
                    + "decode times from the presentation times RTP carries and the reordering depth its "
                    + "parameter sets declare (a deeper reordering than declared is learnt as it shows)."
            ),
            (
                "PLAYING",
                "Players ask rtsp://host:5554/<stream> with DESCRIBE (an SDP of the stream's tracks, controls "
                    + "track1, track2), SETUP per track over TCP interleaved or UDP, then PLAY. The play triggers "
                    + "apply as for HTTP viewers. Every viewer of a live stream with the same channels shares one "
                    + "fan-out group that packetizes each frame once (the parameter sets go before every keyframe, "
                    + "where viewers join; a UDP player's datagrams are cut from the same bytes). Files are played "
                    + "to each viewer from its own position: the SDP gives their length, PLAY with Range seeks, "
                    + "PAUSE holds, packets go at the file's pace a second ahead, and an RTCP BYE on every track "
                    + "ends the file. Every track gets RTCP sender reports every 5 s of media; UDP players' "
                    + "receiver reports give their losses to the session statistics."
            ),
            (
                "NOT YET",
                "RTSP push targets (rtsp:// in a push)."
            ),
        ],
        "MistOutWebRTC": [
            (
                "SIGNALLING",
                "WHEP (playback) and WHIP (ingest) over HTTP: POST /whep/<stream> or /whip/<stream> with an "
                    + "application/sdp offer is answered 201 Created with the SDP answer and the session's URL in "
                    + "Location (ctrlprefix goes in front); DELETE on it ends the session, PATCH (trickle ICE) is "
                    + "accepted and ignored. /webrtc/<stream> takes a WHEP offer too (the URL json_ lists, as "
                    + "MistServer's), and asked as a WebSocket speaks MistServer's signalling: offer_sdp is "
                    + "answered on_answer_sdp (result, answer_sdp; an offer that sends publishes), other "
                    + "commands get on_error, and the session lasts as long as the WebSocket. MistOutWebRTC answers on its own port (18203, interface); while the WebRTC "
                    + "connector is enabled, MistOutHTTP answers the same URLs on the HTTP port with the "
                    + "connector's settings, and json_<stream>.js lists whep and webrtc sources for live streams."
            ),
            (
                "TRANSPORT",
                "ICE-lite: each session has a UDP port of its own on interface, offered as host candidates at "
                    + "pubhost (comma-separated addresses; default the address the offer reached) and "
                    + "override_port; the peer's nominated check picks the address media goes to, and 30 s "
                    + "without a check ends the session (RFC 7675 consent). Candidates that are all loopback "
                    + "answer checks from loopback only. DTLS 1.2 with a certificate generated at start "
                    + "(ECDSA P-256, the peer's certificate checked against its offer's fingerprint), "
                    + "SRTP_AES128_CM_SHA1_80 on libsrtp2, RTP and RTCP on one port, every section bundled."
            ),
            (
                "PLAYBACK",
                "H.264 (packetization mode 1, the offered profile matching the stream's first), VP8, VP9 or "
                    + "AV1 with Opus, A-law or mu-law audio, limited to preferredvideocodec and "
                    + "preferredaudiocodec; an AAC stream plays without audio unless a stream process makes "
                    + "an Opus track (the log says so). Viewers of a stream share one fan-out group that "
                    + "packetizes each frame once (maxpktsize bytes; H.264 with the parameter sets before every "
                    + "keyframe, where viewers join); each packet gets the viewer's payload type and SSRC and is "
                    + "encrypted for it. NACKs are answered from the last 1024 packets of each track (nackdisable "
                    + "turns this off), PLI and FIR make the viewer start again at the next keyframe, receiver "
                    + "reports give the session's losses, REMB gives the viewer's bitrate estimate (logged when "
                    + "the session ends). Live streams only."
            ),
            (
                "INGEST",
                "WHIP publishers send H.264 (packetization mode 1), VP8, VP9 or AV1, and Opus, A-law or mu-law: "
                    + "the first of preferredvideocodec (default H264,AV1,VP9,VP8) and preferredaudiocodec "
                    + "(default opus,ALAW,ULAW) that the offer has. A push is admitted as an RTMP push is (stream "
                    + "keys, push:// sources with their host and password rules, PUSH_REWRITE, STREAM_PUSH; the "
                    + "password from ?pass= or an Authorization: Bearer token). Packets are put back in order per "
                    + "track, a missing one is NACKed after nacktimeout newer ones (default 5) and given up after "
                    + "losttimeout (default 30; nacktimeoutmobile and losttimeoutmobile for user agents that say "
                    + "Mobi), then a PLI asks for a keyframe. Every second the publisher gets a receiver report "
                    + "and a REMB of 6 Mbit/s for its video (as MistServer sends). The media goes to the stream's "
                    + "buffer as DTSC, converted as RTSP pushes are; a VP8, VP9 or AV1 track is described at its "
                    + "first keyframe."
            ),
            (
                "ICE SERVERS",
                "iceservers, a JSON array of RTCIceServer objects, is given to players: in json_<stream>.js as "
                    + "each WebRTC source's RTCIceServers (which /player.js passes to its RTCPeerConnection), and "
                    + "as RFC 9725 Link headers (rel=\"ice-server\") on WHIP and WHEP answers and OPTIONS. The "
                    + "server itself is ICE-lite and needs none."
            ),
            (
                "PUSHING",
                "Run with --stream <name> and a whip://host[:port]/path target (whips:// over TLS), as the "
                    + "controller's push_start and automatic pushes do, MistOutWebRTC publishes the stream to a "
                    + "WHIP server: its H.264, VP8, VP9 or AV1 video and Opus, A-law or mu-law audio are offered "
                    + "(sendonly, setup:actpass with the DTLS side the answer leaves, a host candidate on the route "
                    + "to the server), the offer is "
                    + "POSTed with ?auth=<token> as an Authorization: Bearer token, the answer's candidates are "
                    + "checked as the controlling ICE agent, and the media is sent as to a viewer (NACKs answered). "
                    + "The session URL from Location gets a DELETE when the push ends."
            ),
            (
                "NOT YET",
                "TURN relaying by the server; transport-cc."
            ),
        ],
        "MistInRTSP": [
            (
                "PULLING",
                "A stream whose source is rtsp://[user:password@]host[:port]/path is pulled with DESCRIBE (Basic "
                    + "or Digest authentication when the source asks), SETUP of its tracks over TCP interleaved, "
                    + "PLAY, and keep-alives at half the session's timeout. A source that refuses interleaving "
                    + "(461 Unsupported Transport) is received over UDP ports of the pull's own, bound to the "
                    + "address the RTSP connection uses. A source that goes away or sends nothing for 10 s is "
                    + "called again every second while the stream is wanted, and the stream's time goes on where "
                    + "it was; the pull ends after 30 s without viewers (or runs on with always_on)."
            )
        ],
        "MistSession": [
            (
                "SESSIONS",
                "MistServer's session process, started by the first connection of a session with the session id "
                    + "and the stream, address, token and protocol (or SESSION_STREAM, SESSION_IP, SESSION_TKN, "
                    + "SESSION_PROTOCOL and SESSION_REQURL). It makes the session's connection table "
                    + "(/MstSession<id>, locked by /MstSemSess<id> while it starts), asks USER_NEW for a viewer "
                    + "session (a refusal marks the table to exit, which ends its connections, and stands for 10 "
                    + "minutes), writes the session's sums once a second into its record on the controller's "
                    + "/MstStat table, and ends 15 s after its last connection, firing USER_END with MistServer's "
                    + "twelve lines. Sessions whose id starts with I, O or U (inputs, outputs, unspecified) fire "
                    + "no triggers."
            )
        ],
        "MistUtilCertbot": [
            (
                "AS THE AUTHENTICATION HOOK",
                "With CERTBOT_TOKEN and CERTBOT_VALIDATION set, it makes the HTTP connector on port 80 answer "
                    + "/.well-known/acme-challenge/<token> (setting its certbot option, or adding an HTTP connector "
                    + "on port 80 when there is none; another protocol on port 80 is an error), waits until the "
                    + "controller runs it, and exits 0; 1 after 10 s without success."
            ),
            (
                "AS THE DEPLOY HOOK",
                "With RENEWED_LINEAGE set, it installs <lineage>/fullchain.pem and <lineage>/privkey.pem on "
                    + "every HTTPS connector (a renewal with unchanged paths makes them reload the files), or adds "
                    + "an HTTPS connector on port 443 when there is none."
            ),
            (
                "ENVIRONMENT",
                "It reads the running configuration from the controller's shared memory (MIST_SHM_FOLDER when "
                    + "the server uses another folder than /dev/shm) and sends commands to the local UDP API, so "
                    + "run certbot as the server's user. MIST_CERTBOT_HTTP_PORT and MIST_CERTBOT_HTTPS_PORT replace "
                    + "ports 80 and 443 (when port 80 is forwarded elsewhere, or for a test ACME server); "
                    + "MIST_CERTBOT_SETTLE_MS replaces the 5 s it waits for the controller after a change."
            ),
        ],
    ]
}
