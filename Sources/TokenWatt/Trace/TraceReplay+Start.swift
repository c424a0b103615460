import KernelPower

/// The start of a replay: the log's first requests, and the batch ladder they set.
extension TraceReplay {
    /// Reads the log's first requests (`TraceSample.read`) and builds the replay's batch ladder
    /// from those a replica can hold; returns the replay and every request read, all of which are
    /// priced. Requests too long for a replica alone are left out of the ladder, and `note` is
    /// told their lines before the ladder is built (`tokenwatt trace` writes it to standard error,
    /// so it stands even when the ladder then fails).
    /// - Parameter name: the log as messages name it (its path, or "(stdin)").
    /// - Throws: `FleetError` for a log with no requests, or for a ladder the deployment refuses,
    ///   naming the requests that set it.
    public static func start(_ reader: inout TraceReader, name: String, estimator: Estimator, deployment: Deployment,
                             options: Options, note: (String) -> Void) throws -> (replay: TraceReplay, sample: TraceSample) {
        let taken = try TraceSample.read(&reader, deployment: deployment, tokenBudget: options.tokenBudget)
        let sample = taken.requests
        guard !sample.isEmpty else {
            throw FleetError(description: "\(name): the request log holds no requests (a header and no request lines)")
        }
        if !taken.leftOutLines.isEmpty && !taken.ladder.isEmpty {
            note("\(name): \(taken.leftOutWords): no sequence that long fits the KV cache of one replica, even alone; "
                 + "left out of the requests that set the batch ladder, and priced as logged")
        }
        do {
            // With no request that fits, the full sample: the deployment's own error says why.
            let replay = try TraceReplay(estimator: estimator, deployment: deployment, options: options,
                                         sample: taken.ladder.isEmpty ? sample : taken.ladder)
            return (replay, taken)
        } catch let e as DeploymentError {
            let lines = taken.ladder.isEmpty && !taken.leftOutLines.isEmpty ? " (\(taken.leftOutWords))" : ""
            throw FleetError(description: "\(name): the first \(sample.count) requests\(lines), which set the batch ladder: \(e)")
        }
    }
}
