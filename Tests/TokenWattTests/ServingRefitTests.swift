import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The serving fit's leave-one-family-out refits (`Generalization.leaveOneServingFamilyOut`) and
/// the H100 band re-drawn from their forecasts (`ErrorBands.refitBand`).
@Suite struct ServingRefitTests {
    /// Each fold leaves out exactly one family's fit rows and fits on all the others.
    @Test(.enabled(if: sharedData != nil)) func foldsPartitionTheFitRowsByFamily() throws {
        let gpu = BuiltinCalibration.servingFitGPU
        let rows = ServingCalibration.rows(try MLEnergyData.load(dataDirectory: sharedData!), gpu: gpu, estimator: Estimator())
        let folds = Generalization.servingFolds(rows, gpu: gpu)
        #expect(folds.count >= 5 && Set(folds.map(\.family)).count == folds.count)
        #expect(folds.reduce(0) { $0 + $1.heldOutRuns } == rows.count)
        for f in folds {
            #expect(f.training.count + f.heldOutRuns == rows.count)
            #expect(f.training.allSatisfy { $0.group != "\(gpu)/\(f.family)" })
            #expect(!f.heldOut.isEmpty && f.training.allSatisfy { !f.heldOut.contains($0.label) })
        }
    }

    static func record(_ label: String, _ dataset: String, measured: Double, predicted: Double) -> ValidationRecord {
        ValidationRecord(dataset: dataset, gpu: "g", group: "f", metric: ErrorBands.metric, label: label, measured: measured, predicted: predicted)
    }

    /// A fit run's forecast is counted against the in-sample range, which it does not move; the
    /// band redrawn from the forecasts is set beside it.
    @Test func forecastsAreCountedAgainstTheRangeAndRedrawnBesideIt() throws {
        let records = (0..<20).map { Self.record("r\($0)", $0 < 10 ? "fit" : "other", measured: 1, predicted: 1) }
        let fit = Set((0..<10).map { ErrorBands.fitKey("fit", "r\($0)") })
        let forecasts = Dictionary(uniqueKeysWithValues: fit.map { ($0, 0.5) })
        let b = ErrorBands.compute(from: records, fitted: ["g"], inFit: fit, forecasts: forecasts).band(for: "g")
        #expect(b.fitRuns == 10 && b.refitRuns == 10 && b.refitInside == 0 && b.ratioHigh == 1 && b.ratioLow == 1)
        #expect(b.refitMedian == 2 && b.refitMin == 2 && b.refitMax == 2)
        let r = try #require(ErrorBands.refitBand(b, records: records, forecasts: forecasts))
        #expect(r.redrawn.runs == 20 && r.redrawn.ratioHigh == 2 && r.redrawn.ratioLow == 1 && r.inSampleMedian == 1)
        // Without forecasts nothing is counted and there is nothing to set beside the band.
        let plain = ErrorBands.compute(from: records, fitted: ["g"], inFit: fit).band(for: "g")
        #expect(plain.refitRuns == 0 && plain.refitMedian == nil && ErrorBands.refitBand(plain, records: records, forecasts: [:]) == nil)
    }

    /// The bundled forecasts hold one per fit run label, each under the family its fold left out.
    @Test(.enabled(if: sharedData != nil)) func bundledForecastsCoverTheFitRuns() throws {
        let start = try Generalization.ServingFitStart(dataDirectory: sharedData!)
        let bundled = ServingRefitForecasts.bundled
        #expect(bundled.gpu == start.gpu.id && bundled.dataset == MLEnergyValidation.dataset)
        #expect(Set(bundled.forecasts.map(\.label)) == Set(start.rows.map(\.label)))
        // v3 measured three settings twice; each run of a pair has its own label and forecast
        // (they had shared one, and the second was scored against the first's forecast).
        #expect(Set(start.rows.map(\.label)).count == start.rows.count && bundled.forecasts.count == start.rows.count)
        for fold in start.folds {
            #expect(bundled.forecasts.filter { $0.family == fold.family }.map(\.label).sorted() == fold.heldOut.sorted(), "\(fold.family)")
        }
    }

