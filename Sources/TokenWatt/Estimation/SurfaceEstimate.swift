import KernelPower

/// `estimate --method surface`: one request priced by the closed form (`TokenFormula`), with what
/// the kernel method says of the same deployment and batch. The surface's CSV, JSON and Markdown
/// had dropped every caveat (a request over the context window, a batch cut from 32 to the 3
/// sequences the KV cache holds) and written 25 CSV columns against the kernel method's 34, and a
/// JSON without `model`, `gpu`, `settings` or `assumptions` (2026-12-07 probe); the two methods now
/// write the same columns and keys, empty or null where the surface has no figure.
public struct SurfaceEstimate: Sendable {
    public let formula: TokenFormula
    /// The request priced: its lengths, the requested batch, the step budget and memory fraction.
    public let request: ServingRequest
    /// The reference request whose KV footprint sets the batch (`--reference-input/-output`).
    public let reference: (input: Int, output: Int)
    /// What qualifies the figures, in the words the kernel method's note and assumptions use.
    public let caveats: [String]

    /// - Parameters:
    ///   - request: the request to price; its batch is the most sequences in flight.
    ///   - reference: the request that sets how many sequences the KV cache holds.
    public init(estimator: Estimator, deployment d: Deployment, request: ServingRequest, reference: (input: Int, output: Int),
                settings: LedgerSettings, boundary: Boundary) throws {
        formula = try TokenFormula(estimator: estimator, deployment: d, batch: request.batch, input: reference.input,
                                   output: reference.output, tokenBudget: request.tokenBudget, settings: settings, boundary: boundary)
        self.request = request
        self.reference = reference
        caveats = Self.caveats(estimator, d, request: request, reference: reference, settings: settings, boundary: boundary, formula: formula)
    }

    /// The kernel method's notes and caveats for the reference request at the same batch (the
    /// batch the surface runs: a cut batch, a step budget, the deployment's own caveats and a
    /// calibration's), with the context note of the request priced in place of the reference's,
    /// then the surface's own (`TokenFormula.notes`, `shareNote`). The load alternative is the
    /// kernel method's figure and is left out. A reference the kernel method refuses leaves the
    /// deployment's caveats alone (the surface prices it all the same).
    static func caveats(_ estimator: Estimator, _ d: Deployment, request r: ServingRequest, reference: (input: Int, output: Int),
                        settings: LedgerSettings, boundary: Boundary, formula: TokenFormula) -> [String] {
        var shape = r
        shape.inputTokens = reference.input
        shape.outputTokens = reference.output
        let kernel = try? QueryEstimate(estimator: estimator, deployment: d, request: shape, settings: settings, boundary: boundary)
        let sameShape = reference == (r.inputTokens, r.outputTokens)
        let referenceContext = d.contextNote(tokens: reference.input + reference.output)
        let servingNotes = (kernel?.serving.notes ?? []).filter { $0 != referenceContext }
        let own = [d.contextNote(tokens: r.inputTokens + r.outputTokens)].compactMap { $0 } + servingNotes
        let qualifiers = kernel.map { $0.caveats + $0.calibrationNotes } ?? QueryEstimate.deploymentCaveats(d)
        return own + qualifiers + (sameShape ? [] : formula.notes)
            + [formula.shareNote(input: r.inputTokens, output: r.outputTokens)].compactMap { $0 }
    }

    public var deployment: Deployment { formula.deployment }
    public var boundary: Boundary { formula.boundary }
    /// Each boundary's Wh for the request priced.
    public var wattHours: [Boundary: Double] { formula.wattHours(input: request.inputTokens, output: request.outputTokens) }
    /// The measured error range for the request priced, where the GPU has a band.
    public var range: (band: ErrorBand, low: [Boundary: Double], high: [Boundary: Double])? {
        formula.range(input: request.inputTokens, output: request.outputTokens)
    }
}
