import KernelPower

extension DeploymentRequest {
    /// The deployment flags of `tokenwatt estimate` (and the commands that share them) that
    /// request this deployment: each field set, nothing else, so that the command resolves the
    /// defaults as this request does (`Estimator.deployment`). Numbers are written as
    /// `formatNumber` writes them, which reads back as the same value for a workload's figures.
    public var commandLineFlags: [String] {
        var f = ["--model", model, "--gpu", gpu]
        let counts: [(String, Int?)] = [("--gpus", gpus), ("--tp", tensorParallel), ("--ep", expertParallel), ("--pp", pipelineParallel)]
        for case let (flag, n?) in counts { f += [flag, String(n)] }
        let choices: [(String, String?)] = [
            ("--precision", precision?.rawValue), ("--kv-precision", kvPrecision?.rawValue), ("--ssm-state-precision", ssmStatePrecision?.rawValue),
            // vllm is the flag's default, as it is this field's.
            ("--framework", framework == .vllm ? nil : framework.rawValue), ("--attention", attention?.rawValue), ("--sampling", sampling?.rawValue),
        ]
        for case let (flag, v?) in choices { f += [flag, v] }
        let numbers: [(String, Double?)] = [("--sm-clock-mhz", smClockMHz), ("--power-cap-w", powerCapWatts),
                                            ("--host-launch-us", hostLaunchMicroseconds), ("--memory-utilization", memoryUtilization)]
        for case let (flag, x?) in numbers { f += [flag, formatNumber(x, significant: 12)] }
        return f
    }
}

/// `args` as one shell command line: a word with a character the shell reads (a space, a quote,
/// `$`) is single-quoted, so that a user catalog's id with a space still runs as printed.
public func shellCommand(_ args: [String]) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%")
    return args.map { a in
        !a.isEmpty && a.allSatisfy(plain.contains) ? a : "'" + a.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }.joined(separator: " ")
}
