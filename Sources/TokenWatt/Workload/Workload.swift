import KernelPower

/// A workload file (`Workloads/*.json`, schema version 1): named scenarios of fleets serving
/// queries. Documented in the README ("Workload files").
public struct Workload: Sendable {
    public var description: String
    public var samples: Int
    public var seed: UInt64
    public var scenarios: [Scenario]
    /// How the electricity is accounted (carbon, water, embodied) unless a scenario says otherwise.
    public var emissions = EmissionsSettings()
    /// Kernel scenarios the file wrote as one fleet under other emissions settings: the earlier
    /// scenario's name by the later one's (`WorkloadReader.emissionsTwins`), for the note that
    /// says where their energy differs by sampling alone.
    public var emissionsTwins: [String: String] = [:]
    /// FNV-1a 64 of the workload file's bytes as read, and the data files it read (traces, an
    /// hourly intensity CSV), each once in the order first read: a report records them so that
    /// its figures can be traced to its inputs, not to the build alone. Nil and empty for a
    /// workload made in code.
    public var fingerprint: String?
    public var inputs: [WorkloadInput] = []

    public static let highestSchemaVersion = 1
}

public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var kind: Kind
    /// The boundary the scenario's figures are reported at.
    public var boundary: Boundary
    public var queriesPerDay: Double
    public var pue: Distribution
    /// The file gave no pue: a default applies (reports cite its source), the catalogued fleet PUE
    /// of `pueProvider` or else the facility catalog's industry average.
    public var pueIsDefault = false
    /// The data-centre operator (`emissions.provider`, a facility catalog id) whose published PUE
    /// is the default; nil where the file gives a pue or names no operator with one.
    public var pueProvider: String?
    /// The PUE of the hot hours the peak comes on (`peakPUE`), by which a kernel fleet's peak,
    /// busiest-hour and worst-case facility MW and `capacity`'s budget are taken; nil: the mean of
    /// the PUE draws, the annual average, which a hot hour's cooling passes (a note says so).
    public var peakPUE: Double?
    /// The file gave no queriesPerDay: the default 1e9 applies (reports list it as such).
    public var queriesPerDayIsDefault = false
    /// An earlier scenario whose random draws this one reuses (same queries, same uncertain
    /// inputs), so that two scenarios differing only in, say, boundary compare sample for sample.
    public var sameDrawsAs: String?
    /// This scenario's accounting settings: its own `emissions` object merged key by key over
    /// the workload's (nil: it has none, and the workload's apply).
    public var emissions: EmissionsSettings?

    public enum Kind: Sendable {
        case kernel(KernelScenario)
        case throughputTable(ThroughputScenario)
        case mix(MixScenario)
    }
}

/// TokenWatt's own model: deployments estimated kernel by kernel, query classes, a fleet.
public struct KernelScenario: Sendable {
    public var deployments: [NamedDeployment]
    public var classes: [QueryClass]
    /// Share of the day's queries in each hour (24 values, normalised).
    public var diurnal: [Double]
    /// Extra capacity provisioned above the peak hour's load (0.3 = 30 %).
    public var headroom: Double
    /// Multiplier on GPU energy per sample: the estimator's own uncertainty.
    public var gpuEnergyScale: Distribution
    /// Multiplier on host (non-GPU) power per sample.
    public var hostPowerScale: Distribution
    public var levers: [Lever]

    /// Whether some class with traffic runs on `d`: what `fleet` prices, `capacity` sizes, the
    /// setting notes speak of and the unused-deployment note leaves out, one rule for all four.
    public func servesTraffic(_ d: NamedDeployment) -> Bool {
        classes.contains { $0.deployment == d.name && $0.share > 0 }
    }
}

public struct NamedDeployment: Sendable {
    public var name: String
    public var request: DeploymentRequest
    /// Most sequences in flight per deployment (vLLM `max_num_seqs`); the KV cache may allow fewer.
    public var maxBatch: Int
    /// Tokens per step (vLLM `max_num_batched_tokens`) as the workload sets it; nil takes the
    /// engine's default on the deployment's GPU (`budget(on:)`), as `estimate` does.
    public var tokenBudget: Int?

    /// The step budget `d` runs at: the workload's, or `ServingRequest.defaultTokenBudget(for:)`
    /// (8192 on an H100, 2048 on an A100 or L4 under vLLM). It is resolved on the deployment a
    /// lever leaves, so a lever that moves a deployment to an A100 takes the A100's budget, as
    /// vLLM started there would.
    public func budget(on d: Deployment) -> Int { tokenBudget ?? ServingRequest.defaultTokenBudget(for: d) }
}

