import KernelPower

/// The one time constant the serving rows cannot identify, the fused-attention efficiency, set
/// from published kernel times instead (`attention-throughput.json`): ML.ENERGY v3's prompts are
/// short, so the H100 fit's in-sample errors are the same at any value from 0.6 to 1.
extension PublishedAttention {
    /// The points that identify the Hopper attention efficiency: FlashAttention-3 on the H200, one
    /// source with its GPU and conditions stated. The H100 points (GPU variant and power limit not
    /// stated) and the B200's stay out, as checks.
    public static var hopperFit: [Point] { bundled.filter { $0.gpu == "h200" } }

    /// The attention efficiency (0.50–1.00, in steps of 0.01) whose kernel times come closest to
    /// `points` (least mean absolute percentage error) with `set`'s other constants, each point run
    /// on its own GPU, which must carry `set` unchanged (a Hopper part for the H100's set).
    public static func fittedEfficiency(set: CoefficientSet, capHold: Double, points: [Point], gpus: GPUCatalog) throws -> Double {
        let shapes = try points.map { (point: $0, gpu: try gpus.gpu($0.gpu, context: "attention-throughput.json")) }
        func mape(_ efficiency: Double) -> Double {
            var trial = set
            trial.timeModel.attentionEfficiency = efficiency
            return shapes.map { abs(predictedMicroseconds($0.point, gpu: $0.gpu, set: trial, capHold: capHold) / $0.point.microseconds - 1) }
                .reduce(0, +) / Double(shapes.count)
        }
        let scored = stride(from: 50, through: 100, by: 1).map { Double($0) / 100 }.map { (efficiency: $0, error: mape($0)) }
        return scored.min { $0.error < $1.error }?.efficiency ?? set.timeModel.attentionEfficiency
    }
}
