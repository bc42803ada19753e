import MistCore

/// MistController's program.
public enum ControllerProgram {
    public static let controller = MistProgram(ControllerCapabilities.declaration) { options, logger in
        try ControllerMain.run(options, logger: logger)
    }
}
