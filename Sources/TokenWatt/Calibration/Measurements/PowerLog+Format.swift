/// Which reader a GPU power log takes.
extension PowerLog {
    /// The power log formats `calibrate --log-format` names.
    public enum Format: String, Sendable, CaseIterable {
        /// `nvidia-smi --query-gpu=… --format=csv` (`PowerLog.nvidiaSMI`).
        case nvidiaSMI = "nvidia-smi"
        /// `dcgmi dmon` (`PowerLog.dcgmDmon`).
        case dcgm
    }

    /// The format of a log none was named for: dcgmi dmon's when it holds dmon's `#Entity`
    /// header, nvidia-smi's CSV otherwise.
    public static func detectFormat(_ text: String) -> Format {
        text.contains("#Entity") ? .dcgm : .nvidiaSMI
    }
}
