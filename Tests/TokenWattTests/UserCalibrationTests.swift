import Foundation
import KernelPower
import Testing
@testable import TokenWatt

@Suite struct UserCalibrationTests {
    struct LCG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    static let gpu = try! GPUCatalog.bundled.gpu("a100-sxm-80gb")
    static let truth = PowerCoefficients(tensorJoulesPerFLOP: 0.4e-12, fp32JoulesPerFLOP: 12e-12, sharedMemoryJoulesPerByte: 8e-12,
                                         l2JoulesPerByte: 25e-12, activeSMJoulesPerCycle: 0.6e-9, hbmJoulesPerByte: 70e-12,
                                         linkJoulesPerByte: 10.4e-12)

    /// Synthesizes an nvidia-smi log and a run manifest from known coefficients: 100 ms samples,
    /// a warm-up at idle power over the first 8 % of each window, ±1 % noise.
    static func synthesize() throws -> (log: String, manifest: String, estimator: Estimator) {
        let estimator = Estimator()
        let set = estimator.calibration.coefficients(for: gpu)
        let host = HostModel(launchTime: .microseconds(5), passOverhead: .microseconds(300))
        // The runs are vLLM's: its kernels run under the serving time model, as the estimator has it.
        let pe = PassEstimator(gpu: gpu, power: PowerModel(gpu: gpu, coefficients: truth, capHoldFraction: 1),
                               timeModel: estimator.servingTimeModel(set, gpu: gpu), host: host)
        var rng = LCG(state: 7)
        var log = "timestamp, index, power.draw [W], clocks.sm [MHz], utilization.gpu [%]\n"
        var manifest = "start,end,model,gpu,framework,phase,batch,input_tokens,sm_clock_mhz,passes\n"
        var t = 1_767_225_600.0   // 2026-01-01 00:00:00 UTC
        // A realistic campaign: two models, prefill and decode, four batch sizes, three clocks.
        var configs: [(String, String, Int, Int, Double)] = []
        for model in ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-8B"] {
            for (i, batch) in [1, 8, 32, 128].enumerated() {
                for (j, mhz) in [900.0, 1200, 1410].enumerated() {
                    configs.append((model, "decode-step", batch * 2, [512, 2048, 8192][(i + j) % 3], mhz))
                    configs.append((model, "forward", max(1, batch / 8), [256, 1024, 2048][(i + j) % 3], mhz))
                }
            }
        }
        for (model, phase, batch, tokens, mhz) in configs {
            let d = try estimator.deployment(DeploymentRequest(model: model, gpu: gpu.id, gpus: 1, framework: .vllm, smClockMHz: mhz))
            let p = phase == "forward" ? Phase.prefill(batch: batch, tokens: tokens) : Phase.decode(batch: batch, context: tokens)
            let e = pe.run(try PhasePlanner(deployment: d).program(for: p), at: .megahertz(mhz), cap: nil)
            let passes = max(1, Int((10 / e.time.seconds).rounded()))
            let duration = Double(passes) * e.time.seconds
            var s = 0.0
            while s <= duration {
                let warm = s < 0.08 * duration
                let watts = (warm ? gpu.idle(at: .megahertz(mhz)).watts : e.averagePower.watts) * (1 + 0.02 * (rng.next() - 0.5))
                log += "\(stamp(t + s)), 0, \(formatFixed(watts, decimals: 2)) W, \(Int(mhz)) MHz, \(warm ? 0 : 97) %\n"
                s += 0.1
            }
            manifest += "\(stamp(t)),\(stamp(t + duration)),\(model),\(gpu.id),vllm,\(phase),\(batch),\(tokens),\(Int(mhz)),\(passes)\n"
            t += duration + 5
        }
        return (log, manifest, estimator)
    }

    static func stamp(_ t: Double) -> String {
        let d = Date(timeIntervalSince1970: t)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 0) ?? cal.timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: d)
        let ms = Int((Double(c.nanosecond ?? 0) / 1e6).rounded(.down))
        return String(format: "%04d/%02d/%02d %02d:%02d:%02d.%03d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!, ms)
    }

    /// Round trip: synthesize a power log from known coefficients with noise, calibrate, and
    /// recover power within the noise and the dominant coefficients within 10 %.
    @Test func roundTripRecoversTheCoefficients() throws {
        let (log, manifest, estimator) = try Self.synthesize()
        let samples = try PowerLog.nvidiaSMI(log, file: "smi.csv")
        let runs = try RunManifest.join(manifest: try CSVTable.parse(manifest, file: "runs.csv"), samples: samples)
        #expect(runs.count == 48)
        let result = try UserCalibration.run(runs, estimator: estimator)
        let fit = try #require(result.fitted.first)
        #expect(fit.gpuID == Self.gpu.id)
        #expect(fit.summary.powerMAPE < 0.01, "power MAPE \(fit.summary.powerMAPE)")
        // The bundled coefficients, which the synthetic truth departs from, are scored before the fit.
        let before = try #require(result.before[Self.gpu.id])
        #expect(before.rows == fit.summary.rows && before.powerMAPE > 5 * fit.summary.powerMAPE, "\(before.powerMAPE)")
        for (feature, (recovered, truth)) in zip(PowerFeature.allCases, zip(fit.set.power.vector, Self.truth.vector))
        where [.activeSM, .hbm].contains(feature) {
            // 11 %: the fit is pulled towards the set in use (methodology §5), whose active-SM energy
            // this synthetic truth halves; it lands 10.3 % above the truth (6.6 % with the published pull).
            #expect(abs(recovered / truth - 1) < 0.11, "\(feature): \(recovered) vs \(truth)")
        }
        #expect(!fit.idlePoints.isEmpty)
        #expect(abs(fit.idlePoints[0].watts / Self.gpu.idle(at: .megahertz(fit.idlePoints[0].clockMHz)).watts - 1) < 0.02)
        #expect(fit.crossValidation != nil)
    }

    /// GPUs carried over from a refitted one say whose fit they now carry: the file had said that
    /// other GPUs keep the bundled coefficients while a user's H100 fit moved the B200 by 17 %.
    @Test func gpusCarriedFromAUserFitSaySo() throws {
        let estimator = Estimator()
        let bundled = estimator.calibration
        var h100 = try #require(bundled.fittedSet(for: "h100-sxm"))
        h100.set.provenance = "fitted on 12 user runs of h100-sxm; 2 of 12 runs at the cap left out"
        let file = CoefficientFile(capHoldFraction: bundled.capHoldFraction,
                                   fitted: bundled.fitted.filter { $0.gpuID != "h100-sxm" } + [h100], provenance: "t")
        let b200 = try GPUCatalog.bundled.gpu("b200")
        #expect(file.coefficients(for: b200).provenance.hasPrefix("carried over from h100-sxm (fitted on 12 user runs of h100-sxm, not the bundled fit) by specs"))
        #expect(!bundled.coefficients(for: b200).provenance.contains("user runs"))
        let note = UserCalibration.carriedNote(fitted: ["h100-sxm"], merged: file.fitted.map(\.gpuID), estimator: estimator)
        #expect(note.contains("not the bundled one") && note.contains("b200") && note.contains("h200") && !note.contains("a40"), "\(note)")
        #expect(UserCalibration.carriedNote(fitted: [Self.gpu.id], merged: bundled.fitted.map(\.gpuID) + [Self.gpu.id], estimator: estimator).isEmpty)
    }

    /// Data that cannot identify a fit is refused with the reason: one configuration, constant
    /// power, every run at the cap, and every run capped at one power (blamed on idle GPUs while
    /// the constant-power check ran first).
    @Test(arguments: [
        (["1,128,60,8", "1,128,61,8"], "distinct configuration", nil),
        (["1,128,100,8", "4,512,100,20", "8,1024,100,90"], "constant", nil),
        (["1,128,141,8", "4,512,145,20", "8,1024,149,90"], "power cap", nil),
        (["1,128,145,8", "4,512,145,20", "8,1024,145,90"], "power cap", "constant"),
    ] as [([String], String, String?)])
    func refusesDegenerateData(runs: [String], reason: String, notReason: String?) throws {
        let csv = "model,gpu,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms\n"
            + runs.map { "qwen2-1.5b,a10,forward,\($0)\n" }.joined()
        #expect { try UserCalibration.run(try MeasurementReader.plainCSV(try CSVTable.parse(csv, file: "m.csv"))) } throws: { e in
            guard let r = e as? UserCalibration.Refusal else { return false }
            return r.description.contains(reason) && !(notReason.map { r.description.contains($0) } ?? false)
        }
    }

    @Test func readsNvidiaSMIWithAndWithoutUnitsAndDCGM() throws {
        let withUnits = "timestamp, index, power.draw [W], clocks.sm [MHz], utilization.gpu [%]\n2026/01/01 00:00:00.100, 0, 250.50 W, 1410 MHz, 98 %\n2026/01/01 00:00:00.200, 1, [N/A], 1410 MHz, 98 %\n"
        let s = try PowerLog.nvidiaSMI(withUnits, file: "a.csv")
        #expect(s.count == 1 && s[0].watts == 250.5 && s[0].smClockMHz == 1410 && s[0].utilization == 98)
        let noUnits = "timestamp, index, power.draw [W]\n2026/01/01 00:00:01.000, 0, 99.5\n"
        #expect(try PowerLog.nvidiaSMI(noUnits, file: "b.csv")[0].watts == 99.5)
        let dcgm = "#Entity   POWER  SMCLK  GPUTL\nID        W      MHZ    %\nGPU 0     301.2  1980   95\nGPU 1     299.8  1980   94\nGPU 0     305.0  1980   96\n"
        let d = try PowerLog.dcgmDmon(dcgm, file: "d.txt", intervalSeconds: 0.5)
        #expect(d.count == 3 && d[2].time == 0.5 && d[2].watts == 305)
        #expect(throws: InputError.self) { try PowerLog.nvidiaSMI("timestamp, index, power.draw\nnot a time, 0, 10 W\n", file: "c.csv") }
    }

    @Test func readsZeusWindows() throws {
        let json = #"{"windows": [{"name": "run1", "time": 10, "gpu_energy": {"0": 2500, "1": 2700}}]}"#
        let w = try ZeusWindow.read(Data(json.utf8), file: "z.json")
        #expect(w[0].seconds == 10 && w[0].energyJoules[1] == 2700)
        let manifest = "window,model,gpu,gpus,phase,batch,input_tokens,passes\nrun1,qwen2-1.5b,a10,2,forward,8,512,100\n"
        let runs = try RunManifest.join(manifest: try CSVTable.parse(manifest, file: "m.csv"), zeus: w)
        #expect(approx(runs[0].gpuPowerWatts, 260))
        #expect(approx(runs[0].unitTimeSeconds ?? 0, 0.1))
    }

    /// Every `stride`-th run of the synthesized campaign, joined to its log.
    static func syntheticRuns(stride: Int = 4) throws -> (runs: [MeasuredRun], estimator: Estimator) {
        let (log, manifest, estimator) = try synthesize()
        let runs = try RunManifest.join(manifest: try CSVTable.parse(manifest, file: "runs.csv"),
                                        samples: try PowerLog.nvidiaSMI(log, file: "smi.csv"))
        return (runs.enumerated().filter { $0.offset % stride == 0 }.map(\.element), estimator)
    }

    static func refusal(_ runs: [MeasuredRun], _ estimator: Estimator) -> String? {
        do { _ = try UserCalibration.run(runs, estimator: estimator) } catch { return "\(error)" }
        return nil
    }

    /// Idle GPUs measured (wrong gpu_indices, a DCGM log at the wrong interval) were fitted: 62 W on
    /// an A100 whose idle is 82 W at 1410 MHz became the idle table and zeroed two energies.
    @Test func refusesRunsMeasuredBelowIdle() throws {
        var (runs, estimator) = try Self.syntheticRuns()
        runs[1].gpuPowerWatts = 50
        let message = try #require(Self.refusal(runs, estimator))
        #expect(message.contains("below the GPU's idle power") && message.contains(runs[1].label) && message.contains("gpu_indices"), "\(message)")
    }

    /// Idle readings between the runs of a continuous log join the idle table: only those inside
    /// windows counted, so a log of busy runs with idle gaps between gave none.
    @Test func readsIdleBetweenRuns() throws {
        var log = "timestamp, index, power.draw [W], clocks.sm [MHz], utilization.gpu [%]\n"
        var manifest = "start,end,model,gpu,phase,batch,input_tokens,passes\n"
        var t = 1_767_225_600.0
        for batch in [1, 8] {
            for i in 0..<20 { log += "\(Self.stamp(t + Double(i) * 0.1)), 0, 61.00 W, 210 MHz, 0 %\n" }   // idle gap
            t += 2
            for i in 0..<20 { log += "\(Self.stamp(t + Double(i) * 0.1)), 0, 250.00 W, 1410 MHz, 95 %\n" }
            manifest += "\(Self.stamp(t)),\(Self.stamp(t + 1.9)),meta-llama/Llama-3.1-8B-Instruct,\(Self.gpu.id),forward,\(batch),512,10\n"
            t += 2
        }
        let runs = try RunManifest.join(manifest: try CSVTable.parse(manifest, file: "runs.csv"), samples: try PowerLog.nvidiaSMI(log, file: "smi.csv"))
        #expect(runs[0].idleSamples.count == 40 && runs[1].idleSamples.isEmpty)
        #expect(runs[0].idleSamples.allSatisfy { $0.0 == 210 && $0.1 == 61 })
    }

    /// A run is named by its file and line and, where the file has one, its `id`: residuals and
    /// refusals read "m.csv:3" alone, which a user's notes do not.
    @Test func namesARunByItsID() throws {
        let csv = "id,model,gpu,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms\nwarm-up,qwen2-1.5b,a10,forward,1,128,60,8\n,qwen2-1.5b,a10,forward,4,512,90,20\n"
        let runs = try MeasurementReader.plainCSV(try CSVTable.parse(csv, file: "m.csv"))
        #expect(runs.map(\.label) == ["m.csv:2 (warm-up)", "m.csv:3"])
    }

    /// Seconds or microseconds in measured_time_ms were fitted (time MAPE 79,531 % and 97.9 %).
    @Test(arguments: [(0.001, "were seconds written"), (1000, "were microseconds written")])
    func refusesTimesInTheWrongUnit(scale: Double, hint: String) throws {
        var (runs, estimator) = try Self.syntheticRuns()
        // As if read from measured_time_ms (the campaign's come from its windows and pass counts).
        for i in runs.indices {
            runs[i].unitTimeSeconds = runs[i].unitTimeSeconds.map { $0 * scale }
            runs[i].timeColumn = "measured_time_ms"
        }
        let message = try #require(Self.refusal(runs, estimator))
        #expect(message.contains("misses the measured times") && message.contains(hint), "\(message)")
    }

    /// Runs at 92 % of the cap or more are left out of the fit; the result says how many.
    @Test func countsTheCappedRunsItLeavesOut() throws {
        var (runs, estimator) = try Self.syntheticRuns()
        let limit = 0.92 * Self.gpu.tdp.watts
        // The campaign's large forward passes reach the cap already; two more are pushed there.
        for i in runs.indices.filter({ runs[$0].gpuPowerWatts < limit }).prefix(2) { runs[i].gpuPowerWatts = 390 }
        let capped = runs.filter { $0.gpuPowerWatts >= limit }.count
        let result = try UserCalibration.run(runs, estimator: estimator)
        #expect(result.leftOut[Self.gpu.id] == capped)
        let fit = try #require(result.fitted.first)
        #expect(fit.set.provenance.contains("\(capped) of \(runs.count) runs at or above 92 % of the power cap left out"), "\(fit.set.provenance)")
    }

    /// Six decode steps all at one batch were fitted without a word (tensor efficiency at its bound).
    @Test func warnsWhenTheRunsDoNotVaryTheWorkPerPass() throws {
        let (all, estimator) = try Self.syntheticRuns(stride: 1)
        let runs = all.filter { $0.request.phase == .decodeStep && $0.request.batch == 64 }
        #expect(runs.count == 6)
        let result = try UserCalibration.run(runs, estimator: estimator)
        #expect(result.warnings.contains { $0.contains("64 to 64 tokens per pass") }, "\(result.warnings)")
        #expect(try #require(result.fitted.first).set.provenance.contains("warning: the fitted runs process 64 to 64 tokens"))
    }

    /// An efficiency or an upper bound the fit moved to is named; a fixed cost at its floor ("none") is not.
    @Test func namesConstantsAtTheirSearchBounds() throws {
        let (all, estimator) = try Self.syntheticRuns()
        let runs = try all.map { try UserCalibration.userRun($0, estimator: estimator) }
        var set = estimator.calibration.coefficients(for: Self.gpu)
        set.timeModel.tensorEfficiency = 1
        set.timeModel.kernelOverhead = .microseconds(0.2)
        set.hosts["vllm"] = HostModel(launchTime: .microseconds(5), passOverhead: .microseconds(50_000))
        let fit = FittedGPU(gpuID: Self.gpu.id, set: set, summary: FitSummary(rows: 0, powerMAPE: 0, energyMAPE: 0, timeMAPE: 0), residuals: [])
        let warning = UserCalibration.atBounds(fit, runs: runs, estimator: estimator).joined()
        #expect(warning.contains("tensorEfficiency 1 (upper bound)") && warning.contains("passOverhead 50000 (upper bound)"), "\(warning)")
        #expect(!warning.contains("kernelOverhead"))
    }

    /// The bundled H100 tensor efficiency was 1, its upper bound (its link efficiency is since the
    /// 2026-12-07 refit): runs that agree with the bundled fit (the tool's own predictions, or the
    /// ML.ENERGY data it was fitted on) were told to check their units, and the false alarm was
    /// copied into the file's provenance.
    @Test func aConstantThatStartedAtItsBoundIsNoWarning() throws {
        let estimator = Estimator()
        let csv = "model,gpu,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms\n"
            + "meta-llama/Llama-3.1-8B-Instruct,h100-sxm,forward,1,512,400,20\n"
        let runs = try MeasurementReader.plainCSV(try CSVTable.parse(csv, file: "m.csv")).map { try UserCalibration.userRun($0, estimator: estimator) }
        let h100 = try #require(estimator.calibration.fittedSet(for: "h100-sxm"))
        #expect(h100.set.timeModel.tensorEfficiency == 1 || h100.set.timeModel.linkEfficiency == 1)
        #expect(UserCalibration.atBounds(h100, runs: runs, estimator: estimator).isEmpty)
    }

    /// Zeus measures every visible GPU; the idle ones were averaged in (129 W read for 330 W).
    @Test func readsOnlyTheRunsGPUsFromZeusWindows() throws {
        let json = #"{"windows": [{"name": "w", "time": 10, "gpu_energy": {"0": 3000, "1": 620, "2": 2800, "3": 3000}}]}"#
        let w = try ZeusWindow.read(Data(json.utf8), file: "z.json")
        let manifest = """
        window,model,gpu,gpus,phase,batch,input_tokens,passes,gpu_indices
        w,qwen2-1.5b,a10,2,forward,8,512,100,2;3
        w,qwen2-1.5b,a10,1,forward,8,512,100,
        w,qwen2-1.5b,a10,1,forward,8,512,100,5

        """
        let table = try CSVTable.parse(manifest, file: "m.csv")
        #expect(throws: CellError.self) { try RunManifest.join(manifest: table, zeus: w) }
        let ok = try CSVTable.parse(manifest.components(separatedBy: "\n").prefix(3).joined(separator: "\n") + "\n", file: "m.csv")
        let runs = try RunManifest.join(manifest: ok, zeus: w)
        #expect(approx(runs[0].gpuPowerWatts, 290) && approx(runs[1].gpuPowerWatts, 300), "\(runs.map(\.gpuPowerWatts))")
    }

    /// The unknown-GPU refusal printed the run's label twice ("m.csv:2: m.csv:2: unknown GPU").
    @Test func namesAnUnmodellableRunOnce() throws {
        let csv = "model,gpu,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms\nqwen2-1.5b,acme-x1,forward,1,128,60,8\n"
        let message = try #require(Self.refusal(try MeasurementReader.plainCSV(try CSVTable.parse(csv, file: "m.csv")), Estimator()))
        #expect(message.contains("m.csv:2") && !message.contains("m.csv:2: m.csv:2"), "\(message)")
    }

    // MARK: - Runs made from the tool's own predictions

    /// A runs CSV whose readings are what `predict` gives for `rows` (lines under `header`), power
    /// × `powerScale`, time × `timeScale`: forward and decode-step rows in `measured_time_ms`
    /// (or `measured_forward_energy_j`, for all GPUs or, with `energyPerGPU`, for one), serve
    /// rows in `measured_joules_per_output_token` × `joulesScale`.
    static func ownRunsCSV(_ header: String, _ rows: [String], powerScale: Double = 1, timeScale: Double = 1,
                           joulesScale: Double = 1, energy: Bool = false, energyPerGPU: Bool = false,
                           estimator: Estimator) throws -> String {
        let table = try CSVTable.parse(header + "\n" + rows.joined(separator: "\n") + "\n", file: "own.csv")
        let measured = energy ? "measured_forward_energy_j" : "measured_time_ms"
        let out = try table.rows.map { row -> String in
            let req = try PredictRowReader.read(row, table: table)
            let r = try PredictTable.score(req, estimator: estimator)
            func value(_ key: String) throws -> Double {
                guard case let .number(x)? = r[key] else { throw UserCalibration.Refusal(description: "no \(key) for line \(row.line): \(r)") }
                return x
            }
            let watts = try value("gpu_power_w") * powerScale
            let gpus = Double(req.deployment.gpus ?? req.deployment.tensorParallel ?? 1)
            let reading: Double
            if req.phase == .serve { reading = try value("joules_per_output_token") * powerScale * joulesScale }
            else if energy { reading = try watts * value("forward_time_ms") * timeScale / 1000 * (energyPerGPU ? 1 : gpus) }
            else { reading = try value("forward_time_ms") * timeScale }
            return row.fields.joined(separator: ",") + ",\(watts),\(reading)"
        }
        let column = rows.allSatisfy { $0.contains(",serve,") } ? "measured_joules_per_output_token" : measured
        return ([header + ",measured_gpu_power_w,\(column)"] + out).joined(separator: "\n") + "\n"
    }

    static func runs(_ csv: String) throws -> [MeasuredRun] {
        try MeasurementReader.plainCSV(try CSVTable.parse(csv, file: "runs.csv"))
    }

    /// Eight operating points of two 8B models on an H100 at 1200 MHz, under `framework`.
    static func h100Rows(_ framework: String) -> [String] {
        ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-8B"].flatMap { m in
            ["decode-step,1,512", "decode-step,32,2048", "forward,1,256", "forward,4,1024"].map { "\(m),h100-sxm,\(framework),\($0),1200" }
        }
    }

    static let h100Header = "model,gpu,framework,phase,batch,input_tokens,sm_clock_mhz"

    /// A GPU's runs under two frameworks were all fitted and scored with the framework of the
    /// last one: the same 60 runs gave power MAPE 1.4 % in one row order and 7.2 % in the other,
    /// activeSMJoules 7× apart, and "before" 11.2 % / 16.8 % for runs exactly 1.1 × `predict`.
    @Test func runsUnderTwoFrameworksFitAlikeInEitherOrder() throws {
        let estimator = Estimator()
        let vllm = Self.h100Rows("vllm"), hf = Self.h100Rows("hf")
        let a = try UserCalibration.run(try Self.runs(try Self.ownRunsCSV(Self.h100Header, vllm + hf, powerScale: 1.1, estimator: estimator)),
                                        estimator: estimator)
        let b = try UserCalibration.run(try Self.runs(try Self.ownRunsCSV(Self.h100Header, hf + vllm, powerScale: 1.1, estimator: estimator)),
                                        estimator: estimator)
        for r in [a, b] {
            let before = try #require(r.before["h100-sxm"])
            // Every run is 1.1 × what predict gives: 1 − 1/1.1 = 9.09 % off in power, 0 in time.
            #expect(approx(before.powerMAPE, 1 - 1 / 1.1, rel: 1e-3) && before.timeMAPE < 1e-4, "\(before)")
        }
        let fa = try #require(a.fitted.first).set, fb = try #require(b.fitted.first).set
        for (x, y) in zip(fa.power.vector, fb.power.vector) { #expect(approx(x, y, rel: 1e-6), "\(fa.power.vector) against \(fb.power.vector)") }
        #expect(approx(fa.timeModel.memoryEfficiency, fb.timeModel.memoryEfficiency, rel: 1e-9))
        #expect(approx(fa.hosts["vllm"]!.passOverhead.seconds, fb.hosts["vllm"]!.passOverhead.seconds, rel: 1e-9))
        #expect(approx(fa.hosts["hf"]!.launchTime.seconds, fb.hosts["hf"]!.launchTime.seconds, rel: 1e-9))
    }

    /// Four noisy repeats of one decode step passed the 3-configuration refusal, because the
    /// measured time was part of what made a configuration (batch-1 estimates moved +40 %).
    @Test func repeatsOfOneConfigurationAreOneConfiguration() throws {
        let csv = "model,gpu,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms\n"
            + ["60,8", "63,8.1", "66,7.9", "64,8.05"].map { "qwen2-1.5b,a10,forward,1,128,\($0)\n" }.joined()
        let message = try #require(Self.refusal(try Self.runs(csv), Estimator()))
        #expect(message.contains("only 1 distinct configuration"), "\(message)")
    }

    /// One empty time cell turned off the time fit and the unit check for every run: seconds in
    /// measured_time_ms with one cell empty were fitted (time MAPE 99,900 %), exit 0.
    @Test func aRunWithoutATimeLeavesTheOthersTimed() throws {
        var (runs, estimator) = try Self.syntheticRuns()
        runs[0].unitTimeSeconds = nil
        let result = try UserCalibration.run(runs, estimator: estimator)
        #expect(result.warnings.contains { $0.contains("1 of \(runs.count) runs have no measured time") }, "\(result.warnings)")
        for i in runs.indices.dropFirst() {
            runs[i].unitTimeSeconds = runs[i].unitTimeSeconds.map { $0 / 1000 }
            runs[i].timeColumn = "measured_time_ms"
        }
        let message = try #require(Self.refusal(runs, estimator))
        #expect(message.contains("were seconds written"), "\(message)")
    }

    /// 3 × power × time in measured_forward_energy_j beside measured_time_ms went unread.
    @Test func refusesEnergyThatIsNotPowerTimesTimeTimesGPUs() throws {
        let header = "model,gpu,gpus,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms,measured_forward_energy_j\n"
        let ok = header + "qwen2-1.5b,a10,2,forward,4,512,100,20,4.1\n"
        #expect(try Self.runs(ok).count == 1)
        #expect { try Self.runs(header + "qwen2-1.5b,a10,1,forward,4,512,100,20,6\n") } throws: { e in
            "\(e)".contains("measured_forward_energy_j") && "\(e)".contains("3×") && "\(e)".contains("line 2")
        }
        #expect { try Self.runs(header + "qwen2-1.5b,a10,2,forward,4,512,100,20,2\n") } throws: { e in
            "\(e)".contains("the energy of one GPU")
        }
    }

    /// Energy per GPU instead of for all of them, with no time column: only the 4-GPU runs were
    /// read 4× too short, under the factor-2 average, and fitted with exit 0.
    @Test func refusesEnergyGivenPerGPUOnTheMultiGPURuns() throws {
        let estimator = Estimator()
        let header = "model,gpu,gpus,tp,phase,batch,input_tokens"
        let rows = ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-8B"].flatMap { m in
            ["decode-step,1,512", "decode-step,32,2048", "forward,1,256", "forward,4,1024"].map { "\(m),h100-sxm,1,1,\($0)" }
        } + ["decode-step,8,1024", "forward,1,2048"].map { "meta-llama/Llama-3.1-70B-Instruct,h100-sxm,4,4,\($0)" }
        let csv = try Self.ownRunsCSV(header, rows, energy: true, energyPerGPU: true, estimator: estimator)
        let message = try #require(Self.refusal(try Self.runs(csv), estimator))
        #expect(message.contains("on the runs on 4 GPUs") && message.contains("was it given per GPU"), "\(message)")
        let right = try Self.ownRunsCSV(header, rows, energy: true, estimator: estimator)
        #expect(Self.refusal(try Self.runs(right), estimator) == nil)
    }

    /// J per token in mJ on serve runs was blamed on measured_time_ms and
    /// measured_forward_energy_j, which the file did not have, quoting a "measured" time.
    @Test func namesTheJoulesPerTokenColumnInAServeUnitSlip() throws {
        let estimator = Estimator()
        let rows = ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-8B"].flatMap { m in
            ["8,512,256", "32,1024,512", "128,256,256"].map { "\(m),h100-sxm,serve,\($0)" }
        }
        let csv = try Self.ownRunsCSV("model,gpu,phase,batch,input_tokens,output_tokens", rows, joulesScale: 1000, estimator: estimator)
        let message = try #require(Self.refusal(try Self.runs(csv), estimator))
        #expect(message.contains("measured_joules_per_output_token is in joules per token: were mJ per token written there?"), "\(message)")
        #expect(!message.contains("measured_time_ms") && !message.contains("measured_forward_energy_j") && !message.contains(": measured "), "\(message)")
    }

    /// A serve run measured on an A100 was planned at a step budget of 8192, where `predict`
    /// prices the same row at vLLM's A100 default of 2048: a 3000-token prompt ran as one chunk
    /// in the fit and two in the prediction it was scored against.
    @Test func plansAServeRunAtTheGPUsDefaultStepBudget() throws {
        let estimator = Estimator()
        let row = "meta-llama/Llama-3.1-8B-Instruct,a100-sxm-80gb,serve,8,3000,256"
        let csv = try Self.ownRunsCSV("model,gpu,phase,batch,input_tokens,output_tokens", [row], estimator: estimator)
        let run = try #require(try Self.runs(csv).first)
        let planned = try UserCalibration.userRun(run, estimator: estimator).row
        let d = try estimator.deployment(run.request.deployment, context: run.label)
        func weights(budget: Int) throws -> [Double] {
            let r = ServingRequest(batch: 8, inputTokens: 3000, outputTokens: 256, tokenBudget: budget)
            let local = ServingEstimator.localBatch(r, budget: try KVCacheBudget(deployment: d, request: r), ranks: d.attentionRanks)
            return ContinuousPlan(request: r, local: local).meanStep.map(\.weight)
        }
        #expect(ServingRequest.defaultTokenBudget(for: d) == 2048)
        #expect(try weights(budget: 2048) != weights(budget: 8192))
        #expect(try planned.passes.map(\.weight) == weights(budget: 2048))
    }

    /// `measured_energy_j` was echoed unread and the fit fell back to power only, exit 0.
    @Test func refusesAnUnknownMeasuredColumn() throws {
        let csv = "model,gpu,phase,batch,input_tokens,measured_gpu_power_w,measured_energy_j\nqwen2-1.5b,a10,forward,1,128,60,8\n"
        #expect { try Self.runs(csv) } throws: { e in
            let m = "\(e)"
            return m.contains("'measured_energy_j'") && m.contains("measured_forward_energy_j") && m.contains("runs.csv:1")
        }
        let manifest = "window,model,gpu,phase,batch,input_tokens,measured_time\nw,qwen2-1.5b,a10,forward,1,128,8\n"
        #expect(throws: InputError.self) { try RunManifest.join(manifest: try CSVTable.parse(manifest, file: "m.csv"), zeus: []) }
    }

    /// kW read as W was refused with a hint to divide by 1,000; an unknown model was skipped with
    /// exit 0; rows pasted twice were fitted as twice the evidence without a word.
    @Test func smallMessagesSayTheRightThing() throws {
        let header = "model,gpu,phase,batch,input_tokens,measured_gpu_power_w,measured_time_ms\n"
        #expect { try Self.runs(header + "qwen2-1.5b,a10,forward,1,128,0.12,8\n") } throws: { e in
            "\(e)".contains("kilowatts: multiply by 1,000") && !"\(e)".contains("dividing")
        }
        #expect { try Self.runs(header + "qwen2-1.5b,a10,forward,1,128,120000,8\n") } throws: { e in "\(e)".contains("divide by 1,000") }
        let unknown = header + "qwen2-1.5b,a10,forward,1,128,60,8\nfoo/bar,a10,forward,4,512,90,20\n"
        let message = try #require(Self.refusal(try Self.runs(unknown), Estimator()))
        #expect(message.contains("runs.csv:3: unknown model 'foo/bar'") && !message.contains("runs.csv:3: runs.csv:3"), "\(message)")
        var (runs, estimator) = try Self.syntheticRuns()
        runs.append(runs[2])
        let result = try UserCalibration.run(runs, estimator: estimator)
        #expect(result.warnings.contains { $0.contains("repeats \(runs[2].label)") }, "\(result.warnings)")
    }
    /// A warning when the fit is worse in-sample than the set it started from.
    @Test func calibrateWarnsWhenTheFitIsWorseThanItsStart() {
        let before = FitSummary(rows: 5, powerMAPE: 0.01, energyMAPE: 0.01, timeMAPE: 0)
        #expect(UserCalibration.worseThanStart(before: before, after: FitSummary(rows: 5, powerMAPE: 0.03, energyMAPE: 0.01, timeMAPE: 0)).count == 1)
        #expect(UserCalibration.worseThanStart(before: before, after: FitSummary(rows: 5, powerMAPE: 0.01, energyMAPE: 0.0105, timeMAPE: 0)).isEmpty)
    }

    /// SHA-256 of FIPS 180-4's examples: the digest a calibration file records of its runs.
    @Test func sha256MatchesThePublishedVectors() {
        #expect(SHA256Digest.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
