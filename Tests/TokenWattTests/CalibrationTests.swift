import Foundation
import KernelPower
import Testing
@testable import TokenWatt

@Suite struct CalibrationTests {
    /// Re-running the built-in calibration on ../shared/data reproduces the committed
    /// coefficients byte for byte (refresh with `swift run -c release tokenwatt calibrate --builtin`).
    /// When the data holds runs the committed fit did not see (held-back rows of a fitted GPU
    /// dropped into the shared files), the fit must still see every run it saw, and the committed
    /// file stands for the data it was fitted on.
    @Test(.enabled(if: sharedData != nil))
    func builtinCalibrationReproducesTheCommittedFile() throws {
        let file = try BuiltinCalibration.run(dataDirectory: sharedData!)
        let path = packageRoot.appendingPathComponent("Sources/KernelPower/Resources/coefficients.json")
        let committed = try String(contentsOf: path, encoding: .utf8)
        // Runs per GPU, counted by label (a label can name two runs: eager and unrecorded attention).
        func runs(_ f: CoefficientFile) -> [String: [String: Int]] {
            Dictionary(uniqueKeysWithValues: f.fitted.map { g in (g.gpuID, Dictionary(g.residuals.map { ($0.label, 1) }, uniquingKeysWith: +)) })
        }
        let seen = runs(try CoefficientFile.read(path: path.path)), now = runs(file)
        #expect(Set(seen.keys) == Set(now.keys) && seen.allSatisfy { gpu, counts in
            counts.allSatisfy { label, n in (now[gpu]?[label] ?? 0) >= n }
        }, "the fit lost runs it was made from")
        guard seen == now else { return }
        #expect(file.json() == committed, "stale coefficients: run `swift run -c release tokenwatt calibrate --builtin`")
    }

    @Test func coefficientFileRoundTrips() throws {
        let bundled = CoefficientFile.bundled
        let again = try CoefficientFile.read(path: packageRoot.appendingPathComponent("Sources/KernelPower/Resources/coefficients.json").path)
        #expect(again == bundled)
        #expect(bundled.json() == again.json())
    }

    /// The spine issue's accuracy targets on the EnergAIzer forward passes (all language-model
    /// rows that did not fail, fixed clock and clock sweep): power MAPE ≤ 8 %, energy MAPE ≤ 10 %.
    @Test(.enabled(if: sharedData != nil), arguments: ["a100-pcie-40gb", "a10"])
    func energaizerAccuracyTargets(_ gpu: String) throws {
        let records = try EnergAIzerValidation.records(dataDirectory: sharedData!).filter { $0.gpu == gpu && $0.estimator == "tokenwatt" }
        let power = records.filter { $0.metric == "power_w" }
        let energy = records.filter { $0.metric == "energy_j" }
        #expect(power.count > 60)
        let p = ErrorMetrics(predicted: power.map(\.predicted), measured: power.map(\.measured))
        let e = ErrorMetrics(predicted: energy.map(\.predicted), measured: energy.map(\.measured))
        #expect(p.mape <= 0.08, "power MAPE \(p.mape)")
        #expect(e.mape <= 0.10, "energy MAPE \(e.mape)")
    }

    /// The clock sweep shows power rising with V²f and flattening under the 250 W cap.
    @Test func clockSweepRisesThenFlattensAtTheCap() throws {
        let estimator = Estimator()
        var last = 0.0
        var powers: [Double] = []
        for mhz in stride(from: 510.0, through: 1410, by: 90) {
            let r = DeploymentRequest(model: "bert-large", gpu: "a100-pcie-40gb", gpus: 1, precision: .bf16, framework: .hf,
                                      attention: .eager, smClockMHz: mhz, powerCapWatts: 250)
            let p = try estimator.forwardPass(try estimator.deployment(r), phase: .prefill(batch: 32, tokens: 512), lmHead: false)
            #expect(p.averagePower.watts >= last - 1e-9)
            last = p.averagePower.watts
            powers.append(last)
        }
        #expect(powers.first! < 150)
        #expect(powers.last! <= 250)
        #expect(approx(powers[powers.count - 1], powers[powers.count - 2], rel: 0.01), "flat under the cap: \(powers)")
    }

    static let truth = PowerCoefficients(tensorJoulesPerFLOP: 0.5e-12, fp32JoulesPerFLOP: 20e-12, sharedMemoryJoulesPerByte: 10e-12,
                                         l2JoulesPerByte: 30e-12, activeSMJoulesPerCycle: 0.8e-9, hbmJoulesPerByte: 90e-12,
                                         linkJoulesPerByte: 10.4e-12)
    static let syntheticHost = HostModel(launchTime: .microseconds(25), passOverhead: .microseconds(500))

    /// Prefill passes on the A100-PCIe whose power comes from `truth`: measured rows with known answers.
    static func syntheticRows(_ gpu: GPUSpec, timeModel: TimeModel) throws -> [CalibrationRow] {
        let estimator = Estimator()
        let pe = PassEstimator(gpu: gpu, power: PowerModel(gpu: gpu, coefficients: truth, capHoldFraction: 1), timeModel: timeModel,
                               host: syntheticHost)
        var rows: [CalibrationRow] = []
        for model in ["gpt2-124m", "opt-1.3b", "qwen2-1.5b", "bert-large"] {
            for (b, s) in [(1, 128), (4, 512), (8, 1024), (2, 2048), (16, 256)] {
                for mhz in [600.0, 900, 1200] {
                    let d = try estimator.deployment(DeploymentRequest(model: model, gpu: gpu.id, gpus: 1, precision: .bf16, framework: .hf))
                    let program = try PhasePlanner(deployment: d, includeLMHead: false).program(for: .prefill(batch: b, tokens: s))
                    let e = pe.run(program, at: .megahertz(mhz), cap: nil)
                    rows.append(CalibrationRow(label: "\(model) b\(b) s\(s) \(mhz)", group: model, gpu: gpu, passes: [(program, 1)],
                                               lockedClock: .megahertz(mhz), measuredClock: .megahertz(mhz), powerCap: .watts(250),
                                               powerLimited: false, measuredTime: e.time, measuredPower: e.averagePower))
                }
            }
        }
        return rows
    }

    @Test func nnlsCalibrationRecoversKnownCoefficients() throws {
        // Synthesize measured powers from known coefficients, fit, recover them.
        let gpu = try GPUCatalog.bundled.gpu("a100-pcie-40gb")
        let set = CoefficientFile.bundled.coefficients(for: gpu)
        let rows = try Self.syntheticRows(gpu, timeModel: set.timeModel)
        let host = Self.syntheticHost
        let fit = Calibrator.fitPower(rows, gpu: gpu, timeModel: set.timeModel, host: host, prior: Self.truth, priorWeight: 0)
        let model = PowerModel(gpu: gpu, coefficients: fit, capHoldFraction: 1)
        let check = PassEstimator(gpu: gpu, power: model, timeModel: set.timeModel, host: host)
        for r in rows {
            let p = check.run(r.passes[0].program, at: r.lockedClock, cap: nil).averagePower.watts
            #expect(approx(p, r.measuredPower.watts, rel: 1e-6))
        }
    }

    /// A pinned feature keeps its prior exactly, and the free features still reproduce the rows
    /// when the pinned value is the true one.
    @Test func pinnedFeatureKeepsItsPrior() throws {
        let gpu = try GPUCatalog.bundled.gpu("a100-pcie-40gb")
        let set = CoefficientFile.bundled.coefficients(for: gpu)
        let rows = try Self.syntheticRows(gpu, timeModel: set.timeModel)
        let host = Self.syntheticHost
        let atTruth = Calibrator.fitPower(rows, gpu: gpu, timeModel: set.timeModel, host: host, prior: Self.truth, priorWeight: 0,
                                          pinned: [.tensor])
        #expect(atTruth.tensorJoulesPerFLOP == Self.truth.tensorJoulesPerFLOP)
        let check = PassEstimator(gpu: gpu, power: PowerModel(gpu: gpu, coefficients: atTruth, capHoldFraction: 1),
                                  timeModel: set.timeModel, host: host)
        for r in rows {
            #expect(approx(check.run(r.passes[0].program, at: r.lockedClock, cap: nil).averagePower.watts, r.measuredPower.watts, rel: 1e-6))
        }
        var wrong = Self.truth
        wrong.tensorJoulesPerFLOP *= 3
        let atWrong = Calibrator.fitPower(rows, gpu: gpu, timeModel: set.timeModel, host: host, prior: wrong, priorWeight: 0,
                                          pinned: [.tensor])
        #expect(atWrong.tensorJoulesPerFLOP == wrong.tensorJoulesPerFLOP)
        #expect(atWrong.activeSMJoulesPerCycle < Self.truth.activeSMJoulesPerCycle, "the free features give back what the pin took")
    }

    /// The bundled prefill-only fits hold the tensor energy at its published value (Antepara et
    /// al.); the H100 serving fit leaves it free.
    @Test func prefillFitsHoldTheTensorEnergyAtItsPublishedValue() throws {
        let file = CoefficientFile.bundled
        for id in ["a100-pcie-40gb", "a10"] {
            let gpu = try GPUCatalog.bundled.gpu(id)
            #expect(file.coefficients(for: gpu).power.tensorJoulesPerFLOP == PowerCoefficients.published(for: gpu).tensorJoulesPerFLOP)
        }
        let h100 = try GPUCatalog.bundled.gpu("h100-sxm")
        #expect(file.coefficients(for: h100).power.tensorJoulesPerFLOP != PowerCoefficients.published(for: h100).tensorJoulesPerFLOP)
    }
}
