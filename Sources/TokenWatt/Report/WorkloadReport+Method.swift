import Foundation
import KernelPower

/// How the report's figures are made, for a disclosure that must say so (an EU AI Act Annex
/// XI-style energy statement, a CSRD note): a compliance probe (2026-12-08) found that no report
/// said its figures were modelled, not metered, nor by what model, draws and coefficients.
extension WorkloadReport {
    /// The Method section: a heading and `methodWords` as paragraphs.
    func method() -> [ReportBlock] {
        [.heading(2, "Method")] + methodWords.map(ReportBlock.paragraph)
    }

    /// The Method section's paragraphs, which the JSON's `method.words` repeats. Every figure in
    /// them is the run's own: its draws and seed, its scenarios, its GPUs' coefficients.
    var methodWords: [String] {
        var words = ["Every figure in this report is an estimate from a model; none is metered: no energy, power, carbon, water or cost figure "
                     + "here was measured on the service it describes."]
        let kernels = scenarioNames { if case .kernel = $0 { true } else { false } }
        if !kernels.isEmpty {
            words.append("\(Self.which(kernels)): each prefill and decode step is priced by TokenWatt's kernel-level GPU model (after EnergAIzer, "
                         + "ISPASS 2026): a step is a list of GPU kernels; each kernel's time comes from its tiling over the GPU's units; that time "
                         + "gives each unit's duty cycle (tensor cores, CUDA cores, shared memory, L2, HBM, interconnect); and watts are the GPU's idle "
                         + "power plus each duty cycle × a per-unit power coefficient, held at the power cap by lowering the clock. Steps are served "
                         + "at the batch the KV cache and the step budget allow, and a query's energy is its share of the steps it is in. A Monte "
                         + "Carlo over the workload's request lengths, query classes and uncertain inputs gives the spread (\(drawWords), seed \(seed)). "
                         + coefficientWords)
        }
        let tables = workload.scenarios.compactMap { s -> String? in
            if case let .throughputTable(t) = s.kind { "\(ReportDocument.code(s.name)) (table \(ReportDocument.code(t.file)))" } else { nil }
        }
        if !tables.isEmpty {
            words.append("\(tables.count == 1 ? "Throughput-table scenario" : "Throughput-table scenarios") \(tables.joined(separator: ", ")): "
                         + "Oviedo et al.'s method (arXiv 2509.20241): a query's energy is PUE × the node's maximum power × its power utilization "
                         + "× the query's output tokens ÷ the tokens per second fitted on the measured throughput table, over a Monte Carlo of "
                         + "output lengths, power utilization and PUE (\(drawWords), seed \(seed)); no kernel model is run.")
        }
        let mixes = scenarioNames { if case .mix = $0 { true } else { false } }
        if !mixes.isEmpty { words.append("\(Self.which(mixes, kind: "Mix scenario")): their parts' draws, blended by the parts' shares.") }
        words.append(validationWords)
        return words
    }

    /// What the GPUs' power coefficients were fitted on, by GPU (`CoefficientSet.provenance`,
    /// the words estimate's ASSUMPTIONS prints).
    var coefficientWords: String {
        var byGPU: [(gpu: String, provenance: String)] = []
        for s in serving where !byGPU.contains(where: { $0.gpu == s.gpu }) { byGPU.append((s.gpu, s.coefficients)) }
        guard !byGPU.isEmpty else { return "" }
        return "Power coefficients: " + byGPU.map { "\($0.provenance) (\($0.gpu))" }.joined(separator: "; ") + "."
    }

    /// Where the model's accuracy against measurements is published.
    var validationWords: String {
        calibrationIsBundled
            ? "How far such estimates fall from measurements is published by `tokenwatt validate` (Reports/validation.md): each GPU's measured ÷ "
                + "estimated error band, whose ends give the report's low–high ranges with the GPU energy at the ends of that band."
            : "This report is made with another calibration than the bundled one: the error `tokenwatt validate` publishes (Reports/validation.md) "
                + "is the bundled calibration's, not this one's."
    }

    /// The names of the scenarios whose kind passes `test`, in file order.
    func scenarioNames(_ test: (Scenario.Kind) -> Bool) -> [String] { workload.scenarios.filter { test($0.kind) }.map(\.name) }

    /// "Kernel scenario `a`", "Kernel scenarios `a`, `b`".
    static func which(_ names: [String], kind: String = "Kernel scenario") -> String {
        "\(kind)\(names.count == 1 ? "" : "s") " + names.map(ReportDocument.code).joined(separator: ", ")
    }

    /// The JSON's `method`: that the figures are modelled, the draws, the coefficients' provenance
    /// by GPU and the paragraphs the Markdown prints.
    func methodJSON() -> JSONValue {
        var gpus: [String] = []
        let coefficients = serving.filter { s in !gpus.contains(s.gpu) && { gpus.append(s.gpu); return true }() }
        return .obj([("metered", .bool(false)), ("samples", .num(Double(samples))), ("seed", .num(Double(seed))),
                     ("powerCoefficients", .array(coefficients.map { .obj([("gpu", .str($0.gpu)), ("provenance", .str($0.coefficients))]) })),
                     ("validation", .str("Reports/validation.md")), ("words", .array(methodWords.map(JSONValue.str)))])
    }
}