public struct QueryClass: Sendable {
    public var name: String
    public var share: Double
    public var deployment: String
    public var input: Distribution
    public var output: Distribution
    public var strategy: Strategy
    public var prefixCacheHit: Double
    /// The trace columns `input` and `output` are drawn from, where they are traces (the
    /// distributions keep the values alone), which the report's assumptions name.
    public var inputTrace: TraceColumn? = nil
    public var outputTrace: TraceColumn? = nil
}

/// An efficiency lever: a change to the deployments or classes (mechanistic), or an Oviedo-style
/// divisor drawn per sample.
public struct Lever: Sendable {
    public var name: String
    public var kind: Kind

    public enum Kind: Sendable {
        case mechanistic(LeverChange)
        case divisor(Distribution)
    }
}

/// What a mechanistic lever changes (nil = unchanged).
public struct LeverChange: Sendable {
    public var precision: Precision?
    /// KV-cache precision, beside or instead of the weights' (`fp8` for an FP8 KV cache).
    public var kvPrecision: Precision?
    public var gpu: String?
    /// GPUs per replica; the deployment's tp, ep and pp stay as it sets them (tp follows the
    /// count only where the deployment leaves it to its default, gpus ÷ pp), as an edit of the
    /// deployment's `gpus` would.
    public var gpus: Int?
    /// Tensor- and expert-parallel degree.
    public var tensorParallel: Int?
    public var expertParallel: Int?
    /// Another model; without `precision` it runs at its checkpoint's (`KernelFleet.edited`).
    public var model: String?
    public var maxBatch: Int?
    /// The least prefix-cache hit rate of every class: a class that caches more keeps its own
    /// (`KernelFleet.apply`).
    public var prefixCacheHit: Double?
    public var powerCapWatts: Double?
    public var smClockMHz: Double?
    /// The serving framework (the serving-platform lever, e.g. TensorRT-LLM instead of vLLM).
    public var framework: Framework?
    /// How tokens are sampled (the sampler lever: `direct`, no sort of the logits).
    public var sampling: Sampling?
    /// Speculative decoding: draft tokens per step, acceptance rate per token, and the draft
    /// model's energy per drafted token as a fraction of the target's decode energy per token.
    public var speculative: Speculation?
    public typealias Speculation = (draftTokens: Int, acceptance: Double, draftCostRatio: Double)
    /// Disaggregated prefill and decode on separate GPU pools.
    public var disaggregated: Bool?

    /// Whether the change sets anything at all.
    public var isEmpty: Bool {
        precision == nil && kvPrecision == nil && gpu == nil && gpus == nil && tensorParallel == nil && expertParallel == nil
            && model == nil && maxBatch == nil && prefixCacheHit == nil
            && powerCapWatts == nil && smClockMHz == nil && framework == nil && sampling == nil && speculative == nil && disaggregated == nil
    }

    /// The kind of lever `validate` measures changes of (`LeverValidation`) that this change is,
    /// when it changes one such setting alone: precision, GPU, GPU count (with or without the tp
    /// that spans it, as the measured GPU-count pairs change both), model, batch limit, locked
    /// clock or framework. Nil for other changes and for several at once: a KV-cache precision or
    /// an expert-parallel layout has no measured pairs.
    public var measuredLever: String? {
        let measured = [(precision != nil, "precision"), (gpu != nil, "gpu"), (gpus != nil, "gpus"), (model != nil, "model"),
                        (maxBatch != nil, "batch"), (smClockMHz != nil, "clock"), (framework != nil, "framework")].filter(\.0).map(\.1)
        let unmeasured = prefixCacheHit != nil || powerCapWatts != nil || sampling != nil || speculative != nil || disaggregated != nil
            || kvPrecision != nil || expertParallel != nil || (tensorParallel != nil && gpus == nil)
        return measured.count == 1 && !unmeasured ? measured[0] : nil
    }
}

/// Oviedo et al.'s released method: node power × utilization × PUE over measured throughput.
public struct ThroughputScenario: Sendable {
    public var file: String
    public var quantization: String
    public var inputTokens: Double
    public var models: [(name: String, nodePowerKW: Double)]
    public var output: Distribution
    public var roundOutput: Bool
    public var powerUtilization: Distribution
    public var samplesPerModel: Int
    /// Top models by median energy that form the reported blend.
    public var blendTop: Int
    /// Successive trims of each blended model's samples, e.g. [(0.05, 0.95), (0.10, 0.90)].
    public var blendTrims: [(Double, Double)]
    /// Multiplier on fleet energy for orchestration and backup (Oviedo's 1.10 × 1.076 × 1.12).
    public var fleetOverhead: Double
    /// Where the scenario sits in its workload (`scenarios[0].throughputTable`), for errors
    /// found once the table is read.
    public var field = "throughputTable"
}

/// A traffic mix of other scenarios, each optionally divided by a lever drawn per sample.
public struct MixScenario: Sendable {
    public var components: [(scenario: String, share: Double, divisor: Distribution?)]
}