    @Test func bundledFileRoundTrips() throws {
        let path = packageRoot.appendingPathComponent("Sources/TokenWatt/Resources/serving-refits.json")
        let committed = try String(contentsOf: path, encoding: .utf8)
        let again = try ServingRefitForecasts.read(Data(committed.utf8), file: "serving-refits.json")
        #expect(again == ServingRefitForecasts.bundled && again.json() == committed)
    }

    /// One family refitted afresh forecasts its runs as the bundled file says, to the last digit
    /// (refresh with `tokenwatt validate --no-report --refits-out …`). One fold, the one with the
    /// fewest runs left out, as the whole set takes minutes.
    @Test(.enabled(if: sharedData != nil)) func oneRefitReproducesTheBundledForecasts() throws {
        let start = try Generalization.ServingFitStart(dataDirectory: sharedData!)
        let fold = try #require(start.folds.min { $0.heldOutRuns < $1.heldOutRuns })
        let fresh = ServingRefitForecasts(gpu: start.gpu.id, records: try start.forecast(fold, dataDirectory: sharedData!))
        let bundled = ServingRefitForecasts.bundled.forecasts.filter { $0.family == fold.family }
        #expect(!bundled.isEmpty && fresh.forecasts == bundled, "stale serving refits (\(fold.family)): run `\(ServingRefitForecasts.generatedBy)`")
    }

    /// A file of forecasts for another GPU or data set, or with a label forecast twice, is refused
    /// with its field named: the band counts forecasts by label against one GPU's range.
    @Test func theReaderRefusesForecastsItCannotCount() {
        func file(gpu: String = "h100-sxm", dataset: String = "mlenergy-v3", labels: [String] = ["a", "b"]) -> String {
            let f = labels.map { #"{"label": "\#($0)", "family": "f", "predicted": 0.5}"# }.joined(separator: ", ")
            return #"{"schemaVersion": 1, "gpu": "\#(gpu)", "dataset": "\#(dataset)", "forecasts": [\#(f)]}"#
        }
        #expect((try? ServingRefitForecasts.read(Data(file().utf8), file: "r.json"))?.forecasts.count == 2)
        for (text, field) in [(file(gpu: "a100-sxm-80gb"), "gpu"), (file(dataset: "mlenergy-v2"), "dataset"),
                              (file(labels: ["a", "b", "a"]), "forecasts[2].label")] {
            #expect { _ = try ServingRefitForecasts.read(Data(text.utf8), file: "r.json") } throws: { e in
                "\(e)".contains("r.json") && "\(e)".contains(field)
            }
        }
    }

    /// Two runs of the export with one setting get distinct labels, the second numbered, so that
    /// everything keyed by label (fit runs, refit forecasts) names one run.
    @Test func aRepeatedRunIsNumbered() throws {
        let header = "task,model_id,num_gpus,tensor_parallel,expert_parallel,weight_precision,max_num_seqs,avg_batch_size,"
            + "avg_output_len,avg_power_watts,energy_per_token_joules,output_throughput_tokens_per_sec,median_itl_ms,gpu_model"
        let row = { (batch: String, out: String) in "gpqa,openai/gpt-oss-20b,1,1,1,mxfp4,96,\(batch),\(out),500,0.09,5000,20,H100" }
        let text = [header, row("95.95", "2598.69"), row("95.98", "2285.66"), row("64.2", "2400")].joined(separator: "\n")
        let runs = try MLEnergyData.parse(try CSVTable.parse(text, file: "llm_runs.csv"))
        #expect(runs.map(\.label) == ["openai/gpt-oss-20b 1×H100 gpqa b96", "openai/gpt-oss-20b 1×H100 gpqa b96 run 2",
                                       "openai/gpt-oss-20b 1×H100 gpqa b64"])
    }
}
