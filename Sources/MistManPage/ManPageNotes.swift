/// Sections of a man page that no capability declares: how a binary behaves beyond its flags.
enum ManPageNotes {
    /// Titled paragraphs per binary, written after the options.
    static let sections: [String: [(title: String, text: String)]] = [
        "MistController": [
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
            )
        ]
    ]
}
